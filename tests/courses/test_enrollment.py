from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.errors import has_code
from backend.core.models import AuditLog
from courses import services
from courses.error_codes import CourseErrorCode
from courses.models import Audience, CourseRun, Enrollment, EnrollmentStatus
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.courses import CourseRunFactory

pytestmark = pytest.mark.django_db

ENROLL = """
mutation E($runId: ID!, $key: String, $userId: ID) {
  courseEnroll(runId: $runId, idempotencyKey: $key, userId: $userId) {
    enrollment { id status waitlistPosition progressPercent attendanceRate
                 run { id code enrolledCount seatsLeft waitlistCount } }
    errors { field code message }
  }
}"""

CANCEL = """
mutation C($id: ID!) {
  enrollmentCancel(enrollmentId: $id) {
    enrollment { id status }
    promoted { id status waitlistPosition }
    errors { field code message }
  }
}"""


def rid(run):
    return to_global_id("CourseRun", run.pk)


def eid(enrollment):
    return to_global_id("Enrollment", enrollment.pk)


def enroll_as(gql, user, run, **variables):
    result = gql(ENROLL, {"runId": rid(run), **variables}, user=user)
    assert result.errors is None, result.errors
    return result.data["courseEnroll"]


def codes(payload):
    return [e["code"] for e in payload["errors"]]


def test_enrolling_takes_a_seat_then_the_waitlist_gives_positions(gql, run):
    # given a run with 5 seats
    learners = UserFactory.create_batch(7)
    # when 7 people enrol
    payloads = [enroll_as(gql, u, run) for u in learners]
    # then 5 are enrolled and 2 waitlisted at positions 1 and 2
    assert [p["enrollment"]["status"] for p in payloads] == ["ENROLLED"] * 5 + ["WAITLISTED"] * 2
    assert [p["enrollment"]["waitlistPosition"] for p in payloads[5:]] == [1, 2]
    last_run = payloads[-1]["enrollment"]["run"]
    assert (last_run["enrolledCount"], last_run["seatsLeft"], last_run["waitlistCount"]) == \
        (5, 0, 2)
    assert all(p["errors"] == [] for p in payloads)


def test_cancelling_an_enrolled_place_promotes_the_first_waitlisted(gql, run):
    learners = UserFactory.create_batch(7)
    payloads = [enroll_as(gql, u, run) for u in learners]
    # when the second enrolled learner cancels
    result = gql(CANCEL, {"id": payloads[1]["enrollment"]["id"]}, user=learners[1])
    payload = result.data["enrollmentCancel"]
    # then learner 6 (waitlist position 1) is enrolled and learner 7 moves up to 1
    assert payload["errors"] == []
    assert payload["enrollment"]["status"] == "CANCELLED"
    assert payload["promoted"]["id"] == payloads[5]["enrollment"]["id"]
    assert payload["promoted"]["status"] == "ENROLLED"
    assert Enrollment.objects.get(user=learners[6]).status == EnrollmentStatus.WAITLISTED
    mine = gql("{ myEnrollments { waitlistPosition } }", user=learners[6])
    assert mine.data["myEnrollments"] == [{"waitlistPosition": 1}]
    run.refresh_from_db()
    assert run.enrolled_count == 5
    assert AuditLog.objects.filter(action="enrollment.promoted").count() == 1


def test_cancelling_a_waitlisted_place_promotes_nobody(gql, run):
    learners = UserFactory.create_batch(6)
    payloads = [enroll_as(gql, u, run) for u in learners]
    payload = gql(CANCEL, {"id": payloads[5]["enrollment"]["id"]},
                  user=learners[5]).data["enrollmentCancel"]
    assert payload["promoted"] is None
    run.refresh_from_db()
    assert run.enrolled_count == 5


def test_cancel_twice_is_already_cancelled_and_reenrolling_reuses_the_row(gql, run, resident):
    first = enroll_as(gql, resident, run)["enrollment"]
    gql(CANCEL, {"id": first["id"]}, user=resident)
    again = gql(CANCEL, {"id": first["id"]}, user=resident).data["enrollmentCancel"]
    assert codes(again) == ["ALREADY_CANCELLED"]
    # when they enrol again
    second = enroll_as(gql, resident, run)["enrollment"]
    # then the same row is back, enrolled; nothing was deleted
    assert second["id"] == first["id"]
    assert second["status"] == "ENROLLED"
    assert Enrollment.objects.filter(user=resident, run=run).count() == 1
    run.refresh_from_db()
    assert run.enrolled_count == 1


def test_enrolling_twice_is_already_enrolled(gql, run, resident):
    enroll_as(gql, resident, run)
    assert codes(enroll_as(gql, resident, run)) == ["ALREADY_ENROLLED"]
    run.refresh_from_db()
    assert run.enrolled_count == 1


@pytest.mark.parametrize("opens, closes", [(1, 5), (-5, -1)])
def test_enrolment_outside_the_window_is_closed(gql, course, venue, resident, opens, closes):
    now = timezone.now()
    run = CourseRunFactory(course=course, venue=venue,
                           enrollment_opens_at=now + timedelta(days=opens),
                           enrollment_closes_at=now + timedelta(days=closes))
    assert codes(enroll_as(gql, resident, run)) == ["ENROLLMENT_CLOSED"]
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("audience, who, allowed", [
    (Audience.STAFF, "resident", False),
    (Audience.STAFF, "volunteer", False),
    (Audience.STAFF, "community_staff", True),
    (Audience.STAFF, "coordinator", True),
    (Audience.RESIDENT, "resident", True),
    (Audience.RESIDENT, "volunteer", True),
    (Audience.RESIDENT, "community_staff", False),
    (Audience.ALL, "resident", True),
    (Audience.ALL, "community_staff", True),
])
def test_audience_is_enforced(gql, run, role_users, audience, who, allowed):
    run.course.audience = audience
    run.course.save()
    payload = enroll_as(gql, role_users[who], run)
    if allowed:
        assert payload["errors"] == [] and payload["enrollment"]["status"] == "ENROLLED"
    else:
        assert codes(payload) == ["NOT_IN_AUDIENCE"]
        assert not Enrollment.objects.exists()


def test_an_instructor_counts_as_staff_audience(gql, run, community):
    run.course.audience = Audience.STAFF
    run.course.save()
    teacher = user_with_role(Role.INSTRUCTOR, community=community)
    assert enroll_as(gql, teacher, run)["errors"] == []


def test_idempotency_key_returns_the_first_answer_and_rejects_other_input(gql, run, course,
                                                                          venue, resident):
    first = enroll_as(gql, resident, run, key="k-1")
    again = enroll_as(gql, resident, run, key="k-1")
    assert again == first
    other_run = CourseRunFactory(course=course, venue=venue)
    assert codes(enroll_as(gql, resident, other_run, key="k-1")) == ["IDEMPOTENCY_KEY_REUSED"]
    assert Enrollment.objects.count() == 1


def test_bad_ids_are_typed_errors(gql, resident):
    payload = gql(ENROLL, {"runId": "bm9wZQ=="}, user=resident).data["courseEnroll"]
    assert codes(payload) == ["NOT_FOUND"]
    payload = gql(ENROLL, {"runId": to_global_id("CourseRun", 999999)},
                  user=resident).data["courseEnroll"]
    assert codes(payload) == ["NOT_FOUND"]


# --- Access matrices ----------------------------------------------------------------------
@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "ok"),
    ("volunteer", "ok"),
    ("community_staff", "ok"),
    ("other_coordinator", "ok"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_course_enroll_access_matrix(gql, run, role_users, who, outcome):
    result = gql(ENROLL, {"runId": rid(run)}, user=role_users[who])
    if outcome == "ok":
        assert result.data["courseEnroll"]["errors"] == []
        assert Enrollment.objects.get().user == role_users[who]
    else:
        assert result.data == {"courseEnroll": None}
        assert result.error_codes == [outcome]
        assert not Enrollment.objects.exists()


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"),
    ("community_staff", "ok"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_enrolling_on_behalf_access_matrix(gql, run, role_users, community, who, outcome):
    elder = UserFactory(community=community, display_name="林奶奶")
    audit_before = AuditLog.objects.count()
    result = gql(ENROLL, {"runId": rid(run), "userId": to_global_id("User", elder.pk)},
                 user=role_users[who])
    if outcome == "ok":
        assert result.data["courseEnroll"]["errors"] == []
        enrollment = Enrollment.objects.get()
        assert (enrollment.user, enrollment.enrolled_by) == (elder, role_users[who])
        entry = AuditLog.objects.get(action="enrollment.create")
        assert entry.actor == role_users[who]
        assert entry.detail["on_behalf"] is True and entry.detail["user_id"] == elder.pk
    else:
        assert result.data == {"courseEnroll": None}
        assert result.error_codes == [outcome]
        assert not Enrollment.objects.exists()
        assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("learner", "ok"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"),
    ("community_staff", "ok"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_enrollment_cancel_access_matrix(gql, run, role_users, enroll, community, who, outcome):
    learner = UserFactory(community=community)
    waiting = UserFactory(community=community)
    CourseRun.objects.filter(pk=run.pk).update(capacity=1)
    run.refresh_from_db()
    enrollment = enroll(learner, run)
    queued = enroll(waiting, run, EnrollmentStatus.WAITLISTED)
    users = {**role_users, "learner": learner}
    result = gql(CANCEL, {"id": eid(enrollment)}, user=users[who])
    enrollment.refresh_from_db()
    queued.refresh_from_db()
    if outcome == "ok":
        assert result.data["enrollmentCancel"]["errors"] == []
        assert enrollment.status == EnrollmentStatus.CANCELLED
        assert queued.status == EnrollmentStatus.ENROLLED
    else:
        assert result.data == {"enrollmentCancel": None}
        assert result.error_codes == [outcome]
        assert enrollment.status == EnrollmentStatus.ENROLLED
        assert queued.status == EnrollmentStatus.WAITLISTED
    run.refresh_from_db()
    assert run.enrolled_count == 1


def test_a_completed_enrolment_cannot_be_cancelled(gql, run, resident, enroll):
    enrollment = enroll(resident, run, EnrollmentStatus.COMPLETED)
    payload = gql(CANCEL, {"id": eid(enrollment)}, user=resident).data["enrollmentCancel"]
    assert codes(payload) == ["ALREADY_COMPLETED"]


# --- The service itself (WeChat commands and pages call it without the mutation) ----------
def test_the_service_answers_a_repeated_key_with_the_first_enrolment(run, resident):
    first = services.enrollment_create(actor=resident, user=resident, run_id=run.pk,
                                       idempotency_key="wechat-1")
    again = services.enrollment_create(actor=resident, user=resident, run_id=run.pk,
                                       idempotency_key="wechat-1")
    assert again.pk == first.pk and again.status == EnrollmentStatus.ENROLLED
    assert AuditLog.objects.filter(action="enrollment.create").count() == 1
    # without a key, the second call is a second request
    with pytest.raises(ValidationError) as refused:
        services.enrollment_create(actor=resident, user=resident, run_id=run.pk)
    assert has_code(refused.value, CourseErrorCode.ALREADY_ENROLLED)


@pytest.mark.parametrize("who, allowed", [("resident", False), ("other_coordinator", False),
                                          ("community_staff", True), ("coordinator", True)])
def test_the_service_decides_who_enrols_someone_else(run, role_users, community, who, allowed):
    elder = UserFactory(community=community)
    actor = role_users[who]
    if allowed:
        enrollment = services.enrollment_create(actor=actor, user=elder, run_id=run.pk)
        assert (enrollment.user, enrollment.enrolled_by) == (elder, actor)
    else:
        with pytest.raises(PermissionDenied):
            services.enrollment_create(actor=actor, user=elder, run_id=run.pk,
                                       idempotency_key="k")
        assert not Enrollment.objects.exists()
        assert not AuditLog.objects.filter(action="enrollment.create").exists()
