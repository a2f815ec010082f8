import pytest
from django.conf import settings
from graphql_relay import to_global_id

from backend.accounts.models import User
from backend.core.models import AuditLog
from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db

MUTATION = """
mutation R($communityId: ID!, $consent: String!, $phone: String) {
  residentCreate(username: "linnainai", password: "a-good-pass-9", displayName: "林奶奶",
                 phone: $phone, communityId: $communityId, consentVersion: $consent) {
    user { username displayName phone roles }
    errors { field code message }
  }
}"""


def _vars(community, **overrides):
    return {"communityId": to_global_id("Community", community.pk),
            "consent": settings.PRIVACY_NOTICE_VERSION, "phone": "13912345678", **overrides}


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("other_coordinator", "OUTSIDE_YOUR_UNIT"),
    ("community_staff", "ok"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_resident_create_access_matrix(role_users, community, who, outcome):
    users_before, audit_before = User.objects.count(), AuditLog.objects.count()
    result = gql(MUTATION, _vars(community), user=role_users[who])
    if outcome == "ok":
        payload = result.data["residentCreate"]
        assert payload["errors"] == []
        assert payload["user"]["roles"] == ["RESIDENT"]
        created = User.objects.get(username="linnainai")
        assert created.consent_version == settings.PRIVACY_NOTICE_VERSION
        assert created.consented_at is not None
        entry = AuditLog.objects.get(action="resident.create")
        assert entry.actor == role_users[who]
        assert "13912345678" not in str(entry.detail)
        return
    if outcome in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        assert result.data == {"residentCreate": None}
        assert result.error_codes == [outcome]
    else:
        assert [e["code"] for e in result.data["residentCreate"]["errors"]] == [outcome]
    assert User.objects.count() == users_before
    assert AuditLog.objects.count() == audit_before


def test_consent_must_match_the_current_notice(coordinator, community):
    result = gql(MUTATION, _vars(community, consent="2020-01"), user=coordinator)
    assert [e["code"] for e in result.data["residentCreate"]["errors"]] == ["CONSENT_REQUIRED"]
    assert not User.objects.filter(username="linnainai").exists()


def test_a_taken_username_is_reported(coordinator, community, user_factory):
    user_factory(username="LinNaiNai")
    result = gql(MUTATION, _vars(community), user=coordinator)
    assert result.data["residentCreate"]["errors"][0]["code"] == "USERNAME_TAKEN"
    assert result.data["residentCreate"]["errors"][0]["field"] == "username"


def test_a_bad_phone_and_a_bad_id_are_typed_errors(coordinator, community):
    result = gql(MUTATION, _vars(community, phone="12345"), user=coordinator)
    assert result.data["residentCreate"]["errors"][0]["code"] == "INVALID_PHONE"
    result = gql(MUTATION, {**_vars(community), "communityId": "bm90LWFuLWlk"}, user=coordinator)
    assert result.data["residentCreate"]["errors"][0]["code"] == "NOT_FOUND"
    assert result.data["residentCreate"]["errors"][0]["field"] == "communityId"
    assert not User.objects.filter(username="linnainai").exists()


def test_phone_is_masked_for_others(coordinator, community, resident, other_coordinator):
    gql(MUTATION, _vars(community), user=coordinator)
    created = User.objects.get(username="linnainai")
    mine = gql("{ me { phone } }", user=created).data["me"]["phone"]
    assert mine == "13912345678"
