from django.db.models import Q

from backend.accounts import permissions as accounts


def accounts_visible_filter(user, prefix: str = "") -> Q:
    """A Q over WeChatAccount (through `prefix`) limited to the accounts of the units the user
    coordinates: district admins see all; street coordinators their street's account and its
    communities' accounts; others nothing."""
    return accounts.coordinated_community_filter(user, f"{prefix}community",
                                                 street_field=f"{prefix}street")


def can_manage_accounts(user) -> bool:
    """Coordinators manage their units' accounts in the admin; only they and admins."""
    return bool(user and user.is_active and (user.is_superuser or accounts.is_coordinator(user)))


def can_edit_credentials(user) -> bool:
    """App secrets, tokens and AES keys: district admins only."""
    return bool(user and user.is_active and (user.is_superuser
                                             or accounts.is_district_admin(user)))


def can_unbind(user, binding) -> bool:
    """The bound person, and whoever may act for her (staff of her community, coordinators
    of her unit, admins)."""
    return binding.user_id is not None and accounts.can_act_for(user, binding.user)


def can_broadcast(user, unit) -> bool:
    """Broadcasts of a community, a street or the district (`unit` None): the coordinators
    of that unit (a street coordinator for her street and its communities) and admins."""
    return bool(user and user.is_active
                and (user.is_superuser or accounts.is_coordinator_for(user, unit)))


def can_broadcast_somewhere(user) -> bool:
    """Whether a refusal should say "outside your unit" rather than "not allowed"."""
    return bool(user and user.is_active and (user.is_superuser or accounts.is_coordinator(user)))
