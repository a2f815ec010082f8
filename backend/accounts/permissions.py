"""The one place that answers "does this user hold role R over this unit?".

Units nest: the district (None) contains every street, a street contains its
communities. A role held over a unit is held over everything the unit contains.
Role assignments are loaded once per user object and cached on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from .models import Community, Role, RoleAssignment, Street

if TYPE_CHECKING:
    from .models import User

Unit = Street | Community | None

COORDINATOR_ROLES = (Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR)
_CACHE_ATTR = "_linli_role_assignments"


def role_assignments(user) -> list[RoleAssignment]:
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        # A list of people read with their assignments prefetched (the GraphQL selection
        # walker does for User.roles) answers from the prefetch, not a query per person.
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("role_assignments")
        cached = list(
            prefetched if prefetched is not None else
            RoleAssignment.objects.filter(user_id=user.pk).select_related("street", "community")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    """Call after changing a user's roles within one request."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _covers(assignment: RoleAssignment, unit: Unit) -> bool:
    if assignment.street_id is None and assignment.community_id is None:
        return True  # district-wide, or a role without a unit
    if unit is None:
        return False
    if isinstance(unit, Street):
        return assignment.street_id == unit.pk and assignment.community_id is None
    if assignment.community_id is not None:
        return assignment.community_id == unit.pk
    return assignment.street_id == unit.street_id


def holds_role(user, role: str, unit: Unit = None) -> bool:
    """True if the user holds `role` over `unit` (None means the whole district)."""
    return any(a.role == role and _covers(a, unit) for a in role_assignments(user))


def has_role(user, role: str) -> bool:
    """True if the user holds `role` over any unit at all."""
    return any(a.role == role for a in role_assignments(user))


def is_district_admin(user) -> bool:
    return has_role(user, Role.DISTRICT_ADMIN)


def is_coordinator(user) -> bool:
    """A coordinator of some unit (street coordinator) or a district admin."""
    return any(a.role in COORDINATOR_ROLES for a in role_assignments(user))


def is_coordinator_for(user, unit: Unit) -> bool:
    return any(a.role in COORDINATOR_ROLES and _covers(a, unit) for a in role_assignments(user))


def is_coordinator_of_user(viewer, subject: User) -> bool:
    if subject.community_id is None:
        return is_district_admin(viewer)
    return is_coordinator_for(viewer, subject.community)


def coordinated_community_filter(user, field: str = "community", *,
                                 street_field: str | None = None):
    """The one "rows of the units this user coordinates" filter, as a Q.

    `field` is the path to a Community FK ("" when filtering Community itself);
    `street_field`, if given, the path to a Street FK on the same row, for rows that belong
    to a street directly (a certificate a street issued, a street's WeChat account).

    - Superusers see everything: they are the platform's operators, and the Django admin
      shows them every row. This holds wherever the filter is used, admin or API.
    - District admins: everything (an empty Q).
    - Street coordinators: their streets and every community in them.
    - Anyone else, anonymous included: nothing.
    """
    if user is not None and user.is_authenticated and user.is_superuser:
        return Q()
    assignments = role_assignments(user)
    if any(a.role == Role.DISTRICT_ADMIN for a in assignments):
        return Q()
    street_ids = [a.street_id for a in assignments if a.role == Role.STREET_COORDINATOR]
    if not street_ids:
        return Q(pk__in=[])
    community_street = f"{field}__street_id__in" if field else "street_id__in"
    q = Q(**{community_street: street_ids})
    if street_field is not None:
        q |= Q(**{f"{street_field}_id__in": street_ids})
    return q


def can_register_resident(user, community: Community) -> bool:
    return is_coordinator_for(user, community) or holds_role(user, Role.COMMUNITY_STAFF, community)


def can_register_residents_somewhere(user) -> bool:
    return is_coordinator(user) or has_role(user, Role.COMMUNITY_STAFF)


def can_view_personal_data(viewer, subject: User) -> bool:
    """Phone and ID numbers unmasked: the person themself and their unit's coordinators."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.pk == subject.pk or is_coordinator_of_user(viewer, subject)


def can_act_for(actor, person: User | None) -> bool:
    """The one "may act for this person" rule (API.md, "People and acting for someone"):
    the person herself, staff of her community, coordinators of her unit and admins.
    Someone who works a desk or coordinates is acted for only by admins (and a superuser
    only by a superuser).

    Callers check it before anything else and answer a refusal the same way whether or
    not the person exists, so a refusal reveals nothing about her.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active or person is None:
        return False
    if actor.pk == person.pk or actor.is_superuser:
        return True
    if person.is_superuser:
        return False
    if is_district_admin(actor):
        return True
    if person.community_id is None or _works_a_desk_or_coordinates(person):
        # Acting for a colleague or a coordinator (a binding link for her, a seat in her
        # name) would let a desk worker take over an account that outranks or equals hers.
        return False
    return (is_coordinator_for(actor, person.community)
            or holds_role(actor, Role.COMMUNITY_STAFF, person.community))


def _works_a_desk_or_coordinates(person) -> bool:
    return person.is_staff or any(
        a.role in (*COORDINATOR_ROLES, Role.COMMUNITY_STAFF) for a in role_assignments(person))


def desk_community_filter(user, field: str = "community"):
    """A Q over rows (through `field`, "" for Community itself) of the communities whose
    desk this user works: where they are community staff, and the communities they
    coordinate. Nothing for anyone else."""
    staff_ids = [a.community_id for a in role_assignments(user)
                 if a.role == Role.COMMUNITY_STAFF and a.community_id]
    coordinated = coordinated_community_filter(user, field)
    pk = f"{field}_id__in" if field else "pk__in"
    if coordinated == Q(pk__in=[]):
        return Q(**{pk: staff_ids})
    return coordinated | Q(**{pk: staff_ids})


def works_a_desk(user) -> bool:
    """Community staff and coordinators: the desk page is their first screen."""
    return bool(user is not None and user.is_authenticated
                and (user.is_superuser or can_register_residents_somewhere(user)))


def can_handle_data_request(user, person: User) -> bool:
    """Who checks a person's deletion request and anonymises her account: the coordinators
    of her unit (street coordinator of her street, district admin) and superusers. Never
    for a staff account: those are closed by an admin by hand."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if person.is_superuser or person.is_staff:
        return is_district_admin(user)
    return is_coordinator_of_user(user, person)


def data_request_filter(user):
    """The requests a user sees in the admin: those of people in units she coordinates."""
    return coordinated_community_filter(user, "person__community")


def can_use_data_request_admin(user) -> bool:
    """Coordinators work in the admin without model permissions; data_request_filter
    limits what they see."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and (user.is_superuser or is_coordinator(user)))
