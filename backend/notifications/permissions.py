"""Who may see and resend notifications. Built on backend.accounts.permissions."""

from django.db.models import Q

from backend.accounts.permissions import (
    coordinated_community_filter,
    is_coordinator,
    is_coordinator_of_user,
)


def notifications_visible_filter(user) -> Q:
    """A Q over Notification: the notifications of people in the units the user coordinates."""
    return coordinated_community_filter(user, "user__community")


def can_use_notification_admin(user) -> bool:
    """The admin's outbox pages: coordinators (limited to their units) and superusers."""
    return user.is_active and (user.is_superuser or is_coordinator(user))


def can_resend_notification(user, notification) -> bool:
    """A FAILED notification may be sent again by the recipient's coordinators and superusers."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or is_coordinator_of_user(user, notification.user)
