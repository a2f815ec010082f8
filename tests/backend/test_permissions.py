import pytest

from backend.accounts import permissions
from backend.accounts.models import Role
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.helpers.queries import assert_query_count

pytestmark = pytest.mark.django_db


def test_a_street_coordinator_holds_the_role_over_the_streets_communities(
        coordinator, street, community, other_street, other_community):
    assert permissions.holds_role(coordinator, Role.STREET_COORDINATOR, street)
    assert permissions.holds_role(coordinator, Role.STREET_COORDINATOR, community)
    assert permissions.holds_role(coordinator, Role.STREET_COORDINATOR,
                                  CommunityFactory(street=street))
    assert not permissions.holds_role(coordinator, Role.STREET_COORDINATOR, other_street)
    assert not permissions.holds_role(coordinator, Role.STREET_COORDINATOR, other_community)
    assert not permissions.holds_role(coordinator, Role.STREET_COORDINATOR, None)


def test_community_staff_hold_their_role_over_their_community_only(
        community_staff, community, street):
    assert permissions.holds_role(community_staff, Role.COMMUNITY_STAFF, community)
    assert not permissions.holds_role(community_staff, Role.COMMUNITY_STAFF, street)
    assert not permissions.holds_role(community_staff, Role.COMMUNITY_STAFF,
                                      CommunityFactory(street=street))


def test_a_district_admin_coordinates_everything(district_admin, other_community):
    assert permissions.is_coordinator_for(district_admin, other_community)
    assert permissions.is_coordinator_for(district_admin, None)


def test_personal_data_is_visible_to_self_and_own_unit_coordinators(
        resident, coordinator, other_coordinator, volunteer_user, community_staff):
    assert permissions.can_view_personal_data(resident, resident)
    assert permissions.can_view_personal_data(coordinator, resident)
    assert not permissions.can_view_personal_data(other_coordinator, resident)
    assert not permissions.can_view_personal_data(volunteer_user, resident)
    assert not permissions.can_view_personal_data(None, resident)


def test_roles_are_loaded_once_per_user_object(resident):
    with assert_query_count("accounts.rolesPerUserObject"):
        for _ in range(5):
            permissions.holds_role(resident, Role.RESIDENT, resident.community)
            permissions.is_coordinator(resident)


def test_coordinated_community_filter_limits_to_own_street(coordinator, other_coordinator,
                                                           community, other_community):
    from backend.accounts.models import User

    user_with_role(Role.RESIDENT, community=other_community)
    mine = User.objects.filter(permissions.coordinated_community_filter(coordinator))
    assert {u.community_id for u in mine} == {community.pk}
