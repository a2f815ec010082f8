"""Who may read the coordinator console's numbers for a unit."""

from backend.accounts.permissions import Unit, is_coordinator_for


def can_view_stats(user, unit: Unit) -> bool:
    """Coordinators of the unit and district admins; the whole district (None) is admins' only.

    Superusers operate the platform and see every unit, as in the Django admin.
    """
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or is_coordinator_for(user, unit)
