from django.db.models import Q

from backend.accounts import permissions as accounts
from backend.accounts.models import Role


def accounts_visible_filter(user, prefix: str = "") -> Q:
    """A Q over WeChatAccount (through `prefix`) limited to the accounts of the units the user
    coordinates: district admins see all; street coordinators their street's account and its
    communities' accounts; others nothing."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser or accounts.is_district_admin(user):
        return Q()
    street_ids = [a.street_id for a in accounts.role_assignments(user)
                  if a.role == Role.STREET_COORDINATOR]
    if not street_ids:
        return Q(pk__in=[])
    return (Q(**{f"{prefix}street_id__in": street_ids})
            | Q(**{f"{prefix}community__street_id__in": street_ids}))


def can_manage_accounts(user) -> bool:
    """Coordinators manage their units' accounts in the admin; only they and admins."""
    return bool(user and user.is_active and (user.is_superuser or accounts.is_coordinator(user)))


def can_edit_credentials(user) -> bool:
    """App secrets, tokens and AES keys: district admins only."""
    return bool(user and user.is_active and (user.is_superuser
                                             or accounts.is_district_admin(user)))
