"""Roster queries: who sees what, masked phones, and query counts that do not grow."""

import pytest
from graphql_relay import to_global_id

from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import give_credential, give_skill
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count
from volunteers import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roomy_cost_limits")]

VOLUNTEERS = """query V($skill: String, $communityId: ID, $search: String, $first: Int) {
  volunteers(skill: $skill, communityId: $communityId, search: $search, first: $first) {
    totalCount
    edges { node { id displayName phoneMasked phone status community { name }
      skills { skill { code name requiresCredential } level verified }
      credentials { type { code name } validUntil status }
      availability { weekday startTime endTime } serviceHoursTotal } }
  }
}"""

VOLUNTEER = """query V($id: ID!) { volunteer(id: $id) { id displayName phoneMasked phone
  credentials { status } } }"""

MATCHES = """query M($c: ID!, $s: DateTime!, $limit: Int) {
  volunteerMatches(skill: "haircut", startsAt: $s, durationMinutes: 60, communityId: $c,
                   limit: $limit) {
    evaluatedAt weightsVersion
    candidates { score reasons { code weight detail }
      volunteer { id displayName phoneMasked phone community { name }
        skills { skill { code } level } credentials { status } availability { weekday }
        serviceHoursTotal } }
    excluded { reason count }
  }
}"""


def test_skills_are_public_reference_data():
    result = gql("{ skills { code name requiresCredential credentialType { code } } }")
    skills = {s["code"]: s for s in result.data["skills"]}
    assert skills["haircut"]["requiresCredential"] is True
    assert skills["haircut"]["credentialType"]["code"] == "health_certificate"
    assert skills["companionship"]["requiresCredential"] is False
    assert len(skills) == 10


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"), ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "empty"), ("coordinator", "ok"), ("district_admin", "ok"),
])
def test_volunteers_access_matrix(role_users, haircut_volunteer, who, outcome):
    result = gql(VOLUNTEERS, user=role_users[who])
    if outcome in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        assert result.error_codes == [outcome]
        assert result.data == {"volunteers": None} or result.data is None
        return
    edges = result.data["volunteers"]["edges"]
    if outcome == "empty":
        assert edges == []
        return
    node = edges[0]["node"]
    assert node["skills"][0]["skill"]["code"] == "haircut"
    assert node["credentials"][0]["status"] == "VALID"
    assert node["phone"] == haircut_volunteer.user.phone


def test_volunteers_filters(coordinator, community, make_volunteer):
    a = make_volunteer(skill="haircut")
    make_volunteer(skill="plumbing")
    make_volunteer(community_=CommunityFactory(street=community.street), skill="haircut")
    result = gql(VOLUNTEERS, {"skill": "haircut",
                              "communityId": to_global_id("Community", community.pk)},
                 user=coordinator)
    assert [e["node"]["id"] for e in result.data["volunteers"]["edges"]] == [
        to_global_id("Volunteer", a.pk)]
    result = gql(VOLUNTEERS, {"search": a.user.display_name}, user=coordinator)
    assert result.data["volunteers"]["totalCount"] == 1


@pytest.mark.parametrize("who, sees, phone", [
    ("anonymous", None, None), ("resident", False, None), ("community_staff", False, None),
    ("other_coordinator", False, None), ("volunteer", True, True), ("coordinator", True, True),
    ("district_admin", True, True),
])
def test_volunteer_access_and_phone(role_users, haircut_volunteer, who, sees, phone):
    result = gql(VOLUNTEER, {"id": to_global_id("Volunteer", haircut_volunteer.pk)},
                 user=role_users[who])
    if sees is None:
        assert result.error_codes == ["UNAUTHENTICATED"]
        return
    node = result.data["volunteer"]
    if not sees:
        assert node is None
        return
    assert node["phone"] == haircut_volunteer.user.phone
    assert node["phoneMasked"].count("*") == 4


def test_a_resident_never_sees_a_volunteers_phone_even_in_an_offer(
        resident, coordinator, community, haircut_volunteer, job_start):
    request = services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=job_start, duration_minutes=60,
                                       community=community)
    raw = gql("""query Q($id: ID!) { serviceRequest(id: $id) { offers { volunteer {
        phone phoneMasked } } } }""", {"id": to_global_id("ServiceRequest", request.pk)},
              user=resident).raw
    assert haircut_volunteer.user.phone not in str(raw)


def test_my_volunteer_profile(volunteer_user, resident, haircut_volunteer):
    mine = gql("{ myVolunteerProfile { id phone } }", user=volunteer_user).data
    assert mine["myVolunteerProfile"]["id"] == to_global_id("Volunteer", haircut_volunteer.pk)
    assert mine["myVolunteerProfile"]["phone"] == volunteer_user.phone
    assert gql("{ myVolunteerProfile { id } }", user=resident).data == {
        "myVolunteerProfile": None}
    assert gql("{ myVolunteerProfile { id } }").error_codes == ["UNAUTHENTICATED"]


def _roster(make_volunteer, community, n):
    other = CommunityFactory(street=community.street)
    for i in range(n):
        volunteer = make_volunteer(community_=community if i % 2 else other)
        give_skill(volunteer, "wechat_tutoring", 2)
        give_credential(volunteer, "electrician_license")


@pytest.mark.parametrize("query, key", [(VOLUNTEERS, "volunteers"), (MATCHES,
                                                                       "volunteerMatches")])
def test_query_count_does_not_grow_with_the_roster(coordinator, community, make_volunteer,
                                                   job_start, query, key):
    variables = {"first": 100, "c": to_global_id("Community", community.pk),
                 "s": job_start.isoformat(), "limit": 100}
    if key == "volunteers":
        variables = {"first": 100}
    gql(query, variables, user=coordinator)  # warm up: the token is created once
    counts = {}
    for n in (10, 300):
        _roster(make_volunteer, community, n - (10 if n == 300 else 0))
        with assert_query_count(key) as ctx:
            result = gql(query, variables, user=coordinator)
        assert result.errors is None, result.errors
        counts[n] = len(ctx.captured_queries)
    assert counts[10] == counts[300], counts


def test_matches_answer_through_graphql(coordinator, community, make_volunteer, job_start):
    volunteer = make_volunteer(level=2)
    make_volunteer(availability=[])
    result = gql(MATCHES, {"c": to_global_id("Community", community.pk),
                           "s": job_start.isoformat()}, user=coordinator)
    data = result.data["volunteerMatches"]
    assert data["weightsVersion"]
    assert [c["volunteer"]["id"] for c in data["candidates"]] == [
        to_global_id("Volunteer", volunteer.pk)]
    assert {"code": "SAME_COMMUNITY", "weight": 30.0, "detail": "同社区"} in data[
        "candidates"][0]["reasons"]
    assert {"reason": "NOT_AVAILABLE", "count": 1} in data["excluded"]


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"), ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"), ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_volunteer_matches_access_matrix(role_users, community, haircut_volunteer, job_start,
                                         who, outcome):
    result = gql(MATCHES, {"c": to_global_id("Community", community.pk),
                           "s": job_start.isoformat()}, user=role_users[who])
    if outcome == "ok":
        assert len(result.data["volunteerMatches"]["candidates"]) == 1
    else:
        assert result.error_codes == [outcome]


def test_bad_match_input_is_a_client_error(coordinator, community, job_start):
    result = gql(MATCHES.replace('"haircut"', '"nope"'),
                 {"c": to_global_id("Community", community.pk), "s": job_start.isoformat()},
                 user=coordinator)
    assert result.status == 200 and result.error_codes == ["BAD_USER_INPUT"]
