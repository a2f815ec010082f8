from collections.abc import Iterable

from django.db.models import QuerySet

from backend.accounts.permissions import coordinated_community_filter

from .models import Notification, NotificationStatus, SkipReason


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


def call_list(viewer) -> QuerySet[Notification]:
    """The staff call list: notifications WeChat could not carry to a bound person (no
    account of theirs can send the kind), for the units the viewer coordinates."""
    return (Notification.objects.select_related("user__community")
            .filter(status=NotificationStatus.SKIPPED,
                    skip_reason=SkipReason.NO_SENDABLE_ACCOUNT)
            .filter(coordinated_community_filter(viewer, "user__community"))
            .order_by("-created_at", "-id"))
