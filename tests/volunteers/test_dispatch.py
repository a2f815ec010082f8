"""Dispatch: offers, answers, expiry, the sweep and escalation, through the GraphQL API."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core.models import AuditLog
from backend.notifications.models import Notification, NotificationKind
from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import commitment
from tests.helpers.graphql import gql
from volunteers import services, tasks
from volunteers.models import (
    Commitment,
    CommitmentStatus,
    Offer,
    OfferStatus,
    ServiceRequest,
    ServiceRequestStatus,
)
from volunteers.services import dispatch as dispatch_services

pytestmark = pytest.mark.django_db

DISPATCH = """
mutation D($skill: String!, $startsAt: DateTime!, $communityId: ID!, $volunteerId: ID,
           $key: String) {
  dispatchCreate(skill: $skill, startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId, address: "金口一路1号", note: "腿脚不便",
                 externalRef: "bmzt-1", volunteerId: $volunteerId, idempotencyKey: $key) {
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


def dispatch_vars(community, start, **extra):
    return {"skill": "haircut", "startsAt": start.isoformat(),
            "communityId": to_global_id("Community", community.pk), **extra}


def gid(kind, pk):
    return to_global_id(kind, pk)


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_dispatch_create_access_matrix(role_users, community, make_volunteer, job_start, who,
                                       outcome):
    volunteer = make_volunteer()
    result = gql(DISPATCH, dispatch_vars(community, job_start), user=role_users[who])
    if outcome == "ok":
        payload = result.data["dispatchCreate"]
        assert payload["errors"] == []
        request = payload["serviceRequest"]
        assert request["status"] == "OFFERED"
        assert request["externalRef"] == "bmzt-1"
        assert [o["volunteer"]["id"] for o in request["offers"]] == [gid("Volunteer",
                                                                         volunteer.pk)]
        assert Commitment.objects.get(volunteer=volunteer).status == CommitmentStatus.TENTATIVE
        return
    assert result.data == {"dispatchCreate": None}
    assert result.error_codes == [outcome]
    assert not ServiceRequest.objects.exists()
    assert not Commitment.objects.exists()


def test_a_service_account_can_dispatch_anywhere(community, make_volunteer, job_start,
                                                 user_factory):
    account = user_factory(username="bianmin-intake")
    account.user_permissions.add(Permission.objects.get(codename="dispatch_any"))
    make_volunteer()
    result = gql(DISPATCH, dispatch_vars(community, job_start), user=account)
    assert result.data["dispatchCreate"]["serviceRequest"]["status"] == "OFFERED"


def test_other_street_coordinator_cannot_dispatch_or_match_this_street(
        other_coordinator, community, make_volunteer, job_start):
    make_volunteer()
    result = gql("""query M($c: ID!, $s: DateTime!) { volunteerMatches(skill: "haircut",
        startsAt: $s, durationMinutes: 60, communityId: $c) { candidates { score } } }""",
                 {"c": gid("Community", community.pk), "s": job_start.isoformat()},
                 user=other_coordinator)
    assert result.error_codes == ["PERMISSION_DENIED"]


def test_no_candidate_escalates_and_says_so(coordinator, community, job_start):
    result = gql(DISPATCH, dispatch_vars(community, job_start), user=coordinator)
    payload = result.data["dispatchCreate"]
    assert [e["code"] for e in payload["errors"]] == ["NO_CANDIDATE"]
    assert payload["serviceRequest"]["status"] == "ESCALATED"
    assert ServiceRequest.objects.get().status == ServiceRequestStatus.ESCALATED


def test_a_named_volunteer_is_offered_if_eligible(coordinator, community, make_volunteer,
                                                  job_start):
    make_volunteer(level=3)
    named = make_volunteer(level=1)
    result = gql(DISPATCH, dispatch_vars(community, job_start,
                                         volunteerId=gid("Volunteer", named.pk)),
                 user=coordinator)
    offers = result.data["dispatchCreate"]["serviceRequest"]["offers"]
    assert [o["volunteer"]["id"] for o in offers] == [gid("Volunteer", named.pk)]


def test_a_named_volunteer_who_is_busy_is_unavailable_and_nothing_is_created(
        coordinator, community, make_volunteer, job_start):
    named = make_volunteer()
    commitment(named, job_start, job_start + timedelta(hours=1))
    result = gql(DISPATCH, dispatch_vars(community, job_start,
                                         volunteerId=gid("Volunteer", named.pk)),
                 user=coordinator)
    assert [e["code"] for e in result.data["dispatchCreate"]["errors"]] == [
        "VOLUNTEER_UNAVAILABLE"]
    assert not ServiceRequest.objects.exists()


def test_idempotency_key_returns_the_first_request(coordinator, community, make_volunteer,
                                                   job_start):
    make_volunteer()
    make_volunteer()
    first = gql(DISPATCH, dispatch_vars(community, job_start, key="k1"), user=coordinator)
    again = gql(DISPATCH, dispatch_vars(community, job_start, key="k1"), user=coordinator)
    assert (first.data["dispatchCreate"]["serviceRequest"]["id"]
            == again.data["dispatchCreate"]["serviceRequest"]["id"])
    assert ServiceRequest.objects.count() == 1
    other = gql(DISPATCH, dispatch_vars(community, job_start + timedelta(hours=1), key="k1"),
                user=coordinator)
    assert [e["code"] for e in other.data["dispatchCreate"]["errors"]] == [
        "IDEMPOTENCY_KEY_REUSED"]


def _dispatch(coordinator, community, start):
    return services.dispatch_create(actor=coordinator, skill_code="haircut", starts_at=start,
                                    duration_minutes=60, community=community)


def test_accept_makes_the_commitment_firm(coordinator, community, haircut_volunteer,
                                          volunteer_user, job_start):
    request = _dispatch(coordinator, community, job_start)
    offer = request.offers.get()
    result = gql(RESPOND, {"offerId": gid("Offer", offer.pk), "accept": True},
                 user=volunteer_user)
    payload = result.data["offerRespond"]
    assert payload["errors"] == []
    assert payload["offer"]["status"] == "ACCEPTED"
    assert payload["serviceRequest"]["status"] == "ACCEPTED"
    assert Commitment.objects.get(volunteer=haircut_volunteer).status == CommitmentStatus.CONFIRMED
    again = gql(RESPOND, {"offerId": gid("Offer", offer.pk), "accept": False},
                user=volunteer_user)
    assert [e["code"] for e in again.data["offerRespond"]["errors"]] == ["ALREADY_ANSWERED"]


@pytest.mark.parametrize("who", ["anonymous", "resident", "coordinator", "other_coordinator",
                                 "district_admin"])
def test_only_the_offered_volunteer_may_respond(role_users, coordinator, community,
                                                haircut_volunteer, job_start, who):
    request = _dispatch(coordinator, community, job_start)
    offer = request.offers.get()
    result = gql(RESPOND, {"offerId": gid("Offer", offer.pk), "accept": True},
                 user=role_users[who])
    assert result.data == {"offerRespond": None}
    assert result.error_codes == ["UNAUTHENTICATED" if who == "anonymous"
                                  else "PERMISSION_DENIED"]
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED


def test_decline_moves_to_the_next_candidate_then_escalates(
        coordinator, community, make_volunteer, job_start):
    first = make_volunteer(level=3)
    second = make_volunteer(level=1)
    request = _dispatch(coordinator, community, job_start)
    offer = request.offers.get()
    assert offer.volunteer == first
    gql(RESPOND, {"offerId": gid("Offer", offer.pk), "accept": False, "reason": "生病"},
        user=first.user)
    offer.refresh_from_db()
    assert (offer.status, offer.reason) == (OfferStatus.DECLINED, "生病")
    assert offer.commitment.status == CommitmentStatus.CANCELLED
    live = request.offers.get(status=OfferStatus.OFFERED)
    assert live.volunteer == second
    gql(RESPOND, {"offerId": gid("Offer", live.pk), "accept": False}, user=second.user)
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.ESCALATED
    assert not Commitment.objects.filter(status__in=["TENTATIVE", "CONFIRMED"]).exists()


def test_expiry_moves_to_the_next_candidate(coordinator, community, make_volunteer, job_start,
                                            settings):
    settings.VOLUNTEER_OFFER_TTL_MINUTES = 20
    first = make_volunteer(level=3)
    second = make_volunteer(level=2)
    request = _dispatch(coordinator, community, job_start)
    offer = request.offers.get()
    # The countdown task already ran eagerly, early: it must not have expired anything.
    assert offer.status == OfferStatus.OFFERED and offer.volunteer == first
    with time_machine.travel(timezone.now() + timedelta(minutes=21)):
        tasks.offer_expire_task(offer.pk)
        tasks.offer_expire_task(offer.pk)  # a second run changes nothing
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert request.offers.get(status=OfferStatus.OFFERED).volunteer == second
    late = gql(RESPOND, {"offerId": gid("Offer", offer.pk), "accept": True}, user=first.user)
    assert [e["code"] for e in late.data["offerRespond"]["errors"]] == ["OFFER_EXPIRED"]


def test_the_sweep_recovers_a_request_whose_expiry_task_was_lost(
        coordinator, community, make_volunteer, job_start, monkeypatch):
    # the task is lost
    monkeypatch.setattr(dispatch_services, "_schedule_expiry", lambda offer: None)
    make_volunteer(level=3)
    second = make_volunteer(level=1)
    request = _dispatch(coordinator, community, job_start)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert tasks.offers_sweep_task() == 1
    assert request.offers.get(status=OfferStatus.OFFERED).volunteer == second
    assert tasks.offers_sweep_task() == 0


def test_a_late_answer_to_an_overdue_offer_is_refused(coordinator, community,
                                                      haircut_volunteer, volunteer_user,
                                                      job_start, monkeypatch):
    monkeypatch.setattr(dispatch_services, "_schedule_expiry", lambda offer: None)
    offer = _dispatch(coordinator, community, job_start).offers.get()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        result = gql(RESPOND, {"offerId": gid("Offer", offer.pk), "accept": True},
                     user=volunteer_user)
    assert [e["code"] for e in result.data["offerRespond"]["errors"]] == ["OFFER_EXPIRED"]


SERVICE_REQUEST = """query Q($id: ID!) { serviceRequest(id: $id) {
  status offers { status volunteer { displayName phoneMasked phone } } } }"""


@pytest.mark.parametrize("who, visible", [
    ("anonymous", None), ("resident", False), ("other_coordinator", False),
    ("volunteer", True), ("coordinator", True), ("district_admin", True),
])
def test_service_request_visibility(role_users, coordinator, community, haircut_volunteer,
                                    job_start, who, visible):
    request = _dispatch(coordinator, community, job_start)
    result = gql(SERVICE_REQUEST, {"id": gid("ServiceRequest", request.pk)},
                 user=role_users[who])
    if visible is None:
        assert result.error_codes == ["UNAUTHENTICATED"]
    elif not visible:
        assert result.data == {"serviceRequest": None}
    else:
        offer = result.data["serviceRequest"]["offers"][0]
        assert offer["volunteer"]["phone"] == haircut_volunteer.user.phone
        assert "****" in offer["volunteer"]["phoneMasked"]


def test_dispatch_is_audit_logged(coordinator, community, haircut_volunteer, job_start):
    _dispatch(coordinator, community, job_start)
    assert AuditLog.objects.filter(action="dispatch.create", actor=coordinator).count() == 1


def test_a_coordinator_only_reaches_their_streets_volunteers(
        coordinator, community, make_volunteer, job_start):
    elsewhere = make_volunteer(community_=CommunityFactory(), level=3)
    request = _dispatch(coordinator, community, job_start)
    assert request.status == ServiceRequestStatus.ESCALATED
    assert not Offer.objects.filter(volunteer=elsewhere).exists()


def test_an_expired_offer_tells_the_volunteer_once(coordinator, community, make_volunteer,
                                                   job_start, settings):
    settings.VOLUNTEER_OFFER_TTL_MINUTES = 20
    first = make_volunteer(level=3)
    make_volunteer(level=2)
    offer = _dispatch(coordinator, community, job_start).offers.get()
    with time_machine.travel(timezone.now() + timedelta(minutes=21)):
        tasks.offer_expire_task(offer.pk)
        tasks.offer_expire_task(offer.pk)
    expired = Notification.objects.get(kind=NotificationKind.JOB_OFFER_EXPIRED)
    assert expired.user == first.user and expired.dedup_key == f"offer:{offer.pk}:expired"
