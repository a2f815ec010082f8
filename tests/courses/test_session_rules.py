"""Issue 11's rules: attendance is marked only once a session started, a scan remembered by
the landing page counts for 5 minutes, and completion (with its certificate) waits for the
run's last session to end and is dated then."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from graphql_relay import to_global_id

from backend.certificates.models import Certificate
from backend.core.errors import has_code
from courses import services, tasks
from courses.error_codes import CourseErrorCode
from courses.models import Attendance, EnrollmentStatus
from tests.factories.courses import ClassSessionFactory

pytestmark = pytest.mark.django_db

MARK = """
mutation M($id: ID!, $userId: ID!, $present: Boolean!) {
  attendanceMark(sessionId: $id, userId: $userId, present: $present) {
    attendance { id present }
    errors { field code }
  }
}"""


def mark(gql, actor, session, learner, present=True):
    result = gql(MARK, {"id": to_global_id("ClassSession", session.pk),
                        "userId": to_global_id("User", learner.pk), "present": present},
                 user=actor)
    assert result.errors is None, result.errors
    return result.data["attendanceMark"]


# --- attendanceMark before the start -----------------------------------------------------------
def test_attendance_cannot_be_marked_before_the_session_starts(gql, session, instructor,
                                                              resident, enroll):
    enroll(resident, session.run)
    with time_machine.travel(session.starts_at - timedelta(minutes=1), tick=False):
        payload = mark(gql, instructor, session, resident)
    assert payload["errors"] == [{"field": "sessionId", "code": "OUTSIDE_SESSION_WINDOW"}]
    assert payload["attendance"] is None
    assert not Attendance.objects.exists()
    # from the start on, the instructor marks (and later corrects) by hand
    with time_machine.travel(session.starts_at, tick=False):
        assert mark(gql, instructor, session, resident)["errors"] == []
    with time_machine.travel(session.ends_at + timedelta(days=3), tick=False):
        assert mark(gql, instructor, session, resident, present=False)["errors"] == []
    assert Attendance.objects.get().present is False


# --- a remembered scan -------------------------------------------------------------------------
@pytest.fixture
def scanned(current_session, instructor, resident, enroll):
    """A learner scanned the code now; returns (token, scan time)."""
    enroll(resident, current_session.run)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        code = services.session_checkin_code(actor=instructor, session=current_session)
    return code.token, now


def test_a_remembered_scan_checks_in_after_the_code_rotated(current_session, resident,
                                                            scanned):
    token, scanned_at = scanned
    with time_machine.travel(scanned_at + timedelta(minutes=4, seconds=50), tick=False):
        with pytest.raises(ValidationError) as rotated:  # the token alone has expired
            services.session_checkin(user=resident, session=current_session, token=token)
        attendance = services.session_checkin(user=resident, session=current_session,
                                              token=token, scanned_at=scanned_at)
    assert has_code(rotated.value, CourseErrorCode.TOKEN_EXPIRED)
    assert attendance.present


@pytest.mark.parametrize("delay", [timedelta(minutes=5, seconds=1), timedelta(seconds=-5)])
def test_a_scan_counts_only_for_five_minutes_and_never_from_the_future(
        current_session, resident, scanned, delay):
    token, scanned_at = scanned
    with (time_machine.travel(scanned_at + delay, tick=False),
          pytest.raises(ValidationError) as refused):
        services.session_checkin(user=resident, session=current_session, token=token,
                                 scanned_at=scanned_at)
    assert has_code(refused.value, CourseErrorCode.TOKEN_EXPIRED)
    assert not Attendance.objects.exists()


# --- completion waits for the last session --------------------------------------------------
@pytest.fixture
def two_sessions(run):
    first = ClassSessionFactory(run=run)
    last = ClassSessionFactory(run=run, starts_at=run.starts_at + timedelta(days=7))
    return first, last


def test_completion_waits_for_the_last_session_and_is_dated_then(
        run, two_sessions, instructor, resident, enroll, django_capture_on_commit_callbacks):
    first, last = two_sessions
    type(run).objects.filter(pk=run.pk).update(require_quiz=False, min_attendance_rate=0.5)
    enrollment = enroll(resident, run)
    # the rule (1 of 2 sessions) is met after the first session, but the run is not over
    with (time_machine.travel(first.ends_at, tick=False),
          django_capture_on_commit_callbacks(execute=True)):
        services.attendance_mark(actor=instructor, session=first, user=resident, present=True)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert tasks.complete_finished_runs() == 0
    assert not Certificate.objects.exists()
    # a few minutes after the last session ended, the beat task completes her
    with time_machine.travel(last.ends_at + timedelta(minutes=4, hours=30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.complete_finished_runs() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.complete_finished_runs() == 0  # twice: nothing more
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.completed_at == last.ends_at
    certificate = Certificate.objects.get(holder=resident)
    assert certificate.issued_at == last.ends_at  # dated the day the course ended


def test_the_beat_schedule_runs_the_completion_check():
    entry = settings.CELERY_BEAT_SCHEDULE["courses-complete-finished-runs"]
    assert entry["task"] == tasks.complete_finished_runs.name
    assert entry["schedule"] <= timedelta(minutes=10)


def test_runs_long_over_are_left_to_the_coordinators_reissue(run, two_sessions, resident,
                                                              enroll):
    type(run).objects.filter(pk=run.pk).update(require_quiz=False, min_attendance_rate=0)
    enrollment = enroll(resident, run)
    with time_machine.travel(two_sessions[1].ends_at + timedelta(days=31), tick=False):
        assert services.finished_runs_complete() == 0
        assert services.enrollment_check_completion(enrollment_id=enrollment.pk) is True
