"""A coordinator's actions on doorstep jobs and shifts (Linli issue 12, items 4–5):
complete, cancel, re-offer, offer to a named volunteer, escalate, offer expiry per dispatch,
cancelling a sign-up or a whole shift — state rules, one notification per event, and
another street's coordinator refused with nothing changed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core.errors import has_code
from backend.core.models import AuditLog
from backend.notifications.models import Notification, NotificationKind
from tests.helpers.graphql import gql
from volunteers import services
from volunteers.models import (
    Commitment,
    CommitmentStatus,
    Event,
    Offer,
    OfferStatus,
    ServiceRequest,
    ServiceRequestStatus,
    Shift,
    ShiftSignUp,
    SignUpStatus,
)

pytestmark = pytest.mark.django_db
S = ServiceRequestStatus


def _dispatch(coordinator, community, start, **kwargs):
    return services.dispatch_create(actor=coordinator, skill_code="haircut", starts_at=start,
                                    duration_minutes=60, community=community, **kwargs)


def _live(request):
    return Offer.objects.get(request=request, status__in=[OfferStatus.OFFERED,
                                                          OfferStatus.ACCEPTED])


def _notes(user, kind):
    return Notification.objects.filter(user=user, kind=kind).count()


@pytest.fixture
def two_volunteers(make_volunteer):
    return make_volunteer(level=3), make_volunteer(level=1)


@pytest.fixture
def accepted(coordinator, community, job_start, two_volunteers):
    request = _dispatch(coordinator, community, job_start)
    offer = _live(request)
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
    request.refresh_from_db()
    assert request.status == S.ACCEPTED
    return request


def test_complete_completes_the_commitment_and_asks_for_hours_once(coordinator, accepted):
    offer = _live(accepted)
    services.service_request_complete(actor=coordinator, service_request=accepted)
    accepted.refresh_from_db()
    assert accepted.status == S.COMPLETED
    assert Commitment.objects.get(pk=offer.commitment_id).status == CommitmentStatus.COMPLETED
    note = Notification.objects.get(user=offer.volunteer.user, kind=NotificationKind.JOB_COMPLETED)
    assert "/volunteer/hours/" in note.url and "登记" in note.title
    with pytest.raises(ValidationError) as exc:
        services.service_request_complete(actor=coordinator, service_request=accepted)
    assert has_code(exc.value, "INVALID_STATE")
    assert _notes(offer.volunteer.user, NotificationKind.JOB_COMPLETED) == 1
    assert AuditLog.objects.filter(action="dispatch.complete").count() == 1


def test_complete_needs_an_accepted_job(coordinator, community, job_start, two_volunteers):
    request = _dispatch(coordinator, community, job_start)
    with pytest.raises(ValidationError) as exc:
        services.service_request_complete(actor=coordinator, service_request=request)
    assert has_code(exc.value, "INVALID_STATE")
    assert ServiceRequest.objects.get(pk=request.pk).status == S.OFFERED


def test_cancel_withdraws_the_offer_frees_her_time_and_tells_her_once(
        coordinator, community, job_start, two_volunteers):
    request = _dispatch(coordinator, community, job_start)
    offer = _live(request)
    services.service_request_cancel(actor=coordinator, service_request=request,
                                    reason="居民已自行解决")
    request.refresh_from_db()
    offer.refresh_from_db()
    assert request.status == S.CANCELLED
    assert offer.status == OfferStatus.WITHDRAWN
    assert Commitment.objects.get(pk=offer.commitment_id).status == CommitmentStatus.CANCELLED
    note = Notification.objects.get(user=offer.volunteer.user,
                                    kind=NotificationKind.JOB_OFFER_WITHDRAWN)
    assert "居民已自行解决" in note.body
    with pytest.raises(ValidationError) as exc:
        services.service_request_cancel(actor=coordinator, service_request=request)
    assert has_code(exc.value, "INVALID_STATE")
    assert _notes(offer.volunteer.user, NotificationKind.JOB_OFFER_WITHDRAWN) == 1


def test_cancel_an_accepted_job_tells_the_volunteer(coordinator, accepted):
    offer = _live(accepted)
    services.service_request_cancel(actor=coordinator, service_request=accepted, reason="")
    assert _notes(offer.volunteer.user, NotificationKind.JOB_OFFER_WITHDRAWN) == 1
    assert Commitment.objects.get(pk=offer.commitment_id).status == CommitmentStatus.CANCELLED


def test_reoffer_moves_to_the_next_candidate_then_escalates(
        coordinator, community, job_start, two_volunteers):
    best, second = two_volunteers
    request = _dispatch(coordinator, community, job_start)
    assert _live(request).volunteer == best
    services.service_request_reoffer(actor=coordinator, service_request=request)
    assert _live(request).volunteer == second
    assert Offer.objects.get(request=request, volunteer=best).status == OfferStatus.WITHDRAWN
    assert _notes(best.user, NotificationKind.JOB_OFFER_WITHDRAWN) == 1
    assert _notes(second.user, NotificationKind.JOB_OFFERED) == 1
    services.service_request_reoffer(actor=coordinator, service_request=request)
    request.refresh_from_db()
    assert request.status == S.ESCALATED
    assert not Offer.objects.filter(request=request, status=OfferStatus.OFFERED).exists()


def test_offer_to_a_named_volunteer(coordinator, community, job_start, two_volunteers,
                                    make_volunteer):
    best, second = two_volunteers
    request = _dispatch(coordinator, community, job_start)
    services.service_request_offer_to(actor=coordinator, service_request=request,
                                      volunteer=second)
    assert _live(request).volunteer == second
    assert Offer.objects.get(request=request, volunteer=best).status == OfferStatus.WITHDRAWN
    # Asked before: refused, nothing changes.
    with pytest.raises(ValidationError) as exc:
        services.service_request_offer_to(actor=coordinator, service_request=request,
                                          volunteer=best)
    assert has_code(exc.value, "VOLUNTEER_UNAVAILABLE")
    # Not eligible (no haircut skill): refused, the live offer stays.
    plumber = make_volunteer(skill="plumbing")
    with pytest.raises(ValidationError) as exc:
        services.service_request_offer_to(actor=coordinator, service_request=request,
                                          volunteer=plumber)
    assert has_code(exc.value, "VOLUNTEER_UNAVAILABLE")
    assert _live(request).volunteer == second
    assert _notes(second.user, NotificationKind.JOB_OFFER_WITHDRAWN) == 0


def test_escalate_takes_the_job_over(coordinator, community, job_start, two_volunteers):
    request = _dispatch(coordinator, community, job_start)
    offer = _live(request)
    services.service_request_escalate(actor=coordinator, service_request=request)
    request.refresh_from_db()
    assert request.status == S.ESCALATED
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    with pytest.raises(ValidationError) as exc:
        services.service_request_escalate(actor=coordinator, service_request=request)
    assert has_code(exc.value, "INVALID_STATE")


@pytest.mark.parametrize("action", ["complete", "cancel", "reoffer", "escalate", "offer_to"])
def test_another_streets_coordinator_is_refused_and_nothing_changes(
        other_coordinator, coordinator, accepted, two_volunteers, action):
    offer = _live(accepted)
    before = (Notification.objects.count(), AuditLog.objects.count())
    kwargs = {"actor": other_coordinator, "service_request": accepted}
    if action == "offer_to":
        kwargs["volunteer"] = two_volunteers[1]
    elif action in ("cancel", "reoffer", "escalate"):
        kwargs["reason"] = "x"
    with pytest.raises(PermissionDenied):
        getattr(services, f"service_request_{action}")(**kwargs)
    accepted.refresh_from_db()
    offer.refresh_from_db()
    assert accepted.status == S.ACCEPTED and offer.status == OfferStatus.ACCEPTED
    assert (Notification.objects.count(), AuditLog.objects.count()) == before


def test_offer_expires_in_minutes(coordinator, community, job_start, two_volunteers):
    before = timezone.now()
    request = _dispatch(coordinator, community, job_start, offer_expires_in_minutes=120)
    offer = _live(request)
    assert timedelta(minutes=119) < offer.expires_at - before < timedelta(minutes=121)
    note = Notification.objects.get(user=offer.volunteer.user, kind=NotificationKind.JOB_OFFERED)
    assert "120分钟" in note.body
    for bad in (0, 1441):
        with pytest.raises(ValidationError) as exc:
            _dispatch(coordinator, community, job_start, offer_expires_in_minutes=bad)
        assert has_code(exc.value, "INVALID")


# --- Shifts ----------------------------------------------------------------------------------
@pytest.fixture
def shift(community):
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(title="重阳节服务日", community=community, starts_at=start,
                                 ends_at=start + timedelta(hours=4))
    return Shift.objects.create(event=event, title="上午班", starts_at=start,
                                ends_at=start + timedelta(hours=2), capacity=3)


def test_volunteer_cancels_her_own_sign_up(shift, make_volunteer):
    volunteer = make_volunteer()
    signup = services.shift_sign_up(actor=volunteer.user, shift=shift)
    services.shift_sign_up_cancel(actor=volunteer.user, sign_up=signup)
    signup.refresh_from_db()
    shift.refresh_from_db()
    assert signup.status == SignUpStatus.CANCELLED and shift.taken == 0
    assert Commitment.objects.get(pk=signup.commitment_id).status == CommitmentStatus.CANCELLED
    assert _notes(volunteer.user, NotificationKind.SHIFT_CANCELLED) == 0  # she did it herself
    with pytest.raises(ValidationError) as exc:
        services.shift_sign_up_cancel(actor=volunteer.user, sign_up=signup)
    assert has_code(exc.value, "ALREADY_CANCELLED")
    shift.refresh_from_db()
    assert shift.taken == 0


def test_coordinator_cancels_a_sign_up_and_she_is_told(coordinator, other_coordinator, shift,
                                                       make_volunteer):
    volunteer = make_volunteer()
    signup = services.shift_sign_up(actor=volunteer.user, shift=shift)
    with pytest.raises(PermissionDenied):
        services.shift_sign_up_cancel(actor=other_coordinator, sign_up=signup)
    assert ShiftSignUp.objects.get(pk=signup.pk).status == SignUpStatus.SIGNED_UP
    services.shift_sign_up_cancel(actor=coordinator, sign_up=signup, reason="人数调整")
    note = Notification.objects.get(user=volunteer.user, kind=NotificationKind.SHIFT_CANCELLED)
    assert "人数调整" in note.body


def test_cancel_a_whole_shift_tells_each_volunteer_once(coordinator, other_coordinator, shift,
                                                        make_volunteer):
    volunteers = [make_volunteer(), make_volunteer()]
    for volunteer in volunteers:
        services.shift_sign_up(actor=volunteer.user, shift=shift)
    with pytest.raises(PermissionDenied):
        services.shift_cancel(actor=other_coordinator, shift=shift, reason="下雨")
    assert Shift.objects.get(pk=shift.pk).cancelled_at is None
    services.shift_cancel(actor=coordinator, shift=shift, reason="下雨")
    shift.refresh_from_db()
    assert shift.cancelled_at is not None and shift.taken == 0
    assert not ShiftSignUp.objects.filter(shift=shift, status=SignUpStatus.SIGNED_UP).exists()
    for volunteer in volunteers:
        assert _notes(volunteer.user, NotificationKind.SHIFT_CANCELLED) == 1
    with pytest.raises(ValidationError) as exc:
        services.shift_cancel(actor=coordinator, shift=shift)
    assert has_code(exc.value, "ALREADY_CANCELLED")
    late = make_volunteer()
    with pytest.raises(ValidationError) as exc:
        services.shift_sign_up(actor=late.user, shift=shift)
    assert has_code(exc.value, "SIGNUP_CLOSED")
    assert sum(_notes(v.user, NotificationKind.SHIFT_CANCELLED) for v in volunteers) == 2


# --- GraphQL -----------------------------------------------------------------------------------
def _gid(kind, pk):
    return to_global_id(kind, pk)


REQUEST_ACTION = """
mutation A($id: ID!, $reason: String) {
  serviceRequestCancel(serviceRequestId: $id, reason: $reason) {
    serviceRequest { id status offers { status } } errors { code field message } }
}"""
COMPLETE = """
mutation C($id: ID!) {
  serviceRequestComplete(serviceRequestId: $id) {
    serviceRequest { status } errors { code } }
}"""
REOFFER = """
mutation R($id: ID!) { serviceRequestReoffer(serviceRequestId: $id) {
  serviceRequest { status offers { status volunteer { id } } } errors { code } } }"""
OFFER_TO = """
mutation O($id: ID!, $v: ID!) { serviceRequestOfferTo(serviceRequestId: $id, volunteerId: $v) {
  serviceRequest { status offers { status volunteer { id } } } errors { code } } }"""
ESCALATE = """
mutation E($id: ID!) { serviceRequestEscalate(serviceRequestId: $id, reason: "我来安排") {
  serviceRequest { status } errors { code } } }"""
SIGNUP_CANCEL = """
mutation S($id: ID!) { shiftSignUpCancel(signUpId: $id, reason: "临时有事") {
  signUp { id status } errors { code } } }"""
SHIFT_CANCEL = """
mutation X($id: ID!) { shiftCancel(shiftId: $id, reason: "下雨") {
  shift { id seatsLeft } errors { code } } }"""
DISPATCH = """
mutation D($start: DateTime!, $c: ID!, $m: Int) {
  dispatchCreate(skill: "haircut", startsAt: $start, durationMinutes: 60, communityId: $c,
                 offerExpiresInMinutes: $m) {
    serviceRequest { status offers { expiresAt } } errors { code field } } }"""


def test_mutations_complete_and_cancel(coordinator, other_coordinator, accepted):
    gid = _gid("ServiceRequest", accepted.pk)
    refused = gql(COMPLETE, {"id": gid}, user=other_coordinator)
    assert refused.error_codes == ["PERMISSION_DENIED"]
    assert ServiceRequest.objects.get(pk=accepted.pk).status == S.ACCEPTED
    done = gql(COMPLETE, {"id": gid}, user=coordinator).data["serviceRequestComplete"]
    assert done == {"serviceRequest": {"status": "COMPLETED"}, "errors": []}
    again = gql(REQUEST_ACTION, {"id": gid, "reason": "x"}, user=coordinator).data
    assert again["serviceRequestCancel"]["serviceRequest"] is None
    assert [e["code"] for e in again["serviceRequestCancel"]["errors"]] == ["INVALID_STATE"]


def test_mutations_cancel_reoffer_offer_to_escalate(coordinator, community, job_start,
                                                    two_volunteers, make_volunteer):
    best, _second = two_volunteers
    request = _dispatch(coordinator, community, job_start)
    gid = _gid("ServiceRequest", request.pk)
    payload = gql(REOFFER, {"id": gid}, user=coordinator).data["serviceRequestReoffer"]
    assert payload["errors"] == []
    assert [o["status"] for o in payload["serviceRequest"]["offers"]] == ["WITHDRAWN", "OFFERED"]
    payload = gql(OFFER_TO, {"id": gid, "v": _gid("Volunteer", best.pk)},
                  user=coordinator).data["serviceRequestOfferTo"]
    assert [e["code"] for e in payload["errors"]] == ["VOLUNTEER_UNAVAILABLE"]
    third = make_volunteer()
    payload = gql(OFFER_TO, {"id": gid, "v": _gid("Volunteer", third.pk)},
                  user=coordinator).data["serviceRequestOfferTo"]
    assert payload["errors"] == [] and payload["serviceRequest"]["offers"][-1] == {
        "status": "OFFERED", "volunteer": {"id": _gid("Volunteer", third.pk)}}
    payload = gql(ESCALATE, {"id": gid}, user=coordinator).data["serviceRequestEscalate"]
    assert payload == {"serviceRequest": {"status": "ESCALATED"}, "errors": []}
    payload = gql(REQUEST_ACTION, {"id": gid, "reason": "不需要了"},
                  user=coordinator).data["serviceRequestCancel"]
    assert payload["errors"] == [] and payload["serviceRequest"]["status"] == "CANCELLED"


def test_mutation_dispatch_with_offer_expiry(coordinator, community, job_start, two_volunteers):
    variables = {"start": job_start.isoformat(), "c": _gid("Community", community.pk), "m": 5}
    payload = gql(DISPATCH, variables, user=coordinator).data["dispatchCreate"]
    assert payload["errors"] == [] and payload["serviceRequest"]["status"] == "OFFERED"
    bad = gql(DISPATCH, {**variables, "m": 0}, user=coordinator).data["dispatchCreate"]
    assert bad["errors"] == [{"code": "INVALID", "field": "offerExpiresInMinutes"}]


def test_mutations_shift_sign_up_cancel_and_shift_cancel(coordinator, volunteer_user, shift,
                                                         make_volunteer, resident):
    volunteer = make_volunteer(user=volunteer_user)
    signup = services.shift_sign_up(actor=volunteer.user, shift=shift)
    gid = _gid("ShiftSignUp", signup.pk)
    assert gql(SIGNUP_CANCEL, {"id": gid}, user=resident).error_codes == ["PERMISSION_DENIED"]
    payload = gql(SIGNUP_CANCEL, {"id": gid}, user=volunteer_user).data["shiftSignUpCancel"]
    assert payload == {"signUp": {"id": gid, "status": "CANCELLED"}, "errors": []}
    payload = gql(SIGNUP_CANCEL, {"id": gid}, user=volunteer_user).data["shiftSignUpCancel"]
    assert [e["code"] for e in payload["errors"]] == ["ALREADY_CANCELLED"]
    other = make_volunteer()
    services.shift_sign_up(actor=other.user, shift=shift)
    shift_gid = _gid("Shift", shift.pk)
    assert gql(SHIFT_CANCEL, {"id": shift_gid}, user=volunteer_user).error_codes == [
        "PERMISSION_DENIED"]
    payload = gql(SHIFT_CANCEL, {"id": shift_gid}, user=coordinator).data["shiftCancel"]
    assert payload == {"shift": {"id": shift_gid, "seatsLeft": 3}, "errors": []}
    assert _notes(other.user, NotificationKind.SHIFT_CANCELLED) == 1
    payload = gql(SHIFT_CANCEL, {"id": shift_gid}, user=coordinator).data["shiftCancel"]
    assert [e["code"] for e in payload["errors"]] == ["ALREADY_CANCELLED"]


