"""Reads of help requests for the phone pages and the desk, each owning its prefetch.
(Written for the pages, beside help-core's services; the rules of who may see what are in
volunteers/permissions.py.)"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .. import matching, permissions
from ..models import HelpDraft, HelpEvent, HelpPhoto, Offer, ServiceRequest, ServiceRequestStatus
from .services import OPEN_STATUSES

RECENT_LIMIT = 10
QUEUE_LIMIT = 200


def help_request_rows() -> QuerySet[ServiceRequest]:
    """Help requests (a requester) with what a card shows: 3 tables in one query."""
    return (ServiceRequest.objects.filter(requester__isnull=False)
            .select_related("skill", "community__street", "requester"))


def my_help_requests(*, user) -> tuple[list[ServiceRequest], list[ServiceRequest]]:
    """(open, recent): her requests still being handled, oldest first, and the last few
    finished ones, newest first. Two queries."""
    rows = help_request_rows().filter(requester_id=user.pk)
    open_rows = list(rows.filter(status__in=OPEN_STATUSES).order_by("created_at", "id"))
    recent = list(rows.exclude(status__in=OPEN_STATUSES)
                  .order_by("-created_at", "-id")[:RECENT_LIMIT])
    return open_rows, recent


def help_request_for_page(pk: int) -> ServiceRequest | None:
    """One request with its offers (and volunteers), timeline and live photos."""
    return (help_request_rows().filter(pk=pk)
            .prefetch_related(
                Prefetch("offers", queryset=Offer.objects.select_related("volunteer__user")
                         .order_by("id")),
                Prefetch("help_events", queryset=HelpEvent.objects.order_by("created_at", "id")),
                Prefetch("photos", queryset=HelpPhoto.objects.filter(deleted_at__isnull=True)
                         .order_by("id")))
            .first())


def help_queue(*, user, triage_filter) -> list[ServiceRequest]:
    """REQUESTED help requests of the communities whose queue `user` works (`triage_filter`,
    a Q from permissions.help_triage_filter), oldest first. One query."""
    return list(help_request_rows().filter(status=ServiceRequestStatus.REQUESTED)
                .filter(triage_filter).order_by("created_at", "id")[:QUEUE_LIMIT])


def help_duplicates_of(request: ServiceRequest) -> list[ServiceRequest]:
    """Her other requests a duplicate could be merged into: open ones, not merged."""
    return list(help_request_rows().filter(requester_id=request.requester_id,
                                           status__in=OPEN_STATUSES, merged_into__isnull=True)
                .exclude(pk=request.pk).order_by("created_at", "id"))


def help_draft_for_page(token: str) -> HelpDraft | None:
    """A draft by its link's token, whatever its state, with its live photos."""
    if not token:
        return None
    return (HelpDraft.objects.select_related("user", "request")
            .prefetch_related(Prefetch("photos", queryset=HelpPhoto.objects.filter(
                deleted_at__isnull=True).order_by("id")))
            .filter(token=token).first())


def help_candidates(service_request: ServiceRequest, *, skill, starts_at, ends_at,
                    limit: int = 10):
    """Who the request could be offered to at that time: the same matching (and the same
    pool, permissions.help_volunteers_visible) the triage service offers from."""
    return matching.match_volunteers(
        skill=skill, starts_at=starts_at, ends_at=ends_at, community=service_request.community,
        min_level=service_request.min_level, limit=limit,
        visible=permissions.help_volunteers_visible(service_request))
