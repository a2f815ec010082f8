"""Reads of help requests for the phone pages and the desk, beyond selectors.py: a request's
possible duplicates, a WeChat draft by its link, and the candidates of a triage.
(Written for the pages, beside help-core's selectors; who may see what is decided in
volunteers/permissions.py.)"""

from __future__ import annotations

from django.db.models import Prefetch

from .. import matching, permissions
from ..models import HelpDraft, HelpPhoto, ServiceRequest
from .selectors import help_request_queryset
from .services import OPEN_STATUSES


def help_request_for_page(pk: int) -> ServiceRequest | None:
    """One request with its offers, photos and timeline; the caller checks access."""
    return help_request_queryset().filter(pk=pk).first()


def help_duplicates_of(request: ServiceRequest) -> list[ServiceRequest]:
    """Her other requests a duplicate could be merged into: open ones, not merged."""
    return list(ServiceRequest.objects.select_related("skill")
                .filter(requester_id=request.requester_id, status__in=OPEN_STATUSES,
                        merged_into__isnull=True)
                .exclude(pk=request.pk).order_by("created_at", "id"))


def help_draft_for_page(token: str) -> HelpDraft | None:
    """A draft by its link's token, whatever its state, with its live photos."""
    if not token:
        return None
    return (HelpDraft.objects.select_related("user")
            .prefetch_related(Prefetch("photos", queryset=HelpPhoto.objects.filter(
                deleted_at__isnull=True).order_by("id")))
            .filter(token=token).first())


def help_candidates(service_request: ServiceRequest, *, skill, starts_at, ends_at,
                    limit: int = 10) -> matching.MatchResult:
    """Who the request could be offered to at that time: the same matching (and the same
    pool, permissions.help_volunteers_visible) the triage service offers from."""
    return matching.match_volunteers(
        skill=skill, starts_at=starts_at, ends_at=ends_at, community=service_request.community,
        min_level=service_request.min_level, limit=limit,
        visible=permissions.help_volunteers_visible(service_request))
