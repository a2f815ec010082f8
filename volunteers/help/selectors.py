"""Reads of help requests: her own list, the desk's triage queue, one photo. Fixed query
counts whatever the number of rows (pinned in tests/query_pins.py)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .. import permissions
from ..models import HelpEvent, HelpPhoto, Offer, ServiceRequest, ServiceRequestStatus

S = ServiceRequestStatus


def help_request_queryset() -> QuerySet[ServiceRequest]:
    """Help requests with everything their API type and pages show."""
    return (ServiceRequest.objects.filter(requester__isnull=False)
            .select_related("skill", "community__street", "requester")
            .prefetch_related(
                Prefetch("offers", queryset=Offer.objects.select_related(
                    "volunteer__user", "volunteer__community__street").order_by("id")),
                Prefetch("photos", queryset=photos_shown()),
                Prefetch("help_events", queryset=timeline())))


def photos_shown() -> QuerySet[HelpPhoto]:
    """A request's photos as ServiceRequest.photos lists them: not deleted, in order."""
    return HelpPhoto.objects.filter(deleted_at__isnull=True).order_by("id")


def timeline() -> QuerySet[HelpEvent]:
    """A request's steps as ServiceRequest.timeline lists them, oldest first."""
    return HelpEvent.objects.order_by("created_at", "id")


def my_help_requests(*, user) -> list[ServiceRequest]:
    """The person's own requests, newest first."""
    if user is None or not user.is_authenticated:
        return []
    return list(help_request_queryset().filter(requester_id=user.pk)
                .order_by("-created_at", "-id"))


def help_queue(*, user, include_closed: bool = False) -> QuerySet[ServiceRequest]:
    """The triage queue of the communities whose desk `user` works (the street's
    coordinators see their communities'): waiting requests, oldest first."""
    statuses = [S.REQUESTED] if not include_closed else list(S.values)
    return (help_request_queryset()
            .filter(permissions.help_triage_filter(user, "community"), status__in=statuses)
            .order_by("created_at", "id"))


def help_request_get(*, user, pk: int) -> ServiceRequest | None:
    """One help request, if `user` may see it (None otherwise, as for an unknown id)."""
    request = help_request_queryset().filter(pk=pk).first()
    if request is None or not permissions.can_view_help_request(user, request,
                                                                request.offers.all()):
        return None
    return request


def help_photo_get(*, user, pk: int) -> HelpPhoto | None:
    """A photo `user` may see (its file not yet deleted), else None."""
    photo = HelpPhoto.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if photo is None:
        return None
    request = None
    offers: list = []
    if photo.request_id is not None:
        request = ServiceRequest.objects.select_related("community", "requester").get(
            pk=photo.request_id)
        offers = list(Offer.objects.select_related("volunteer").filter(request=request))
    elif photo.draft_id is not None and photo.uploader_id != getattr(user, "pk", None):
        return None
    if not permissions.can_view_help_photo(user, photo, request, offers):
        return None
    return photo
