"""What a coordinator does with a doorstep job after it was dispatched: mark it done,
cancel it, move it to the next candidate, offer it to a named volunteer, or take it over
(escalate). Every action locks the request, so a volunteer's answer arriving at the same
moment is applied before or after, never half-way."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import matching, permissions
from .. import notifications as volunteer_notifications
from ..error_codes import VolunteerErrorCode as Code
from ..help import lifecycle as help_lifecycle
from ..models import (
    Offer,
    OfferStatus,
    ServiceRequest,
    ServiceRequestStatus,
    Volunteer,
)
from .calendar import commitment_cancel, commitment_complete
from .dispatch import _offer_next, _try_offer

S = ServiceRequestStatus
# Where a coordinator may still move the job to someone else or take it over.
REASSIGNABLE = (S.OFFERED, S.ACCEPTED, S.ESCALATED)
CANCELLABLE = (S.OFFERED, S.ACCEPTED, S.ESCALATED, S.REQUESTED)


def _invalid_state(message: str):
    return validation_error("service_request_id", message, Code.INVALID_STATE)


def _lock(actor, service_request: ServiceRequest, *, desk: bool = False) -> ServiceRequest:
    """`desk`: the action is one community staff may take on a help request too."""
    allowed = permissions.can_dispatch(actor, service_request.community) or (
        desk and service_request.requester_id is not None
        and permissions.can_triage_help(actor, service_request.community))
    if not allowed:
        raise PermissionDenied
    return ServiceRequest.objects.select_for_update(of=("self",)).select_related(
        "skill", "community", "created_by").get(pk=service_request.pk)


def _live_offer(request: ServiceRequest) -> Offer | None:
    return (Offer.objects.select_related("commitment", "volunteer__user")
            .filter(request=request, status__in=[OfferStatus.OFFERED, OfferStatus.ACCEPTED])
            .first())


def _withdraw(request: ServiceRequest, reason: str) -> Offer | None:
    """Withdraw the live offer (waiting or accepted), free the volunteer's time and tell
    her once."""
    offer = _live_offer(request)
    if offer is None:
        return None
    was_accepted = offer.status == OfferStatus.ACCEPTED
    offer.status = OfferStatus.WITHDRAWN
    offer.reason = (reason or "")[:200]
    offer.save(update_fields=["status", "reason", "updated_at"])
    if offer.commitment is not None:
        commitment_cancel(commitment=offer.commitment)
    volunteer_notifications.offer_withdrawn(offer, request, reason)
    if was_accepted and request.status != S.CANCELLED:
        help_lifecycle.on_withdrawn_after_accept(request, offer, reason)
    return offer


def _set_status(request: ServiceRequest, status: str) -> None:
    request.status = status
    request.save(update_fields=["status", "updated_at"])


def service_request_complete(*, actor, service_request: ServiceRequest) -> ServiceRequest:
    """The accepted job was done: complete the volunteer's commitment and ask her to log
    her hours."""
    with transaction.atomic():
        request = _lock(actor, service_request, desk=True)
        offer = _live_offer(request)
        if request.status != S.ACCEPTED or offer is None or offer.status != OfferStatus.ACCEPTED:
            raise _invalid_state(_("只有已接单的派单才能标记完成。"))
        if offer.commitment is not None:
            commitment_complete(commitment=offer.commitment)
        _set_status(request, S.COMPLETED)
        volunteer_notifications.job_completed(offer, request)
        help_lifecycle.on_completed(request, actor)
        audit_log_record(actor=actor, action="dispatch.complete", obj=request,
                         detail={"offer": offer.pk})
        return request


def service_request_cancel(*, actor, service_request: ServiceRequest,
                           reason: str = "") -> ServiceRequest:
    """Call the job off: the waiting or accepted offer is withdrawn (she is told) and her
    time freed."""
    with transaction.atomic():
        request = _lock(actor, service_request, desk=True)
        if request.status not in CANCELLABLE:
            raise _invalid_state(_("这个派单已结束，不能取消。"))
        reason = (reason or "").strip()[:200]
        request.status = S.CANCELLED  # before the withdrawal: she is told "cancelled" once
        _withdraw(request, reason or _("服务已取消"))
        _set_status(request, S.CANCELLED)
        help_lifecycle.on_cancelled(request, actor, reason)
        audit_log_record(actor=actor, action="dispatch.cancel", obj=request,
                         detail={"reason": reason})
        return request


def service_request_reoffer(*, actor, service_request: ServiceRequest,
                            reason: str = "") -> ServiceRequest:
    """Move the job to the next candidate now (the current one is withdrawn); with nobody
    left it is ESCALATED."""
    with transaction.atomic():
        request = _lock(actor, service_request)
        if request.status not in REASSIGNABLE:
            raise _invalid_state(_("这个派单当前不能改派。"))
        _withdraw(request, (reason or "").strip() or _("已改派给其他志愿者"))
        _offer_next(request)
        audit_log_record(actor=actor, action="dispatch.reoffer", obj=request,
                         detail={"status": request.status})
        return request


def service_request_offer_to(*, actor, service_request: ServiceRequest,
                             volunteer: Volunteer) -> ServiceRequest:
    """Offer the job to a volunteer the coordinator names. She must pass every hard rule
    and not have been offered this job before; otherwise VOLUNTEER_UNAVAILABLE and nothing
    changes."""
    with transaction.atomic():
        request = _lock(actor, service_request)
        if request.status not in REASSIGNABLE:
            raise _invalid_state(_("这个派单当前不能改派。"))
        unavailable = validation_error("volunteer_id", _("指定的志愿者在该时段不能接单。"),
                                       Code.VOLUNTEER_UNAVAILABLE)
        if request.offers.filter(volunteer=volunteer).exists():
            raise unavailable
        result = matching.match_volunteers(
            skill=request.skill, starts_at=request.starts_at,  # type: ignore[arg-type]
            ends_at=request.ends_at,
            community=request.community, min_level=request.min_level,
            visible=permissions.volunteers_visible_to(actor), only_volunteer_id=volunteer.pk,
            limit=1)
        if not result.candidates:
            raise unavailable
        _withdraw(request, _("已改派给其他志愿者"))
        if _try_offer(request, result.candidates[0]) is None:
            raise unavailable  # someone booked her meanwhile; the withdrawal rolls back
        audit_log_record(actor=actor, action="dispatch.offer_to", obj=request,
                         detail={"volunteer": volunteer.pk})
        return request


def service_request_escalate(*, actor, service_request: ServiceRequest,
                             reason: str = "") -> ServiceRequest:
    """The coordinator takes the job over: stop offering it (the live offer is
    withdrawn) and keep it ESCALATED on her board."""
    with transaction.atomic():
        request = _lock(actor, service_request)
        if request.status not in (S.OFFERED, S.ACCEPTED):
            raise _invalid_state(_("这个派单当前不能上报。"))
        _withdraw(request, (reason or "").strip() or _("协调员将另行安排"))
        _set_status(request, S.ESCALATED)
        audit_log_record(actor=actor, action="dispatch.escalate", obj=request,
                         detail={"reason": (reason or "")[:200]})
        return request
