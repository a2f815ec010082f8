"""Hooks the dispatch services call when a job that is a help request moves: the
resident's timeline and messages follow the one record. Inside the caller's transaction.
Imports no service module, so the dispatch and hours services can import it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    CommitmentKind,
    HelpEvent,
    HelpEventKind,
    Offer,
    OfferStatus,
    ServiceRequest,
)
from ..models import ServiceRequestStatus as S
from . import notify


def _event(request, kind, actor=None, note=""):
    HelpEvent.objects.create(request=request, kind=kind, note=(note or "")[:200],
                             actor=actor if getattr(actor, "pk", None) else None)


def on_accepted(request: ServiceRequest, offer: Offer) -> None:
    if request.requester_id is None:
        return
    _event(request, HelpEventKind.ACCEPTED, actor=offer.volunteer.user)
    notify.volunteer_coming(request, offer)


def on_withdrawn_after_accept(request: ServiceRequest, offer: Offer, note: str) -> None:
    """The volunteer who was coming no longer is (re-offered, escalated)."""
    if request.requester_id is None:
        return
    _event(request, HelpEventKind.CHANGED, note=note)
    notify.changed(request, _("原定志愿者无法前来，我们正在另行安排。"), version=f"offer{offer.pk}")


def on_escalated(request: ServiceRequest) -> None:
    """Every volunteer asked declined or let the offer lapse: the coordinators take it over
    (the board's escalated list), and she hears that someone will call rather than nothing.
    Inside triage's own first offer a rollback takes this back with everything else."""
    if request.requester_id is None:
        return
    asked = request.offers.count()
    _event(request, HelpEventKind.CHANGED, note=_("暂时没有志愿者能来，已转交社区工作人员安排"))
    notify.changed(request, _("暂时没有志愿者能在这个时间上门，社区工作人员会尽快联系您另行安排。"),
                   version=f"escalated{asked}")


def on_cancelled(request: ServiceRequest, actor, reason: str) -> None:
    if request.requester_id is None:
        return
    _event(request, HelpEventKind.CANCELLED, actor=actor, note=reason)
    notify.changed(request, _("这次求助已取消。%(reason)s") % {"reason": reason},
                   version="cancelled")


def on_completed(request: ServiceRequest, actor=None) -> None:
    if request.requester_id is None:
        return
    request.completed_at = timezone.now()
    request.save(update_fields=["completed_at", "updated_at"])
    _event(request, HelpEventKind.COMPLETED, actor=actor)
    notify.done(request)


def complete_for_hours(commitment, actor) -> ServiceRequest | None:
    """The accepted volunteer logged hours for a help request's visit: it is COMPLETED."""
    if commitment.kind != CommitmentKind.DISPATCH:
        return None  # a shift or tutoring: no request to look for
    offer = (Offer.objects.filter(commitment_id=commitment.pk, status=OfferStatus.ACCEPTED)
             .only("request_id").first())
    if offer is None:
        return None
    request = (ServiceRequest.objects.select_for_update(of=("self",))
               .select_related("skill", "community", "requester").get(pk=offer.request_id))
    if request.requester_id is None or request.status != S.ACCEPTED:
        return None
    request.status = S.COMPLETED
    request.save(update_fields=["status", "updated_at"])
    on_completed(request, actor)
    return request
