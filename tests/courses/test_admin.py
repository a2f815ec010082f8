import csv
import io
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.core.models import AuditLog
from courses.models import Attendance, AttendanceMethod, CourseRun, EnrollmentStatus
from tests.factories.courses import ClassSessionFactory, CourseRunFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_run(course, other_community):
    return CourseRunFactory(course=course, venue=VenueFactory(community=other_community),
                            code="ZS2612-01")


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_coordinator_sees_only_their_units_runs(run, other_run, coordinator):
    client = admin_client(coordinator)
    page = client.get(reverse("admin:courses_courserun_changelist"))
    assert page.status_code == 200
    content = page.content.decode()
    assert run.code in content and other_run.code not in content
    assert client.get(reverse("admin:courses_courserun_change", args=[run.pk])).status_code == 200
    response = client.get(reverse("admin:courses_courserun_change", args=[other_run.pk]))
    assert response.status_code == 302  # "does not exist" for them


def test_a_district_admin_sees_all_runs(run, other_run, district_admin):
    content = admin_client(district_admin).get(
        reverse("admin:courses_courserun_changelist")).content.decode()
    assert run.code in content and other_run.code in content


def test_residents_and_staff_get_no_course_admin(run, resident, community_staff):
    for user in (resident, community_staff):
        response = admin_client(user).get(reverse("admin:courses_courserun_changelist"))
        assert response.status_code in (302, 403)


def test_enrollment_list_filters_by_status_and_unit(run, other_run, coordinator, resident,
                                                    volunteer_user, enroll):
    enroll(resident, run)
    enroll(volunteer_user, run, EnrollmentStatus.WAITLISTED)
    enroll(volunteer_user, other_run)
    client = admin_client(coordinator)
    url = reverse("admin:courses_enrollment_changelist")
    page = client.get(url, {"status__exact": "WAITLISTED"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert client.get(url).context["cl"].result_count == 2  # not the other street's one


def test_roster_export_is_csv_and_audited(run, coordinator, resident, volunteer_user, enroll):
    session = ClassSessionFactory(run=run)
    ClassSessionFactory(run=run)
    enrollment = enroll(resident, run)
    enroll(volunteer_user, run, EnrollmentStatus.WAITLISTED)
    Attendance.objects.create(enrollment=enrollment, session=session, present=True,
                              method=AttendanceMethod.QR, marked_at=session.starts_at)
    response = admin_client(coordinator).post(
        reverse("admin:courses_courserun_changelist"),
        {"action": "export_roster_csv", "_selected_action": [run.pk]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == run.code
    by_user = {r[1]: r for r in rows[2:] if len(r) > 1}
    assert by_user[resident.username][5:] == ["✓", "", "50%"]
    assert by_user[volunteer_user.username][4] == "1"
    entry = AuditLog.objects.get(action="courserun.export_roster")
    assert entry.actor == coordinator and entry.detail["rows"] == 2


def test_raising_capacity_in_the_admin_promotes_the_waitlist(run, coordinator, enroll,
                                                             user_factory):
    CourseRun.objects.filter(pk=run.pk).update(capacity=1)
    run.refresh_from_db()
    enroll(user_factory(), run)
    waiting = enroll(user_factory(), run, EnrollmentStatus.WAITLISTED)
    client = admin_client(coordinator)
    url = reverse("admin:courses_courserun_change", args=[run.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({
        "course": run.course_id, "venue": run.venue_id, "code": run.code, "capacity": 2,
        "enrollment_opens_at_0": run.enrollment_opens_at.strftime("%Y-%m-%d"),
        "enrollment_opens_at_1": run.enrollment_opens_at.strftime("%H:%M:%S"),
        "enrollment_closes_at_0": run.enrollment_closes_at.strftime("%Y-%m-%d"),
        "enrollment_closes_at_1": run.enrollment_closes_at.strftime("%H:%M:%S"),
        "starts_at_0": run.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": run.starts_at.strftime("%H:%M:%S"),
        "ends_at_0": run.ends_at.strftime("%Y-%m-%d"),
        "ends_at_1": run.ends_at.strftime("%H:%M:%S"),
        "min_attendance_rate": "0.5", "require_quiz": "on", "instructors": [],
        "sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0",
    })
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.ENROLLED
    run.refresh_from_db()
    assert (run.capacity, run.enrolled_count) == (2, 2)


def _add_run_data(course, venue, instructor=None, *, session_offsets=(0, 7)):
    start = timezone.localtime().replace(year=2026, month=12, day=7, hour=9, minute=30,
                                         second=0, microsecond=0)

    def split(prefix, value):
        return {f"{prefix}_0": value.strftime("%Y-%m-%d"),
                f"{prefix}_1": value.strftime("%H:%M:%S")}

    data = {"course": course.pk, "venue": venue.pk, "code": "", "capacity": 12,
            "min_attendance_rate": "0.75", "require_quiz": "on",
            "instructors": [instructor.pk] if instructor else [],
            **split("starts_at", start), **split("ends_at", start + timedelta(days=14, hours=2)),
            **split("enrollment_opens_at", start - timedelta(days=20)),
            **split("enrollment_closes_at", start - timedelta(days=1)),
            "sessions-TOTAL_FORMS": str(len(session_offsets)), "sessions-INITIAL_FORMS": "0"}
    for i, days in enumerate(session_offsets):
        data.update(split(f"sessions-{i}-starts_at", start + timedelta(days=days)))
        data.update(split(f"sessions-{i}-ends_at", start + timedelta(days=days, hours=2)))
    return data


def test_a_coordinator_adds_a_run_in_the_admin_through_the_service(course, venue, coordinator,
                                                                    instructor):
    response = admin_client(coordinator).post(reverse("admin:courses_courserun_add"),
                                              _add_run_data(course, venue, instructor))
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset \
        .non_form_errors()
    run = CourseRun.objects.latest("pk")  # not the `run` fixture behind `instructor`
    assert run.code == "WX2612-01"  # generated, as courseRunCreate does
    assert (run.capacity, run.street_id, run.community_id) == (
        12, venue.community.street_id, venue.community_id)
    assert run.sessions.count() == 2  # the inline's sessions, created once
    assert list(run.instructors.all()) == [instructor]
    entry = AuditLog.objects.get(action="courserun.create", object_id=str(run.pk))
    assert entry.actor == coordinator
    assert entry.detail == {"code": run.code, "course_id": course.pk, "venue_id": venue.pk,
                            "capacity": 12}
    assert response["Location"].endswith(reverse("admin:courses_courserun_changelist"))
    assert LogEntry.objects.get(object_id=str(run.pk)).user == coordinator


def test_the_admin_shows_what_the_service_refuses_and_creates_nothing(course, venue,
                                                                       coordinator):
    before = CourseRun.objects.count()
    # a session three weeks in: after the run's end
    response = admin_client(coordinator).post(reverse("admin:courses_courserun_add"),
                                              _add_run_data(course, venue,
                                                            session_offsets=(0, 21)))
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert "每个课次须在班期时间之内，且结束晚于开始。" in errors
    assert CourseRun.objects.count() == before
    assert not AuditLog.objects.filter(action="courserun.create").exists()


def test_a_coordinator_cannot_add_a_run_at_another_units_venue(course, other_community,
                                                                 coordinator, district_admin):
    other_venue = VenueFactory(community=other_community)
    response = admin_client(coordinator).post(reverse("admin:courses_courserun_add"),
                                              _add_run_data(course, other_venue))
    assert response.status_code == 200  # not in their venue choices
    assert "venue" in response.context["adminform"].form.errors
    assert not CourseRun.objects.filter(venue=other_venue).exists()
    # a district admin may
    response = admin_client(district_admin).post(reverse("admin:courses_courserun_add"),
                                                 _add_run_data(course, other_venue))
    assert response.status_code == 302
    assert CourseRun.objects.get(venue=other_venue).code == "WX2612-01"
