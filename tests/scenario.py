"""The scripted scenario whose steps have query pins ("scenario.*" in tests/query_pins.py):
a resident browses courses, enrols, books a tutoring slot; a coordinator matches volunteers
for a doorstep haircut and dispatches it. tests/test_query_scenario.py asserts each step's
pin; the performance gate runs the same `arrange()` and `steps()` with the same documents.

Every step goes through the GraphQL endpoint with `tests.helpers.graphql.gql`, in order,
each caller's API token created in `arrange()` so that no step pays for it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from tests.factories.accounts import CommunityFactory, StreetFactory, user_with_role
from tests.factories.courses import (
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    VenueFactory,
    make_tutor,
    publish_slot,
)
from tests.factories.volunteers import ALL_WEEK, VolunteerFactory, give_skill, set_availability
from tests.helpers.graphql import token_for

COURSES = """
query { courses(first: 100) { edges { node {
  id code title summary audience hours
  lessons { id title order }
  runs(upcoming: true) { id code capacity enrolledCount seatsLeft waitlistCount
    venue { name address community { id name } }
    sessions { id startsAt endsAt }
    myEnrollment { id status waitlistPosition progressPercent attendanceRate } }
} } } }"""
ENROLL = """
mutation E($runId: ID!, $key: String) {
  courseEnroll(runId: $runId, idempotencyKey: $key) {
    enrollment { id status waitlistPosition run { id enrolledCount seatsLeft } }
    errors { field code message }
  }
}"""
BOOK = """
mutation B($slotId: ID!, $note: String, $key: String) {
  tutoringBook(slotId: $slotId, note: $note, idempotencyKey: $key) {
    booking { id status slot { id seatsLeft } }
    errors { field code message }
  }
}"""
MATCHES = """
query M($skill: String!, $c: ID!, $s: DateTime!) {
  volunteerMatches(skill: $skill, startsAt: $s, durationMinutes: 60, communityId: $c,
                   limit: 10) {
    weightsVersion
    candidates { score reasons { code weight detail }
      volunteer { id displayName phoneMasked community { name } serviceHoursTotal } }
    excluded { reason count }
  }
}"""
DISPATCH = """
mutation D($skill: String!, $startsAt: DateTime!, $communityId: ID!, $volunteerId: ID,
           $key: String) {
  dispatchCreate(skill: $skill, startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId, address: "金口一路1号", note: "腿脚不便",
                 volunteerId: $volunteerId, idempotencyKey: $key) {
    serviceRequest { id status offers { id volunteer { id } status expiresAt } }
    errors { field code message }
  }
}"""


@dataclass
class World:
    community: Any
    resident: Any
    coordinator: Any
    run: Any
    slot: Any
    job_start: datetime


@dataclass
class Step:
    name: str  # the pin's name in tests/query_pins.py
    document: str
    variables: dict
    user: Any
    field: str  # the root field whose payload must carry no errors

    def check(self, result) -> Any:
        assert result.errors is None, (self.name, result.errors)
        payload = result.data[self.field]
        if isinstance(payload, dict) and "errors" in payload:
            assert payload["errors"] == [], (self.name, payload["errors"])
        return payload


def arrange(volunteers: int = 5, courses: int = 5) -> World:
    """A street with one community, `courses` published courses with an open run each, a
    tutor with an open slot, and `volunteers` haircut volunteers free all week."""
    street = StreetFactory()
    community = CommunityFactory(street=street)
    resident = user_with_role(Role.RESIDENT, community=community)
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street, community=community)
    venue = VenueFactory(community=community)
    runs = []
    for _ in range(courses):
        course = CourseFactory()
        LessonFactory(course=course)
        run = CourseRunFactory(course=course, venue=venue, capacity=10)
        ClassSessionFactory(run=run)
        runs.append(run)
    slot = publish_slot(make_tutor(community), capacity=2)
    for _ in range(volunteers):
        volunteer = VolunteerFactory(community=community)
        give_skill(volunteer, "haircut")
        set_availability(volunteer, ALL_WEEK)
    for user in (resident, coordinator):
        token_for(user)
    local = timezone.localtime() + timedelta(days=8)
    job_start = local.replace(hour=14, minute=0, second=0, microsecond=0)
    return World(community, resident, coordinator, runs[0], slot, job_start)


def steps(world: World) -> list[Step]:
    community_id = to_global_id("Community", world.community.pk)
    job = {"skill": "haircut", "s": world.job_start.isoformat(), "c": community_id}
    return [
        Step("scenario.courses", COURSES, {}, world.resident, "courses"),
        Step("scenario.courseEnroll", ENROLL,
             {"runId": to_global_id("CourseRun", world.run.pk), "key": "scenario-enrol"},
             world.resident, "courseEnroll"),
        Step("scenario.tutoringBook", BOOK,
             {"slotId": to_global_id("TutoringSlot", world.slot.pk), "note": "想学视频通话",
              "key": "scenario-book"}, world.resident, "tutoringBook"),
        Step("scenario.volunteerMatches", MATCHES, job, world.coordinator, "volunteerMatches"),
        Step("scenario.dispatchCreate", DISPATCH,
             {"skill": "haircut", "startsAt": world.job_start.isoformat(),
              "communityId": community_id, "key": "scenario-dispatch"},
             world.coordinator, "dispatchCreate"),
    ]
