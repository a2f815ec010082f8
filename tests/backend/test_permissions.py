import pytest
from django.contrib.admin.sites import site

from backend.accounts import permissions
from backend.accounts.models import Community, Role, User
from backend.certificates.models import Certificate
from backend.certificates.permissions import certificates_coordinated_by
from backend.notifications.models import Notification
from backend.notifications.permissions import notifications_visible_filter
from backend.wechat.models import WeChatAccount
from backend.wechat.permissions import accounts_visible_filter
from tests.factories.accounts import CommunityFactory, UserFactory, user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.notifications import NotificationFactory
from tests.factories.wechat import WeChatAccountFactory
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
    user_with_role(Role.RESIDENT, community=other_community)
    mine = User.objects.filter(permissions.coordinated_community_filter(coordinator))
    assert {u.community_id for u in mine} == {community.pk}


# --- The one "units this user coordinates" filter -------------------------------------------
@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)


def _visible(model, q):
    return set(model.objects.filter(q).values_list("pk", flat=True))


def test_coordinated_community_filter_by_role(
        superuser, district_admin, coordinator, community_staff, resident, community,
        other_community):
    every = set(Community.objects.values_list("pk", flat=True))
    assert {community.pk, other_community.pk} <= every
    assert _visible(Community, permissions.coordinated_community_filter(superuser, "")) == every
    assert _visible(Community,
                    permissions.coordinated_community_filter(district_admin, "")) == every
    assert _visible(Community, permissions.coordinated_community_filter(coordinator, "")) == set(
        Community.objects.filter(street=community.street).values_list("pk", flat=True))
    for nobody in (community_staff, resident, None):
        assert _visible(Community, permissions.coordinated_community_filter(nobody, "")) == set()


def test_superusers_see_every_row_wherever_the_filter_is_used(
        superuser, coordinator, street, community, other_street, other_community):
    """One semantics for superusers: certificates, notifications, WeChat accounts and users
    all go through coordinated_community_filter, and a superuser without any role sees all."""
    mine = [CertificateFactory(issuer_street=street),
            CertificateFactory(issuer_community=community)]
    theirs = [CertificateFactory(issuer_street=other_street),
              CertificateFactory(issuer_community=other_community)]
    assert _visible(Certificate, certificates_coordinated_by(superuser)) == {
        c.pk for c in mine + theirs}
    assert _visible(Certificate, certificates_coordinated_by(coordinator)) == {c.pk for c in mine}

    here = NotificationFactory(user=user_with_role(Role.RESIDENT, community=community))
    there = NotificationFactory(user=user_with_role(Role.RESIDENT, community=other_community))
    assert _visible(Notification, notifications_visible_filter(superuser)) == set(
        Notification.objects.values_list("pk", flat=True))
    assert here.pk in _visible(Notification, notifications_visible_filter(coordinator))
    assert there.pk not in _visible(Notification, notifications_visible_filter(coordinator))

    street_account = WeChatAccountFactory(street=street, community=None)
    other_account = WeChatAccountFactory(street=None, community=other_community)
    assert _visible(WeChatAccount, accounts_visible_filter(superuser)) >= {
        street_account.pk, other_account.pk}
    assert other_account.pk not in _visible(WeChatAccount, accounts_visible_filter(coordinator))
    assert street_account.pk in _visible(WeChatAccount, accounts_visible_filter(coordinator))

    assert _visible(User, permissions.coordinated_community_filter(superuser)) == set(
        User.objects.values_list("pk", flat=True))


def test_the_admin_lists_follow_the_filter(rf, superuser, coordinator, community,
                                           other_community):
    here = NotificationFactory(user=user_with_role(Role.RESIDENT, community=community))
    there = NotificationFactory(user=user_with_role(Role.RESIDENT, community=other_community))
    model_admin = site._registry[Notification]
    for user, expected in ((superuser, {here.pk, there.pk}), (coordinator, {here.pk})):
        request = rf.get("/admin/notifications/notification/")
        request.user = user
        visible = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        assert visible & {here.pk, there.pk} == expected
