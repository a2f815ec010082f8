from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.models import AuditLog
from courses.models import Attendance, AttendanceMethod, EnrollmentStatus
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.courses import ClassSessionFactory
from tests.helpers.concurrency import run_concurrently
from tests.helpers.graphql import gql, token_for

pytestmark = pytest.mark.django_db

CODE = """
mutation K($id: ID!) {
  sessionCheckInCode(sessionId: $id) { token expiresAt checkInUrl errors { code } }
}"""
CHECK_IN = """
mutation I($id: ID!, $token: String!) {
  sessionCheckIn(sessionId: $id, token: $token) {
    attendance { id present method markedAt markedBy { username } session { id } }
    errors { field code message }
  }
}"""
MARK = """
mutation M($id: ID!, $userId: ID!, $present: Boolean!) {
  attendanceMark(sessionId: $id, userId: $userId, present: $present) {
    attendance { id present method markedBy { username } }
    errors { field code }
  }
}"""


def sid(session):
    return to_global_id("ClassSession", session.pk)


def code_for(gql, user, session):
    result = gql(CODE, {"id": sid(session)}, user=user)
    assert result.errors is None, result.errors
    return result.data["sessionCheckInCode"]


def check_in(gql, user, session, token):
    result = gql(CHECK_IN, {"id": sid(session), "token": token}, user=user)
    assert result.errors is None, result.errors
    return result.data["sessionCheckIn"]


def codes(payload):
    return [e["code"] for e in payload["errors"]]


def test_a_learner_checks_in_with_the_current_code(gql, current_session, instructor, resident,
                                                   enroll):
    enroll(resident, current_session.run)
    code = code_for(gql, instructor, current_session)
    # the URL carries the session and the token
    url = urlparse(code["checkInUrl"])
    assert code["checkInUrl"].startswith(f"{settings.PUBLIC_BASE_URL}/checkin/")
    assert url.path.endswith(f"/checkin/{to_global_id('ClassSession', current_session.pk)}")
    assert parse_qs(url.query)["t"] == [code["token"]]
    payload = check_in(gql, resident, current_session, code["token"])
    assert payload["errors"] == []
    assert payload["attendance"]["present"] is True
    assert payload["attendance"]["method"] == "QR"
    attendance = Attendance.objects.get()
    assert attendance.marked_by == resident and attendance.method == AttendanceMethod.QR
    # scanning again changes nothing
    assert check_in(gql, resident, current_session, code["token"])["errors"] == []
    assert Attendance.objects.count() == 1
    assert AuditLog.objects.filter(action="attendance.mark").count() == 1


def test_the_code_rotates_and_the_previous_one_still_works_then_expires(
        gql, current_session, instructor, resident, enroll):
    enroll(resident, current_session.run)
    start = timezone.now().replace(microsecond=0)
    start = start - timedelta(seconds=start.second % 30)  # at a step boundary
    with time_machine.travel(start + timedelta(seconds=29), tick=False) as traveller:
        old = code_for(gql, instructor, current_session)
        traveller.shift(timedelta(seconds=2))  # the next step: a new code
        new = code_for(gql, instructor, current_session)
        assert new["token"] != old["token"]
        # the code shown just before the boundary still works
        assert check_in(gql, resident, current_session, old["token"])["errors"] == []


@pytest.mark.parametrize("later, outcome", [(59, []), (61, ["TOKEN_EXPIRED"]),
                                            (600, ["TOKEN_EXPIRED"])])
def test_a_code_expires_after_two_steps(gql, current_session, instructor, resident, enroll,
                                        later, outcome):
    enroll(resident, current_session.run)
    start = timezone.now().replace(microsecond=0)
    start = start - timedelta(seconds=start.second % 30)
    with time_machine.travel(start, tick=False) as traveller:
        code = code_for(gql, instructor, current_session)
        assert code["expiresAt"].startswith((start + timedelta(seconds=60)).strftime("%Y-%m-%dT"))
        traveller.shift(timedelta(seconds=later))
        assert codes(check_in(gql, resident, current_session, code["token"])) == outcome
    assert Attendance.objects.count() == (1 if not outcome else 0)


def test_another_sessions_code_is_invalid(gql, current_session, instructor, resident, enroll):
    enroll(resident, current_session.run)
    other = ClassSessionFactory(run=current_session.run, starts_at=current_session.starts_at,
                                ends_at=current_session.ends_at)
    token = code_for(gql, instructor, other)["token"]
    assert codes(check_in(gql, resident, current_session, token)) == ["TOKEN_INVALID"]
    for forged in ["", "garbage", "123.abc", token.split(".")[0] + ".0000"]:
        assert codes(check_in(gql, resident, current_session, forged)) == ["TOKEN_INVALID"]
    assert not Attendance.objects.exists()


def test_a_future_step_is_invalid(gql, current_session, instructor, resident, enroll):
    enroll(resident, current_session.run)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        token = code_for(gql, instructor, current_session)["token"]
    assert codes(check_in(gql, resident, current_session, token)) == ["TOKEN_INVALID"]


def test_not_enrolled_learners_cannot_check_in(gql, current_session, instructor, resident,
                                               volunteer_user, enroll):
    enroll(volunteer_user, current_session.run, EnrollmentStatus.WAITLISTED)
    token = code_for(gql, instructor, current_session)["token"]
    assert codes(check_in(gql, resident, current_session, token)) == ["NOT_ENROLLED"]
    assert codes(check_in(gql, volunteer_user, current_session, token)) == ["NOT_ENROLLED"]
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("offset, outcome", [
    (timedelta(minutes=-31), ["OUTSIDE_SESSION_WINDOW"]),
    (timedelta(minutes=-29), []),
    (timedelta(hours=1, minutes=59), []),
    (timedelta(hours=2, minutes=1), ["OUTSIDE_SESSION_WINDOW"]),
])
def test_check_in_only_within_the_session_window(gql, run, instructor, resident, enroll,
                                                 offset, outcome):
    # a session of two hours; the window opens 30 minutes before the start
    session = ClassSessionFactory(run=run)
    enroll(resident, run)
    with time_machine.travel(session.starts_at + offset, tick=False):
        token = code_for(gql, instructor, session)["token"]
        assert codes(check_in(gql, resident, session, token)) == outcome


def test_the_instructor_marks_and_corrects_attendance_recording_who(
        gql, current_session, instructor, resident, enroll):
    enroll(resident, current_session.run)
    user_id = to_global_id("User", resident.pk)
    payload = gql(MARK, {"id": sid(current_session), "userId": user_id, "present": True},
                  user=instructor).data["attendanceMark"]
    assert payload["errors"] == []
    assert payload["attendance"]["method"] == "INSTRUCTOR"
    assert payload["attendance"]["markedBy"]["username"] == instructor.username
    payload = gql(MARK, {"id": sid(current_session), "userId": user_id, "present": False},
                  user=instructor).data["attendanceMark"]
    assert payload["attendance"]["present"] is False
    entries = list(AuditLog.objects.filter(action="attendance.mark").order_by("id"))
    assert [e.actor for e in entries] == [instructor, instructor]
    assert entries[1].detail["previous"]["present"] is True
    assert entries[1].detail["present"] is False


def test_marking_someone_not_enrolled_is_not_enrolled(gql, current_session, instructor,
                                                      resident):
    payload = gql(MARK, {"id": sid(current_session), "userId": to_global_id("User", resident.pk),
                         "present": True}, user=instructor).data["attendanceMark"]
    assert codes(payload) == ["NOT_ENROLLED"]


# --- Access matrices ----------------------------------------------------------------------
MATRIX = [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"),
    ("other_instructor", "PERMISSION_DENIED"),
    ("instructor", "ok"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
]


@pytest.fixture
def matrix_users(role_users, instructor, community):
    return {**role_users, "instructor": instructor,
            "other_instructor": user_with_role(Role.INSTRUCTOR, community=community)}


@pytest.mark.parametrize("who, outcome", MATRIX)
def test_session_check_in_code_access_matrix(gql, current_session, matrix_users, who, outcome):
    result = gql(CODE, {"id": sid(current_session)}, user=matrix_users[who])
    if outcome == "ok":
        assert result.data["sessionCheckInCode"]["token"]
    else:
        assert result.data == {"sessionCheckInCode": None}
        assert result.error_codes == [outcome]


@pytest.mark.parametrize("who, outcome", MATRIX)
def test_attendance_mark_access_matrix(gql, current_session, matrix_users, enroll, resident,
                                       who, outcome):
    enroll(resident, current_session.run)
    audit_before = AuditLog.objects.count()
    result = gql(MARK, {"id": sid(current_session), "userId": to_global_id("User", resident.pk),
                        "present": True}, user=matrix_users[who])
    if outcome == "ok":
        assert result.data["attendanceMark"]["errors"] == []
        assert Attendance.objects.get().marked_by == matrix_users[who]
    else:
        assert result.data == {"attendanceMark": None}
        assert result.error_codes == [outcome]
        assert not Attendance.objects.exists()
        assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "NOT_ENROLLED"),
    ("coordinator", "NOT_ENROLLED"),
    ("learner", "ok"),
])
def test_session_check_in_access_matrix(gql, current_session, instructor, role_users, enroll,
                                        community, who, outcome):
    learner = UserFactory(community=community)
    enroll(learner, current_session.run)
    token = code_for(gql, instructor, current_session)["token"]
    users = {**role_users, "learner": learner}
    result = gql(CHECK_IN, {"id": sid(current_session), "token": token}, user=users[who])
    if outcome == "UNAUTHENTICATED":
        assert result.data == {"sessionCheckIn": None}
        assert result.error_codes == [outcome]
        assert not Attendance.objects.exists()
    elif outcome == "ok":
        assert result.data["sessionCheckIn"]["errors"] == []
        assert Attendance.objects.get().enrollment.user == learner
    else:
        assert codes(result.data["sessionCheckIn"]) == [outcome]
        assert not Attendance.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_simultaneous_scans_make_one_attendance(current_session, instructor, resident, enroll):
    enroll(resident, current_session.run)
    token_for(resident)
    token = code_for(gql, instructor, current_session)["token"]
    results = run_concurrently(
        lambda i: gql(CHECK_IN, {"id": sid(current_session), "token": token}, user=resident,
                      client=Client()), 8)
    for result in results:
        assert not isinstance(result, Exception), repr(result)
        assert result.errors is None and result.data["sessionCheckIn"]["errors"] == []
    assert Attendance.objects.count() == 1
    assert AuditLog.objects.filter(action="attendance.mark").count() == 1
