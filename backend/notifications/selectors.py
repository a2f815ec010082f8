from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Notification, NotificationStatus, SkipReason
from .permissions import call_list_filter

# How far back the call list reaches: an older message is no longer worth a phone call.
CALL_LIST_DAYS = 14
# Skipped because the person could not be reached, not because her account is closed.
UNREACHABLE = Q(status=NotificationStatus.SKIPPED,
                skip_reason__in=[SkipReason.NOT_BOUND, SkipReason.NO_SENDABLE_ACCOUNT]) | Q(
    status=NotificationStatus.FAILED)


def notifications_for_user(user) -> QuerySet[Notification]:
    """A person's own notifications, newest first."""
    if user is None or not getattr(user, "pk", None):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def existing_dedup_keys(keys: Iterable[str]) -> set[str]:
    """Which of these events were already notified (lets periodic jobs skip them cheaply)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
        found.update(Notification.objects.filter(dedup_key__in=keys[start:start + 500])
                     .values_list("dedup_key", flat=True))
    return found


def call_list(viewer, *, now: datetime | None = None) -> QuerySet[Notification]:
    """The desk's call list: messages WeChat could not carry to people of the viewer's
    communities (skipped: no WeChat, or no account of theirs can send the kind; or failed,
    e.g. unsubscribed) in the last CALL_LIST_DAYS days and not yet phoned about, newest
    first."""
    since = (now or timezone.now()) - timedelta(days=CALL_LIST_DAYS)
    return (Notification.objects.select_related("user__community")
            .filter(UNREACHABLE, created_at__gte=since, handled_at__isnull=True,
                    user__is_active=True)
            .filter(call_list_filter(viewer))
            .order_by("-created_at", "-id"))


def call_list_row(viewer, notification_id: int) -> Notification | None:
    """One row of the viewer's call list (handled or not), or None."""
    return (Notification.objects.select_related("user__community", "handled_by")
            .filter(UNREACHABLE, pk=notification_id)
            .filter(call_list_filter(viewer)).first())
