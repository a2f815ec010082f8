"""availabilitySet, timeOffAdd, credentialAdd; credential_grant for other apps."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories.volunteers import give_credential, give_skill
from tests.helpers.graphql import gql
from volunteers import selectors, services
from volunteers.models import AvailabilityRule, Credential, TimeOff

pytestmark = pytest.mark.django_db

AVAILABILITY = """mutation A($id: ID!, $rules: [AvailabilityRuleInput!]!) {
  availabilitySet(volunteerId: $id, rules: $rules) {
    volunteer { availability { weekday startTime endTime } } errors { field code } } }"""
TIME_OFF = """mutation T($id: ID!, $s: DateTime!, $e: DateTime!) {
  timeOffAdd(volunteerId: $id, startsAt: $s, endsAt: $e, reason: "住院") {
    timeOff { id reason } errors { code } } }"""
CREDENTIAL = """mutation C($id: ID!) {
  credentialAdd(volunteerId: $id, typeCode: "health_certificate", number: "JK-001",
                validUntil: "2030-01-01") {
    credential { type { code } validUntil status } errors { code } } }"""

SELF_OR_COORDINATOR = [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("community_staff", "PERMISSION_DENIED"), ("other_coordinator", "PERMISSION_DENIED"),
    ("volunteer", "ok"), ("coordinator", "ok"), ("district_admin", "ok"),
]


def _vid(volunteer):
    return to_global_id("Volunteer", volunteer.pk)


@pytest.mark.parametrize("who, outcome", SELF_OR_COORDINATOR)
def test_availability_set_access_matrix(role_users, haircut_volunteer, who, outcome):
    before = list(AvailabilityRule.objects.values_list("weekday", "start_time"))
    rules = [{"weekday": 1, "startTime": "14:00:00", "endTime": "17:30:00"},
             {"weekday": 3, "startTime": "09:00:00", "endTime": "11:00:00"}]
    result = gql(AVAILABILITY, {"id": _vid(haircut_volunteer), "rules": rules},
                 user=role_users[who])
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert list(AvailabilityRule.objects.values_list("weekday", "start_time")) == before
        return
    assert result.data["availabilitySet"]["errors"] == []
    assert [r["weekday"] for r in result.data["availabilitySet"]["volunteer"]["availability"]] \
        == [1, 3]
    haircut_volunteer.refresh_from_db()
    assert [i for i, c in enumerate(haircut_volunteer.hour_mask) if c == "1"] == [
        14, 15, 16, 17, 48 + 9, 48 + 10]


def test_availability_set_is_all_or_nothing(coordinator, haircut_volunteer):
    before = AvailabilityRule.objects.filter(volunteer=haircut_volunteer).count()
    rules = [{"weekday": 1, "startTime": "14:00:00", "endTime": "17:00:00"},
             {"weekday": 2, "startTime": "18:00:00", "endTime": "09:00:00"}]
    result = gql(AVAILABILITY, {"id": _vid(haircut_volunteer), "rules": rules},
                 user=coordinator)
    assert [e["code"] for e in result.data["availabilitySet"]["errors"]] == ["INVALID_WINDOW"]
    assert AvailabilityRule.objects.filter(volunteer=haircut_volunteer).count() == before


@pytest.mark.parametrize("who, outcome", SELF_OR_COORDINATOR)
def test_time_off_add_access_matrix(role_users, haircut_volunteer, job_start, who, outcome):
    result = gql(TIME_OFF, {"id": _vid(haircut_volunteer), "s": job_start.isoformat(),
                            "e": (job_start + timedelta(days=2)).isoformat()},
                 user=role_users[who])
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert not TimeOff.objects.exists()
        return
    assert result.data["timeOffAdd"]["timeOff"]["reason"] == "住院"


def test_time_off_must_end_after_it_starts(coordinator, haircut_volunteer, job_start):
    result = gql(TIME_OFF, {"id": _vid(haircut_volunteer), "s": job_start.isoformat(),
                            "e": job_start.isoformat()}, user=coordinator)
    assert [e["code"] for e in result.data["timeOffAdd"]["errors"]] == ["INVALID_WINDOW"]


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"), ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"), ("coordinator", "ok"), ("district_admin", "ok"),
])
def test_credential_add_access_matrix(role_users, haircut_volunteer, who, outcome):
    before = Credential.objects.count()
    result = gql(CREDENTIAL, {"id": _vid(haircut_volunteer)}, user=role_users[who])
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert Credential.objects.count() == before
        return
    assert result.data["credentialAdd"]["credential"]["status"] == "VALID"
    again = gql(CREDENTIAL, {"id": _vid(haircut_volunteer)}, user=role_users[who])
    assert again.data["credentialAdd"]["errors"] == []
    assert Credential.objects.count() == before + 1


def test_credential_grant_is_idempotent_and_feeds_holds_skill(make_volunteer):
    volunteer = make_volunteer(skill=None)

    give_skill(volunteer, "wechat_tutoring", credential=False)
    assert not selectors.volunteer_holds_skill(volunteer, "wechat_tutoring")
    assert selectors.volunteer_holds_skill(volunteer, "wechat_tutoring",
                                           require_credential=False)
    for _ in range(2):
        services.credential_grant(volunteer=volunteer, type_code="new_media_training",
                                  number="CERT-ABC", valid_from=date(2026, 1, 1),
                                  valid_until=date(2099, 1, 1), source="certificate:CERT-ABC")
    assert Credential.objects.filter(volunteer=volunteer).count() == 1
    assert selectors.volunteer_holds_skill(volunteer, "wechat_tutoring")
    assert not selectors.volunteer_holds_skill(volunteer, "wechat_tutoring",
                                               at=timezone.now() + timedelta(days=365 * 80))


def test_credential_status_is_derived_from_dates(make_volunteer):
    volunteer = make_volunteer(skill=None)
    today = timezone.localdate()
    assert give_credential(volunteer, "health_certificate",
                           valid_until=today + timedelta(days=10)).status == "EXPIRING"
    assert give_credential(volunteer, "health_certificate",
                           valid_until=today - timedelta(days=1)).status == "EXPIRED"
    assert give_credential(volunteer, "health_certificate",
                           valid_until=today + timedelta(days=90)).status == "VALID"


def test_volunteer_for_user(volunteer_user, resident, haircut_volunteer):
    assert selectors.volunteer_for_user(volunteer_user) == haircut_volunteer
    assert selectors.volunteer_for_user(resident) is None
