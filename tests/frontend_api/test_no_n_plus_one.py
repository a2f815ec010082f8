"""No N+1 anywhere in the contract: every list field reachable from the root query through
up to three nested lists (tests/helpers/schema_paths.py, generated from the committed SDL)
costs the same number of SQL queries with 1 and with 50 rows of everything, queried as a
district admin and as a resident (who also volunteers, so the `my*` lists have rows).

The two worlds are built once per session (one on top of the other, rolled back at the
end), every document is run in each, and each path is then a test of its own comparing
the two counts. A new nested field whose resolver queries per row fails here; the
meta-test below plants such a resolver and shows the walk catches it.

A path only proves something if its last list has rows: each must have rows in the 1-row
world for some caller, and more in the 50-row world when it starts from a root list (under
a single root object, `course(id:)`, the rows are the first world's in both). `EMPTY` lists
the few that legitimately have none, with the reason. (Counts are taken by
tests/helpers/queries.py, which does not depend on Django's 9000-entry query log: the walk
runs more statements than that, and the overflowed log once made ~48 paths look cheaper at
50 rows than at 1.)"""

from contextlib import contextmanager
from datetime import timedelta
from typing import NamedTuple

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Community, Role, RoleAssignment
from backend.accounts.services import calendar_token_ensure
from backend.certificates.models import CertificateKind
from courses.models import Enrollment, EnrollmentStatus, LessonProgress
from frontend_api.schema import schema
from tests.factories.accounts import CommunityFactory, StreetFactory, user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import (
    ChoiceFactory,
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    QuestionFactory,
    QuizFactory,
    VenueFactory,
    book,
    make_tutor,
    publish_slot,
)
from tests.factories.volunteers import (
    ALL_WEEK,
    VolunteerFactory,
    commitment,
    give_skill,
    set_availability,
)
from tests.helpers import schema_paths
from tests.helpers.graphql import gql, token_for
from tests.helpers.queries import count_queries
from volunteers.help.models import HelpEvent, HelpEventKind, HelpPhoto
from volunteers.models import HoursStatus, Offer, ServiceHours, ServiceRequest, Skill

pytestmark = pytest.mark.heavy

SMALL, LARGE = 1, 50
ROOMY = {"GRAPHQL_COST_LIMIT_ANONYMOUS": 10**8, "GRAPHQL_COST_LIMIT_SIGNED_IN": 10**8}
# Root fields with required arguments are walked too, given rows of the first world.
ROOT_ARGS = frozenset(schema_paths.root_fields_with_required_args())
PATHS = schema_paths.list_paths(root_args=ROOT_ARGS)


class _People:
    def __init__(self):
        self.street = StreetFactory()
        self.community = CommunityFactory(street=self.street)
        self.admin = user_with_role(Role.DISTRICT_ADMIN, community=self.community)
        self.resident = user_with_role(Role.RESIDENT, community=self.community)
        self.volunteer = VolunteerFactory(user=self.resident, community=self.community)
        give_skill(self.volunteer, "haircut")
        give_skill(self.volunteer, "wechat_tutoring", 2)
        set_availability(self.volunteer, ALL_WEEK)
        for user in (self.admin, self.resident):
            token_for(user)
            # Created on the first read of me.calendarUrl: made here, so no path pays it.
            calendar_token_ensure(user=user)
        self.first: dict = {}  # rows of the first world, the root fields' arguments

    def root_args(self) -> dict[str, str]:
        first = self.first
        starts = (timezone.now() + timedelta(days=20)).isoformat()
        today = timezone.localdate()
        args = {
            "course": f'id: "{to_global_id("Course", first["course"].pk)}"',
            "courseRun": f'id: "{to_global_id("CourseRun", first["run"].pk)}"',
            "volunteer": f'id: "{to_global_id("Volunteer", self.volunteer.pk)}"',
            "serviceRequest": f'id: "{to_global_id("ServiceRequest", first["request"].pk)}"',
            "certificateVerify": f'code: "{first["certificate"].code}"',
            "stats": f'from: "{today - timedelta(days=60)}", to: "{today + timedelta(days=60)}"',
            "volunteerMatches": (f'skill: "haircut", startsAt: "{starts}", durationMinutes: 60, '
                                 f'communityId: "{to_global_id("Community", self.community.pk)}",'
                                 f' limit: 100'),
        }
        assert set(args) == ROOT_ARGS, ROOT_ARGS ^ set(args)
        return args


def _add_rows(people: _People, i: int) -> None:
    """One of everything, linked so that each nested list has rows under every parent."""
    street = StreetFactory()
    community = CommunityFactory(street=street)
    CommunityFactory(street=street)
    venue = VenueFactory(community=community)
    course = CourseFactory()
    LessonFactory(course=course)
    lesson = LessonFactory(course=course)
    quiz = QuizFactory(course=course)
    question = QuestionFactory(quiz=quiz)
    ChoiceFactory(question=question)
    ChoiceFactory(question=question, is_correct=True)
    run = CourseRunFactory(course=course, venue=venue, capacity=5)
    ClassSessionFactory(run=run)
    ClassSessionFactory(run=run, starts_at=run.starts_at + timedelta(days=1),
                        ends_at=run.starts_at + timedelta(days=1, hours=2))
    instructor = user_with_role(Role.INSTRUCTOR, community=community)
    run.instructors.add(instructor)
    enrollment = Enrollment.objects.create(run=run, user=people.resident,
                                           status=EnrollmentStatus.ENROLLED)
    LessonProgress.objects.create(enrollment=enrollment, lesson=lesson,
                                  completed_at=timezone.now())
    certificate = CertificateFactory(holder=people.resident)
    tutor = make_tutor(community)
    # Staggered: PostgreSQL refuses one person two overlapping bookings.
    slot = publish_slot(tutor, timezone.now() + timedelta(days=4, hours=2 * i), capacity=3,
                        venue=venue)
    book(slot, people.resident)
    own_slot = publish_slot(people.volunteer, timezone.now() + timedelta(days=2, hours=i),
                            capacity=2, venue=venue)
    book(own_slot, user_with_role(Role.RESIDENT, community=community))
    other = VolunteerFactory(community=people.community)
    give_skill(other, "haircut")
    set_availability(other, ALL_WEEK)
    CertificateFactory(holder=people.resident, kind=CertificateKind.SERVICE_HOURS,
                       snapshot={"title": "邻里365便民服务队", "hours": 2.0,
                                 "period": "2026年1月1日至2026年3月31日"},
                       issuer_street=people.street)
    starts = timezone.now() + timedelta(days=9, hours=i)
    request = ServiceRequest.objects.create(
        skill=Skill.objects.get(code="haircut"), community=people.community,
        starts_at=starts, ends_at=starts + timedelta(hours=1), created_by=people.admin)
    Offer.objects.create(request=request, volunteer=people.volunteer,
                         expires_at=timezone.now() + timedelta(hours=2))
    served = commitment(people.volunteer, starts + timedelta(days=30),
                        starts + timedelta(days=30, hours=1))
    # Approved hours (stats.hoursByMonth, stats.hoursBySkill).
    ServiceHours.objects.create(commitment=served, volunteer=people.volunteer, hours=1,
                                served_on=served.starts_at, status=HoursStatus.APPROVED)
    # The resident's own help request (myHelpRequests), with a photo and a step.
    help_request = ServiceRequest.objects.create(
        requester=people.resident, skill=Skill.objects.get(code="haircut"),
        community=people.community, starts_at=starts, ends_at=starts + timedelta(hours=1),
        description="想理发，行动不便", address="张州二路123号", visit_code="1234",
        preferred_date=starts.date(), part_of_day="AFTERNOON")
    HelpEvent.objects.create(request=help_request, kind=HelpEventKind.RECEIVED,
                             actor=people.resident)
    HelpPhoto.objects.create(uploader=people.resident, request=help_request)
    # Offered to the resident herself: a requester sees only her own offers (a volunteer
    # never learns who else was asked), and myHelpRequests.offers.* needs rows.
    Offer.objects.create(request=help_request, volunteer=people.volunteer,
                         expires_at=timezone.now() + timedelta(hours=2))
    RoleAssignment.objects.get_or_create(user=people.admin, role=Role.COMMUNITY_STAFF,
                                         community=community)
    RoleAssignment.objects.get_or_create(user=people.admin, role=Role.STREET_COORDINATOR,
                                         street=street)
    if not people.first:
        people.first = {"course": course, "run": run, "request": request,
                        "certificate": certificate}


def _measure(people: _People, paths=PATHS) -> dict:
    counts = {}
    root_args = people.root_args()
    for path in paths:
        document = schema_paths.document(path, root_args=root_args)
        for who, user in (("admin", people.admin), ("resident", people.resident)):
            with count_queries() as ctx:
                result = gql(document, user=user)
            counts[(path.name, who)] = (len(ctx), result.errors is None, result.errors,
                                        _deepest_rows(result.data, path.fields))
    return counts


def _deepest_rows(data, fields) -> int:
    """How many rows the path's last list holds in the response, over all its parents."""
    level = [data] if data else []
    for name in fields:
        found = []
        for value in (row.get(name) for row in level):
            if isinstance(value, dict) and "edges" in value:
                found += [edge["node"] for edge in value["edges"]]
            elif isinstance(value, list):
                found += value
            elif value is not None:
                found.append(value)
        level = found
    return len(level)


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="session")
def two_worlds(django_db_setup, django_db_blocker):
    """{(path, who): World(...)}: the queries and the rows of the path's last list in each
    world, and whether both answered without errors."""
    with django_db_blocker.unblock(), override_settings(**ROOMY), _rolled_back():
        people = _People()
        for i in range(SMALL):
            _add_rows(people, i)
        small = _measure(people)
        for i in range(SMALL, LARGE):
            _add_rows(people, i)
        large = _measure(people)
    return {key: _World(small[key][0], large[key][0], small[key][1] and large[key][1],
                        large[key][2], small[key][3], large[key][3]) for key in small}


class _World(NamedTuple):
    small: int  # queries
    large: int
    ok: bool
    errors: object  # at LARGE
    rows_small: int  # rows of the path's last list, over all its parents
    rows_large: int


# Paths whose last list is empty for both callers in both worlds, and why. Strict: a
# listed path that gets rows fails until it is removed from here.
_ONLY_THE_TUTOR = ("TutoringSlot.bookings is for the tutor, read through myTutoringSlots; "
                   "null on tutoringSlots (resolve_bookings)")
_ONLY_THEMSELF = ("User.roleAssignments is empty for anyone but the user themself: an "
                  "instructor's, read by the admin or the resident")
_DISPATCH_JOB = ("the walked serviceRequest(id:) is a dispatch (no requester): photos and "
                 "timeline are help-request fields, empty on it; myHelpRequests and myOffers "
                 "walk them with rows")
EMPTY: dict[str, str] = {
    "course.runs.instructors.roleAssignments": _ONLY_THEMSELF,
    "course.runs.myEnrollment.run.instructors.roleAssignments": _ONLY_THEMSELF,
    "courseRun.course.runs.instructors.roleAssignments": _ONLY_THEMSELF,
    "courseRun.instructors.roleAssignments": _ONLY_THEMSELF,
    "courseRun.instructors.roleAssignments.community.street.communities": _ONLY_THEMSELF,
    "courseRun.instructors.roleAssignments.street.communities": _ONLY_THEMSELF,
    "courseRuns.instructors.roleAssignments": _ONLY_THEMSELF,
    "courseRuns.myEnrollment.run.instructors.roleAssignments": _ONLY_THEMSELF,
    "myEnrollments.run.instructors.roleAssignments": _ONLY_THEMSELF,
    "serviceRequest.photos": _DISPATCH_JOB,
    "serviceRequest.timeline": _DISPATCH_JOB,
    "tutoringSlots.bookings": _ONLY_THE_TUTOR,
    "tutoringSlots.bookings.slot.venue.community.street.communities": _ONLY_THE_TUTOR,
}
# Paths from a root list whose last list still holds the same rows at 50, and why.
SAME_ROWS: dict[str, str] = {
    "skills": "reference data: the skills of the data migration, the same in both worlds",
}


# Paths that fail today, each to be fixed and removed from here: strict, so a fixed path
# that is still listed fails too, and any path NOT listed (a new nested field) must pass.
KNOWN_FAILING: dict[str, str] = {}


def _params():
    for path in PATHS:
        reason = KNOWN_FAILING.get(path.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(path, id=path.name, marks=marks)


# django_db: pytest-django creates the test database only for the databases its selected
# tests ask for; run alone (-k), the walk must ask too.
@pytest.mark.django_db
@pytest.mark.parametrize("path", list(_params()))
def test_every_list_path_costs_the_same_at_1_and_50_rows(two_worlds, path):
    answered = []
    for who in ("admin", "resident"):
        world = two_worlds[(path.name, who)]
        assert world.small == world.large, (
            f"{path.name} as {who}: {world.small} queries at {SMALL} row(s), {world.large} at "
            f"{LARGE} (N+1). Path: {path.name}. Errors at {LARGE}: {str(world.errors)[:300]}")
        answered.append(world.ok)
    # At least one of the two callers may read the path, so the count means something.
    assert any(answered), (path.name, two_worlds[(path.name, "admin")].errors)
    _assert_rows(path, {who: two_worlds[(path.name, who)] for who in ("admin", "resident")})


def _assert_rows(path, worlds: dict) -> None:
    """The comparison is only worth something if the path's last list has rows: in the
    1-row world for some caller, at least as many in the 50-row world, and more there when
    the path starts from a root list (the worlds add a row of each under every parent)."""
    rows = {who: (w.rows_small, w.rows_large) for who, w in worlds.items()}
    readers = {who: r for who, r in rows.items() if worlds[who].ok and r[0] >= 1}
    if path.name in EMPTY:
        assert not readers, (f"{path.name} has rows now {rows}: remove it from EMPTY")
        return
    assert readers, (f"{path.name}: no rows at its last list for either caller {rows}, so its "
                     f"count proves nothing. Give it rows in _add_rows, or list it in EMPTY "
                     f"with the reason.")
    grows = schema_paths.root_is_list(path) and path.name not in SAME_ROWS
    for who, (small, large) in readers.items():
        assert large > small if grows else large >= small, (
            f"{path.name} as {who}: {small} row(s) at its last list in the {SMALL}-row world, "
            f"{large} in the {LARGE}-row world")


def test_the_walk_covers_the_paths_the_issue_found():
    names = {p.name for p in PATHS}
    assert {"courseRuns.course.lessons", "courseRuns.course.quiz.questions",
            "myEnrollments.run.course.lessons",
            "tutoringSlots.venue.community.street.communities"} <= names


@pytest.mark.django_db
def test_a_planted_n_plus_one_resolver_is_caught(monkeypatch, settings):
    # Venue.community answered by a query per venue, as a careless new resolver would: the
    # same measurement the walk makes must see the count grow with the rows.
    settings.GRAPHQL_COST_LIMIT_SIGNED_IN = 10**8
    venue_type = schema.graphql_schema.get_type("Venue")

    def community_per_row(venue, info):
        return Community.objects.get(pk=venue.community_id)

    monkeypatch.setattr(venue_type.fields["community"], "resolve", community_per_row)
    path = next(p for p in PATHS if p.name == "venues.community.street.communities")
    people = _People()
    _add_rows(people, 0)
    small = _measure(people, [path])[(path.name, "admin")]
    for i in range(1, 4):
        _add_rows(people, i)
    large = _measure(people, [path])[(path.name, "admin")]
    assert small[1] and large[1], large[2]
    # Queries now grow with the venues (the per-row community, and below it the street and
    # its communities no longer prefetched): exactly what the walk's comparison reports.
    assert large[0] > small[0], (small[0], large[0])
