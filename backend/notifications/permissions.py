"""Who may see and resend notifications. Built on backend.accounts.permissions."""

from django.db.models import Q

from backend.accounts.permissions import (
    can_act_for,
    coordinated_community_filter,
    desk_community_filter,
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


def call_list_filter(user) -> Q:
    """A Q over Notification: the call list is the desk's, so community staff see the rows of
    their communities and coordinators those of the units they coordinate."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return desk_community_filter(user, "user__community")


def can_call_about(user, notification) -> bool:
    """May read the person's phone number unmasked for the call list and mark the row
    handled: the desk of her community (staff, her coordinators, admins)."""
    return can_act_for(user, notification.user)
