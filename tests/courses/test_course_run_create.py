from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core.models import AuditLog
from courses.models import ClassSession, CourseRun
from tests.factories.courses import CourseRunFactory, VenueFactory

pytestmark = pytest.mark.django_db

CREATE = """
mutation C($courseId: ID!, $venueId: ID!, $startsAt: DateTime!, $endsAt: DateTime!,
           $capacity: Int!, $opens: DateTime!, $closes: DateTime!,
           $sessions: [CourseSessionInput!]!, $rule: CourseCompletionRuleInput,
           $instructors: [ID!]) {
  courseRunCreate(courseId: $courseId, venueId: $venueId, startsAt: $startsAt, endsAt: $endsAt,
                  capacity: $capacity, enrollmentOpensAt: $opens, enrollmentClosesAt: $closes,
                  sessions: $sessions, completionRule: $rule, instructorIds: $instructors) {
    run { id code capacity seatsLeft minAttendanceRate requireQuiz sessions { startsAt }
          instructors { id } venue { name } }
    errors { field code message }
  }
}"""


def variables(course, venue, **overrides):
    start = timezone.localtime().replace(year=2026, month=12, day=7, hour=9, minute=30,
                                         second=0, microsecond=0)
    return {
        "courseId": to_global_id("Course", course.pk), "venueId": to_global_id("Venue", venue.pk),
        "startsAt": start.isoformat(), "endsAt": (start + timedelta(days=14, hours=2)).isoformat(),
        "capacity": 20,
        "opens": (start - timedelta(days=20)).isoformat(),
        "closes": (start - timedelta(days=1)).isoformat(),
        "sessions": [{"startsAt": (start + timedelta(days=7 * i)).isoformat(),
                      "endsAt": (start + timedelta(days=7 * i, hours=2)).isoformat()}
                     for i in range(3)],
        "rule": {"minAttendanceRate": 0.75, "requireQuiz": False},
        **overrides,
    }


def create(gql, user, course, venue, **overrides):
    result = gql(CREATE, variables(course, venue, **overrides), user=user)
    return result


def test_a_coordinator_creates_a_run_with_a_code(gql, coordinator, course, venue, instructor):
    result = create(gql, coordinator, course, venue,
                    instructors=[to_global_id("User", instructor.pk)])
    payload = result.data["courseRunCreate"]
    assert payload["errors"] == []
    run = payload["run"]
    assert run["code"] == "WX2612-01"
    assert (run["capacity"], run["seatsLeft"], run["minAttendanceRate"], run["requireQuiz"]) == \
        (20, 20, 0.75, False)
    assert len(run["sessions"]) == 3 and len(run["instructors"]) == 1
    # the next run of the month gets the next number
    again = create(gql, coordinator, course, venue).data["courseRunCreate"]["run"]
    assert again["code"] == "WX2612-02"
    assert AuditLog.objects.filter(action="courserun.create").count() == 2


@pytest.mark.parametrize("override", [
    lambda v: {"endsAt": v["startsAt"]},
    lambda v: {"closes": v["opens"]},
    lambda v: {"closes": v["endsAt"][:4] + "-12-31T00:00:00+08:00"},
    lambda v: {"sessions": [{"startsAt": v["opens"], "endsAt": v["closes"]}]},
    lambda v: {"sessions": [{"startsAt": v["startsAt"], "endsAt": v["startsAt"]}]},
])
def test_bad_windows_are_invalid_window(gql, coordinator, course, venue, override):
    base = variables(course, venue)
    result = gql(CREATE, {**base, **override(base)}, user=coordinator)
    assert [e["code"] for e in result.data["courseRunCreate"]["errors"]] == ["INVALID_WINDOW"]
    assert not CourseRun.objects.exists()


def test_bad_capacity_and_rate_are_invalid(gql, coordinator, course, venue):
    result = create(gql, coordinator, course, venue, capacity=0)
    assert result.data["courseRunCreate"]["errors"][0]["code"] == "INVALID"
    result = create(gql, coordinator, course, venue, rule={"minAttendanceRate": 1.5})
    assert result.data["courseRunCreate"]["errors"][0]["code"] == "INVALID"
    assert not CourseRun.objects.exists()


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("community_staff", "PERMISSION_DENIED"),
    ("instructor", "PERMISSION_DENIED"),
    ("other_coordinator", "OUTSIDE_YOUR_UNIT"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_course_run_create_access_matrix(gql, role_users, instructor, course, venue, who,
                                         outcome):
    users = {**role_users, "instructor": instructor}
    audit_before = AuditLog.objects.count()
    runs_before, sessions_before = CourseRun.objects.count(), ClassSession.objects.count()
    result = create(gql, users[who], course, venue)
    if outcome == "ok":
        assert result.data["courseRunCreate"]["errors"] == []
        assert CourseRun.objects.count() == runs_before + 1
        assert ClassSession.objects.count() == sessions_before + 3
        return
    if outcome in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        assert result.data == {"courseRunCreate": None}
        assert result.error_codes == [outcome]
    else:
        assert [e["code"] for e in result.data["courseRunCreate"]["errors"]] == [outcome]
    assert CourseRun.objects.count() == runs_before
    assert ClassSession.objects.count() == sessions_before
    assert AuditLog.objects.count() == audit_before


def test_other_coordinator_can_create_in_their_own_unit(gql, other_coordinator, course,
                                                        other_community):
    venue = VenueFactory(community=other_community)
    assert create(gql, other_coordinator, course, venue).data["courseRunCreate"]["errors"] == []


def test_codes_continue_after_existing_ones(gql, coordinator, course, venue):
    CourseRunFactory(course=course, venue=venue, code="WX2612-07")
    run = create(gql, coordinator, course, venue).data["courseRunCreate"]["run"]
    assert run["code"] == "WX2612-08"
