from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from courses import selectors
from courses.models import Audience, CourseRun, EnrollmentStatus
from tests.factories.accounts import CommunityFactory, UserFactory
from tests.factories.courses import (
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    VenueFactory,
)
from tests.helpers.queries import assert_query_count

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roomy_cost_limits")]

COURSES = """
query { courses(first: 100) { edges { node {
  id code title summary audience hours
  lessons { id title order }
  runs(upcoming: true) { id code capacity enrolledCount seatsLeft waitlistCount
    venue { name address community { id name } }
    sessions { id startsAt endsAt }
    myEnrollment { id status waitlistPosition progressPercent attendanceRate } }
} } } }"""
RUNS = """
query R($communityId: ID) { courseRuns(communityId: $communityId, first: 100) {
  edges { node { id code startsAt endsAt capacity enrolledCount seatsLeft waitlistCount
    enrollmentOpensAt enrollmentClosesAt course { id title }
    venue { name address community { id name } }
    sessions { id startsAt endsAt } instructors { id displayName }
    myEnrollment { id status waitlistPosition progressPercent attendanceRate } } } } }"""
MINE = """
query { myEnrollments { id status waitlistPosition progressPercent attendanceRate
  run { id code seatsLeft waitlistCount course { title } venue { name community { name } }
        sessions { id } myEnrollment { id } } } }"""


def _make_runs(n, user, community):
    """n courses, each with 2 lessons and one run with 2 sessions, the user enrolled in it
    (every second one waitlisted)."""
    for i in range(n):
        course = CourseFactory()
        LessonFactory(course=course)
        LessonFactory(course=course)
        run = CourseRunFactory(course=course, venue=VenueFactory(community=community),
                               capacity=1)
        ClassSessionFactory(run=run)
        ClassSessionFactory(run=run)
        other = UserFactory(community=community)
        run.enrollments.create(user=other, status=EnrollmentStatus.ENROLLED)
        status = EnrollmentStatus.WAITLISTED if i % 2 else EnrollmentStatus.ENROLLED
        run.enrollments.create(user=user, status=status, waitlist_seq=1)


@pytest.mark.parametrize("query, name", [(COURSES, "courses"), (RUNS, "courseRuns"),
                                         (MINE, "myEnrollments")],
                         ids=["courses", "courseRuns", "myEnrollments"])
def test_list_queries_cost_the_same_at_1_and_50_rows(gql, query, name, resident, community):
    _make_runs(1, resident, community)
    gql(query, user=resident)  # creates the API token: not part of the count
    with assert_query_count(name) as one:
        gql(query, user=resident)
    _make_runs(49, resident, community)
    result = gql(query, user=resident)
    assert result.errors is None, result.errors
    with assert_query_count(name) as fifty:
        gql(query, user=resident)
    assert len(one) == len(fifty), (len(one), len(fifty))


def test_anonymous_list_queries_are_constant_too(gql, resident, community):
    _make_runs(1, resident, community)
    with assert_query_count("courses.anonymous") as one:
        gql(COURSES)
    _make_runs(20, resident, community)
    with assert_query_count("courses.anonymous") as many:
        gql(COURSES)
    assert len(many) == len(one)
    assert gql(COURSES).data["courses"]["edges"][0]["node"]["runs"][0]["myEnrollment"] is None


def test_my_enrollment_shows_position_progress_and_attendance(gql, run, resident, enroll,
                                                              user_factory):
    CourseRun.objects.filter(pk=run.pk).update(capacity=1)
    run.refresh_from_db()
    enroll(user_factory(), run)
    enroll(user_factory(), run, EnrollmentStatus.WAITLISTED)
    enroll(resident, run, EnrollmentStatus.WAITLISTED)
    data = gql(MINE, user=resident).data["myEnrollments"]
    assert data[0]["status"] == "WAITLISTED" and data[0]["waitlistPosition"] == 2
    assert data[0]["run"]["waitlistCount"] == 2 and data[0]["run"]["seatsLeft"] == 0
    assert data[0]["run"]["myEnrollment"]["id"] == data[0]["id"]


def test_my_enrollments_needs_login(gql):
    result = gql(MINE)
    assert result.error_codes == ["UNAUTHENTICATED"]


def test_courses_filter_by_audience_and_search_and_hide_unpublished(gql, resident, coordinator):
    CourseFactory(code="WX01", title="微信是什么", audience=Audience.ALL)
    CourseFactory(code="WX03", title="如何运营微信", audience=Audience.STAFF)
    CourseFactory(code="XM09", title="草稿课程", published=False)
    query = """query Q($a: Audience, $s: String) { courses(audience: $a, search: $s) {
                 edges { node { code } } } }"""

    def codes(user=None, **variables):
        result = gql(query, variables, user=user)
        assert result.errors is None, result.errors
        return [e["node"]["code"] for e in result.data["courses"]["edges"]]

    assert codes() == ["WX01", "WX03"]
    assert codes(a="STAFF") == ["WX03"]
    assert codes(s="运营") == ["WX03"]
    assert codes(user=coordinator) == ["WX01", "WX03", "XM09"]


def test_course_runs_filters_and_pagination(gql, course, community, other_community):
    here = VenueFactory(community=community)
    there = VenueFactory(community=other_community)
    now = timezone.now()
    soon = CourseRunFactory(course=course, venue=here, starts_at=now + timedelta(days=2))
    later = CourseRunFactory(course=course, venue=there, starts_at=now + timedelta(days=9))
    CourseRunFactory(venue=here, starts_at=now + timedelta(days=3))
    query = """query Q($c: ID, $m: ID, $after: DateTime, $first: Int, $cursor: String) {
      courseRuns(courseId: $c, communityId: $m, startsAfter: $after, first: $first,
                 after: $cursor) {
        edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }"""

    def codes(**variables):
        result = gql(query, variables)
        assert result.errors is None, result.errors
        return [e["node"]["code"] for e in result.data["courseRuns"]["edges"]]

    cid = to_global_id("Course", course.pk)
    assert codes(c=cid) == [soon.code, later.code]
    assert codes(m=to_global_id("Community", other_community.pk)) == [later.code]
    assert codes(c=cid, after=(now + timedelta(days=5)).isoformat()) == [later.code]
    assert codes(c="garbage") == []
    page = gql(query, {"first": 1}).data["courseRuns"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert len(codes(first=2, cursor=page["pageInfo"]["endCursor"])) == 2
    too_many = gql(query, {"first": 101})
    assert too_many.errors and too_many.status == 200


def test_course_runs_upcoming_and_single_lookups(gql, course, venue, community):
    now = timezone.now()
    past = CourseRunFactory(course=course, venue=venue, starts_at=now - timedelta(days=3),
                            enrollment_opens_at=now - timedelta(days=9),
                            enrollment_closes_at=now - timedelta(days=4))
    future = CourseRunFactory(course=course, venue=venue)
    query = """query Q($id: ID!) { course(id: $id) { runs(upcoming: true) { code }
                                                     all: runs { code } } }"""
    data = gql(query, {"id": to_global_id("Course", course.pk)}).data["course"]
    assert data["runs"] == [{"code": future.code}]
    assert [r["code"] for r in data["all"]] == [past.code, future.code]
    one = gql("query Q($id: ID!) { courseRun(id: $id) { code venue { community { name } } } }",
              {"id": to_global_id("CourseRun", future.pk)}).data["courseRun"]
    assert one == {"code": future.code, "venue": {"community": {"name": community.name}}}
    assert gql("{ courseRun(id: \"x\") { code } }").data == {"courseRun": None}


def test_venues_by_community(gql, community, other_community):
    VenueFactory(community=community, name="甲")
    VenueFactory(community=other_community, name="乙")
    query = "query Q($c: ID) { venues(communityId: $c) { name community { name } } }"
    assert len(gql(query).data["venues"]) == 2
    only = gql(query, {"c": to_global_id("Community", community.pk)}).data["venues"]
    assert only == [{"name": "甲", "community": {"name": community.name}}]
    with assert_query_count("venues") as few:
        gql(query)
    for i in range(10):
        VenueFactory(community=CommunityFactory(), name=f"v{i}")
    with assert_query_count("venues") as many:
        gql(query)
    assert len(many) == len(few)


def test_run_lookup_by_code_ignores_case(run, resident):
    assert selectors.run_get_by_code(user=resident, code=f" {run.code.lower()} ") == run
    assert selectors.run_get_by_code(user=resident, code="nope") is None
