"""Heavy volunteer mutations cost exactly their pinned number of SQL queries
(tests/query_pins.py), measured through the GraphQL endpoint as a client calls them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories.volunteers import commitment
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count
from volunteers.models import CommitmentKind, CommitmentStatus, Offer, ServiceHours

pytestmark = pytest.mark.django_db

DISPATCH = """
mutation D($skill: String!, $startsAt: DateTime!, $communityId: ID!, $key: String) {
  dispatchCreate(skill: $skill, startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId, address: "金口一路1号", note: "腿脚不便",
                 externalRef: "bmzt-1", idempotencyKey: $key) {
    serviceRequest { id status externalRef offers { id volunteer { id } status expiresAt } }
    errors { field code message }
  }
}"""
RESPOND = """
mutation R($offerId: ID!, $accept: Boolean!, $reason: String) {
  offerRespond(offerId: $offerId, accept: $accept, reason: $reason) {
    offer { id status reason }
    serviceRequest { status offers { volunteer { id } status } }
    errors { code }
  }
}"""
LOG = """mutation L($id: ID!, $hours: Float!, $key: String) {
  serviceHoursLog(commitmentId: $id, hours: $hours, note: "理发3人", idempotencyKey: $key) {
    entry { id status hours } errors { code } } }"""


def _ok(result, name):
    assert result.errors is None, result.errors
    assert result.data[name]["errors"] == [], result.data[name]["errors"]
    return result.data[name]


def _dispatch(coordinator, community, start, key):
    return gql(DISPATCH, {"skill": "haircut", "startsAt": start.isoformat(),
                          "communityId": to_global_id("Community", community.pk), "key": key},
               user=coordinator)


def test_dispatch_create_is_pinned_and_does_not_grow_with_the_candidates(
        coordinator, community, make_volunteer, job_start):
    # given one eligible volunteer, then fifty: one offer goes out either way
    make_volunteer()
    gql("{ me { id } }", user=coordinator)  # the API token exists from here on
    with assert_query_count("dispatchCreate") as one:
        payload = _ok(_dispatch(coordinator, community, job_start, "d-1"), "dispatchCreate")
    assert payload["serviceRequest"]["status"] == "OFFERED"
    for _ in range(49):
        make_volunteer()
    with assert_query_count("dispatchCreate") as fifty:
        _ok(_dispatch(coordinator, community, job_start + timedelta(days=1), "d-2"),
            "dispatchCreate")
    assert len(one) == len(fifty)


def test_offer_respond_is_pinned(coordinator, community, haircut_volunteer, volunteer_user,
                                 job_start):
    # given an offer made to the volunteer, who accepts it
    _ok(_dispatch(coordinator, community, job_start, "d-1"), "dispatchCreate")
    offer = Offer.objects.get()
    gql("{ me { id } }", user=volunteer_user)
    with assert_query_count("offerRespond"):
        payload = _ok(gql(RESPOND, {"offerId": to_global_id("Offer", offer.pk), "accept": True},
                          user=volunteer_user), "offerRespond")
    assert payload["offer"]["status"] == "ACCEPTED"


def test_service_hours_log_is_pinned(volunteer_user, haircut_volunteer):
    # given a finished job, the volunteer logs its hours
    start = timezone.now() - timedelta(days=2)
    done = commitment(haircut_volunteer, start, start + timedelta(hours=2),
                      status=CommitmentStatus.COMPLETED, kind=CommitmentKind.DISPATCH)
    gql("{ me { id } }", user=volunteer_user)
    variables = {"id": to_global_id("Commitment", done.pk), "hours": 1.5, "key": "h-1"}
    with assert_query_count("serviceHoursLog"):
        payload = _ok(gql(LOG, variables, user=volunteer_user), "serviceHoursLog")
    assert payload["entry"]["status"] == "PENDING" and ServiceHours.objects.count() == 1
