"""Who may read `stats`: coordinators of the unit and district admins (API.md, "Stats")."""

import pytest

from backend.accounts.models import Role
from backend.core.links import node_id
from tests.factories.accounts import user_with_role

pytestmark = pytest.mark.django_db

QUERY = """
query($street: ID, $community: ID) {
  stats(from: "2026-01-01", to: "2026-01-31", streetId: $street, communityId: $community) {
    enrollments dispatches
  }
}"""


def _ask(gql, user, *, street=None, community=None):
    variables = {}
    if street is not None:
        variables["street"] = node_id("Street", street.pk)
    if community is not None:
        variables["community"] = node_id("Community", community.pk)
    return gql(QUERY, variables, user=user)


def test_district_admin_reads_the_whole_district(gql, community):
    result = _ask(gql, user_with_role(Role.DISTRICT_ADMIN))
    assert result.errors is None
    assert result.data["stats"] == {"enrollments": 0, "dispatches": 0}


def test_coordinator_reads_her_street_and_its_communities(gql, street, community):
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street)
    assert _ask(gql, coordinator, street=street).errors is None
    assert _ask(gql, coordinator, community=community).errors is None


def test_other_streets_coordinator_is_denied(gql, street, community, other_street):
    outsider = user_with_role(Role.STREET_COORDINATOR, street=other_street)
    assert _ask(gql, outsider, street=street).error_codes == ["PERMISSION_DENIED"]
    assert _ask(gql, outsider, community=community).error_codes == ["PERMISSION_DENIED"]


def test_coordinator_without_a_unit_is_denied_the_district(gql, street):
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street)
    assert _ask(gql, coordinator).error_codes == ["PERMISSION_DENIED"]


def test_resident_is_denied(gql, community, resident):
    assert _ask(gql, resident, community=community).error_codes == ["PERMISSION_DENIED"]
    assert _ask(gql, resident).error_codes == ["PERMISSION_DENIED"]


def test_anonymous_must_log_in(gql, community):
    assert _ask(gql, None, community=community).error_codes == ["UNAUTHENTICATED"]


def test_unknown_unit_is_bad_input(gql):
    admin = user_with_role(Role.DISTRICT_ADMIN)
    result = gql(QUERY, {"community": node_id("Community", 999999)}, user=admin)
    assert result.data is None or result.data.get("stats") is None
    assert result.error_codes == ["BAD_USER_INPUT"]
