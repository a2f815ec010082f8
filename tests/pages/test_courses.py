"""Classes near me and one class: enrol once however often it is tapped, the waitlist
place, cancelling on a confirmation page, audience rules, query counts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from courses.models import Audience, Enrollment, EnrollmentStatus
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.factories.courses import CourseFactory, CourseRunFactory, VenueFactory
from tests.helpers.queries import query_count

pytestmark = pytest.mark.django_db


def run_url(run, suffix=""):
    return f"/courses/runs/{to_global_id('CourseRun', run.pk)}/{suffix}"


def key_of(html):
    return html.split('name="idempotency_key" value="')[1].split('"')[0]


def test_the_class_page_shows_details_and_one_main_action(client_for, resident, run, sessions):
    html = client_for(resident).get(run_url(run)).content.decode()
    assert run.course.title in html and run.venue.name in html and run.code in html
    assert html.count('data-testid="main-action"') == 1
    assert 'data-testid="main-action">报名</button>' in html


def test_double_submission_enrols_once(client_for, resident, run):
    client = client_for(resident)
    key = key_of(client.get(run_url(run)).content.decode())
    first = client.post(run_url(run), {"idempotency_key": key})
    second = client.post(run_url(run), {"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert Enrollment.objects.filter(user=resident).count() == 1
    run.refresh_from_db()
    assert run.enrolled_count == 1
    html = client.get(run_url(run)).content.decode()
    assert "报名成功" in html and "您已报名" in html


def test_a_full_class_offers_the_waitlist_and_shows_my_place(client_for, resident, run,
                                                           enroll, user_factory):
    for _ in range(2):
        enroll(user_factory(), run)
    enroll(user_factory(), run, EnrollmentStatus.WAITLISTED)
    client = client_for(resident)
    html = client.get(run_url(run)).content.decode()
    assert 'data-testid="main-action">加入候补</button>' in html
    client.post(run_url(run), {"idempotency_key": key_of(html)})
    html = client.get(run_url(run)).content.decode()
    assert "候补第2位" in html


def test_a_refusal_from_the_service_is_shown_beside_the_action(client_for, resident, run):
    client = client_for(resident)
    key = key_of(client.get(run_url(run)).content.decode())
    # the window closes between showing the form and the tap
    now = timezone.now()
    type(run).objects.filter(pk=run.pk).update(enrollment_opens_at=now - timedelta(days=3),
                                               enrollment_closes_at=now - timedelta(days=1))
    response = client.post(run_url(run), {"idempotency_key": key})
    assert response.status_code == 400
    html = response.content.decode()
    assert "该班期现在不接受报名" in html and 'role="alert"' in html
    assert "报名已经截止了" in html  # and the page now says why there is no button
    assert not Enrollment.objects.exists()


def test_cancelling_asks_on_a_page_then_frees_the_seat(client_for, resident, run, enroll,
                                                     user_factory):
    mine = enroll(resident, run)
    waiting = enroll(user_factory(), run, EnrollmentStatus.WAITLISTED)
    client = client_for(resident)
    page = client.get(run_url(run, "cancel/")).content.decode()
    assert 'data-testid="main-action">确认取消报名</button>' in page and "confirm(" not in page
    mine.refresh_from_db()
    assert mine.status == EnrollmentStatus.ENROLLED  # a GET changes nothing
    response = client.post(run_url(run, "cancel/"))
    assert response.status_code == 302
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.status == EnrollmentStatus.CANCELLED
    assert waiting.status == EnrollmentStatus.ENROLLED
    assert "已取消报名" in client.get(run_url(run)).content.decode()


def test_cancel_without_a_place_changes_nothing(client_for, resident, run):
    response = client_for(resident).post(run_url(run, "cancel/"))
    assert response.status_code == 302 and not Enrollment.objects.exists()


def test_an_unpublished_class_is_a_404(client_for, resident, run):
    type(run.course).objects.filter(pk=run.course.pk).update(published=False)
    assert client_for(resident).get(run_url(run)).status_code == 404


def test_a_staff_course_is_not_offered_to_residents(client_for, resident, community):
    staff_run = CourseRunFactory(course=CourseFactory(audience=Audience.STAFF),
                                 venue=VenueFactory(community=community))
    client = client_for(resident)
    assert staff_run.course.title not in client.get("/courses/").content.decode()
    html = client.get(run_url(staff_run)).content.decode()
    assert 'data-testid="main-action"' not in html and "您不能报名" in html
    staff = user_with_role(Role.COMMUNITY_STAFF, community=community)
    assert staff_run.course.title in client_for(staff).get("/courses/").content.decode()


def test_classes_near_me_come_first(client_for, resident, community, other_community):
    soon = timezone.now() + timedelta(days=2)
    far = CourseRunFactory(course=CourseFactory(title="远处的课"), starts_at=soon,
                           venue=VenueFactory(community=other_community))
    street = CourseRunFactory(course=CourseFactory(title="同街道的课"),
                              starts_at=soon + timedelta(hours=1),
                              venue=VenueFactory(community=CommunityFactory(
                                  street=community.street)))
    near = CourseRunFactory(course=CourseFactory(title="本社区的课"),
                            starts_at=soon + timedelta(hours=2),
                            venue=VenueFactory(community=community))
    html = client_for(resident).get("/courses/").content.decode()
    positions = [html.index(r.course.title) for r in (near, street, far)]
    assert positions == sorted(positions)


def test_the_class_list_costs_the_same_at_1_and_20_rows(client_for, resident, community):
    client = client_for(resident)
    CourseRunFactory(venue=VenueFactory(community=community))
    client.get("/courses/")  # warm the session
    one = query_count(lambda: client.get("/courses/"))
    for _ in range(19):
        CourseRunFactory(venue=VenueFactory(community=community))
    twenty = query_count(lambda: client.get("/courses/"))
    assert one == twenty


def test_another_persons_place_is_never_shown(client_for, resident, run, enroll,
                                              user_factory):
    enroll(user_factory(), run, EnrollmentStatus.WAITLISTED)
    html = client_for(resident).get(run_url(run)).content.decode()
    assert "候补第" not in html and "您已报名" not in html


def test_anonymous_enrolment_posts_go_to_login(run):
    response = Client().post(run_url(run), {"idempotency_key": "k"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Enrollment.objects.exists()
