"""Check-in pages: the learner's landing page from the QR code (one tap signed in; through
login with the scan remembered for 5 minutes; clear answers when it cannot work), the
projector page and its live JSON, and the instructor's attendance and progress pages."""

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.links import PENDING_PAGES, node_id
from backend.core.masking import mask_name
from backend.wechat import services as wechat_services
from courses import services
from courses.models import Attendance, AttendanceMethod
from tests.factories.accounts import PASSWORD, user_with_role
from tests.factories.courses import ClassSessionFactory
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.queries import query_count
from tests.wechat.test_binding_links import follow_oauth

pytestmark = pytest.mark.django_db


@pytest.fixture
def instructor(community, run):
    user = user_with_role(Role.INSTRUCTOR, community=community)
    run.instructors.add(user)
    return user


@pytest.fixture
def live_session(run):
    now = timezone.now()
    return ClassSessionFactory(run=run, starts_at=now - timedelta(minutes=10),
                               ends_at=now + timedelta(hours=1))


def code_url(instructor, session) -> str:
    """The check-in URL the projector shows now, as a local path with its query."""
    url = services.session_checkin_code(actor=instructor, session=session).check_in_url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def display_url(session):
    return reverse("page-checkin-display", kwargs={"id": node_id("ClassSession", session.pk)})


def test_the_check_in_url_routes_and_is_no_longer_pending(instructor, live_session):
    assert "page-checkin" not in PENDING_PAGES
    path = code_url(instructor, live_session)
    assert path.startswith(f"/checkin/{node_id('ClassSession', live_session.pk)}?t=")


def test_signed_in_learner_checks_in_with_one_tap(client_for, resident, enroll, run,
                                                  instructor, live_session):
    enroll(resident, run)
    client = client_for(resident)
    page = client.get(code_url(instructor, live_session))
    html = page.content.decode()
    assert page.status_code == 200 and ">签到</button>" in html
    assert not Attendance.objects.exists()  # opening the page alone checks nobody in
    response = client.post(page.request["PATH_INFO"])
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.present and attendance.method == AttendanceMethod.QR
    assert "签到成功" in client.get(response["Location"]).content.decode()


def test_a_slow_login_still_checks_her_in_after_the_code_rotated(
        client, resident, enroll, run, instructor, live_session):
    enroll(resident, run)
    scanned_at = timezone.now()
    with time_machine.travel(scanned_at, tick=False):
        path = code_url(instructor, live_session)
        response = client.get(path)  # anonymous: to login, the scan kept in her session
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert unquote(next_url) == path
    # four minutes later (the code on the screen has changed 8 times) she has logged in
    with time_machine.travel(scanned_at + timedelta(minutes=4), tick=False):
        response = client.post("/login/", {"username": resident.username, "password": PASSWORD,
                                           "next": next_url})
        assert response["Location"] == next_url
        landing = client.get(next_url)
        assert landing.status_code == 302  # completed without a second tap
        assert "签到成功" in client.get(landing["Location"]).content.decode()
    assert Attendance.objects.filter(enrollment__user=resident, present=True).count() == 1


def test_a_login_later_than_five_minutes_says_scan_again(client, resident, enroll, run,
                                                         instructor, live_session):
    enroll(resident, run)
    scanned_at = timezone.now()
    with time_machine.travel(scanned_at, tick=False):
        path = code_url(instructor, live_session)
        client.get(path)
    with time_machine.travel(scanned_at + timedelta(minutes=6), tick=False):
        client.login(username=resident.username, password=PASSWORD)
        response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="problem-expired"' in html
    assert "再扫一次" in html
    assert not Attendance.objects.exists()


def test_too_early_says_when_check_in_opens(client_for, resident, enroll, run, instructor):
    session = ClassSessionFactory(run=run, starts_at=timezone.now() + timedelta(hours=3))
    enroll(resident, run)
    client = client_for(resident)
    page = client.get(code_url(instructor, session))
    response = client.post(page.request["PATH_INFO"])
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="problem-too-early"' in html
    assert "还没到签到时间" in html and "起可以签到" in html


def test_not_enrolled_says_what_to_do(client_for, user_factory, run, instructor, live_session):
    client = client_for(user_factory())
    page = client.get(code_url(instructor, live_session))
    response = client.post(page.request["PATH_INFO"])
    html = response.content.decode()
    assert 'data-testid="problem-not-enrolled"' in html and "告诉讲师" in html
    assert reverse("page-course-run", kwargs={"id": node_id("CourseRun", run.pk)}) in html
    assert not Attendance.objects.exists()


def test_a_forged_code_is_refused(client_for, resident, enroll, run, live_session):
    enroll(resident, run)
    client = client_for(resident)
    url = reverse("page-checkin", kwargs={"id": node_id("ClassSession", live_session.pk)})
    client.get(f"{url}?t=123.abc")
    response = client.post(url)
    assert 'data-testid="problem-invalid"' in response.content.decode()
    assert not Attendance.objects.exists()


# --- the projector page ------------------------------------------------------------------------
def test_the_display_shows_a_qr_code_and_the_live_json_the_count(
        client_for, resident, enroll, run, instructor, live_session):
    client = client_for(instructor)
    page = client.get(display_url(live_session))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'data-testid="count">0<' in html
    enroll(resident, run)
    services.attendance_mark(actor=instructor, session=live_session, user=resident, present=True)
    live = client.get(display_url(live_session) + "live/").json()
    assert live["count"] == 1 and live["names"] == [mask_name(resident.display_name)]
    assert live["url"].endswith(f"?t={live['token']}") and live["qr_svg"].startswith("<svg")


@pytest.mark.parametrize("who", ["resident", "volunteer_user", "community_staff",
                                 "other_coordinator"])
def test_only_the_instructor_and_coordinators_see_the_display(client_for, role_users, who,
                                                              live_session, request):
    client = client_for(request.getfixturevalue(who))
    assert client.get(display_url(live_session)).status_code == 403
    assert client.get(display_url(live_session) + "live/").status_code == 403


def test_the_coordinator_sees_the_display(client_for, coordinator, live_session):
    assert client_for(coordinator).get(display_url(live_session)).status_code == 200


def test_anonymous_visitors_of_the_display_go_to_login(client, live_session):
    response = client.get(display_url(live_session))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- attendance by hand and progress -----------------------------------------------------------
def session_url(session):
    return reverse("page-teach-session", kwargs={"id": node_id("ClassSession", session.pk)})


def test_the_instructor_marks_attendance_by_hand(client_for, resident, enroll, run, instructor,
                                                 live_session):
    enroll(resident, run)
    client = client_for(instructor)
    html = client.get(session_url(live_session)).content.decode()
    assert resident.display_name in html and ">到</button>" in html and ">未到</button>" in html
    response = client.post(session_url(live_session),
                           {"user": node_id("User", resident.pk), "present": "1"})
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.present and attendance.method == AttendanceMethod.INSTRUCTOR
    assert attendance.marked_by == instructor
    client.post(session_url(live_session), {"user": node_id("User", resident.pk), "present": "0"})
    attendance.refresh_from_db()
    assert attendance.present is False


def test_no_buttons_before_the_session_starts_and_a_post_is_refused(
        client_for, resident, enroll, run, instructor):
    session = ClassSessionFactory(run=run, starts_at=timezone.now() + timedelta(hours=1))
    enroll(resident, run)
    client = client_for(instructor)
    html = client.get(session_url(session)).content.decode()
    assert 'data-testid="not-started"' in html and ">到</button>" not in html
    response = client.post(session_url(session),
                           {"user": node_id("User", resident.pk), "present": "1"})
    assert response.status_code == 400 and "开始后才能记考勤" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_resident_cannot_mark_attendance(client_for, resident, enroll, run, live_session):
    enroll(resident, run)
    response = client_for(resident).post(session_url(live_session),
                                         {"user": node_id("User", resident.pk), "present": "1"})
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_the_instructor_sees_each_learners_progress(client_for, resident, enroll, run, instructor,
                                                    live_session, lessons):
    enroll(resident, run)
    services.attendance_mark(actor=instructor, session=live_session, user=resident, present=True)
    client = client_for(instructor)
    html = client.get(reverse("page-teach")).content.decode()
    assert run.course.title in html
    html = client.get(reverse("page-teach-run", kwargs={"id": node_id("CourseRun", run.pk)})
                      ).content.decode()
    assert resident.display_name in html and "签到 1/1" in html and "学完 0/2" in html


def test_the_learning_page_says_the_certificate_waits_for_the_last_session(
        client_for, resident, enroll, run, instructor, live_session):
    type(run).objects.filter(pk=run.pk).update(require_quiz=False, min_attendance_rate=0.5)
    enrollment = enroll(resident, run)
    services.attendance_mark(actor=instructor, session=live_session, user=resident, present=True)
    html = client_for(resident).get(reverse("page-learn", kwargs={
        "id": node_id("Enrollment", enrollment.pk)})).content.decode()
    assert 'data-testid="waiting"' in html and "上完后发证书" in html


def test_inside_wechat_the_scan_is_kept_through_oauth(client, fake_wechat, resident, enroll, run,
                                                      instructor, live_session):
    # given a bound follower of the district account, enrolled, scanning inside WeChat
    account = WeChatAccountFactory(slug="weishinan", name="微市南")
    fake_wechat.register(account, followers=[{"openid": "oGranny"}])
    wechat_services.binding_bind(account=account, openid="oGranny", user=resident)
    enroll(resident, run)
    scanned_at = timezone.now()
    with time_machine.travel(scanned_at, tick=False):
        path = code_url(instructor, live_session)
        response = client.get(path, HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    # then she goes through WeChat's OAuth (the scan already in her session)
    assert response.status_code == 302 and "/connect/oauth2/authorize" in response["Location"]
    with time_machine.travel(scanned_at + timedelta(minutes=2), tick=False):
        back = follow_oauth(client, response["Location"], "oGranny")
        assert back["Location"] == path
        landing = client.get(path, HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    # and lands back checked in, though the code on the screen rotated meanwhile
    assert landing.status_code == 302
    assert Attendance.objects.filter(enrollment__user=resident, present=True).count() == 1


@pytest.mark.parametrize("page", ["page-teach-session", "page-teach-run", "page-checkin-live"])
def test_the_instructor_pages_cost_the_same_for_1_and_12_learners(
        client_for, user_factory, enroll, run, instructor, live_session, page):
    type(run).objects.filter(pk=run.pk).update(capacity=20)
    run.refresh_from_db()
    client = client_for(instructor)
    kwargs = ({"id": node_id("CourseRun", run.pk)} if page == "page-teach-run"
              else {"id": node_id("ClassSession", live_session.pk)})
    url = reverse(page, kwargs=kwargs)

    def cost(learners: int) -> int:
        while Attendance.objects.count() < learners:
            learner = user_factory()
            enroll(learner, run)
            services.attendance_mark(actor=instructor, session=live_session, user=learner,
                                     present=True)
        return query_count(lambda: client.get(url))

    client.get(url)  # warm the session and the caches
    assert cost(1) == cost(12)


def test_home_links_instructors_and_coordinators_to_their_classes(client_for, instructor,
                                                                  coordinator, resident):
    for user, shown in ((instructor, True), (coordinator, True), (resident, False)):
        html = client_for(user).get("/").content.decode()
        assert ('data-testid="teach-link"' in html) is shown, user
