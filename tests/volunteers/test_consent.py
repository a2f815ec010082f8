"""API.md "Consent" on shiftSignUp: an optional consentVersion records it; CONSENT_REQUIRED
only when the volunteer has none for the current notice."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories.accounts import UserFactory
from volunteers.models import Event, Shift, ShiftSignUp

pytestmark = pytest.mark.django_db

SIGN_UP = """
mutation S($shift: ID!, $consent: String) {
  shiftSignUp(shiftId: $shift, consentVersion: $consent) { signUp { id } errors { field code } }
}"""


@pytest.fixture
def shift(community):
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(title="重阳节服务日", community=community, starts_at=start,
                                 ends_at=start + timedelta(hours=4))
    return Shift.objects.create(event=event, title="上午班", starts_at=start,
                                ends_at=start + timedelta(hours=2), capacity=3)


def _sign_up(gql, user, shift, consent=None):
    result = gql(SIGN_UP, {"shift": to_global_id("Shift", shift.pk), "consent": consent},
                 user=user)
    assert result.errors is None, result.errors
    return result.data["shiftSignUp"]


def test_shift_sign_up_records_consent_or_asks_for_it(gql, shift, make_volunteer, community):
    volunteer = make_volunteer(user=UserFactory(community=community, consent_version=""))
    refused = _sign_up(gql, volunteer.user, shift)
    assert refused["errors"] == [{"field": "consentVersion", "code": "CONSENT_REQUIRED"}]
    assert not ShiftSignUp.objects.exists()
    done = _sign_up(gql, volunteer.user, shift, consent=settings.PRIVACY_NOTICE_VERSION)
    assert done["errors"] == [] and done["signUp"]["id"]
    volunteer.user.refresh_from_db()
    assert volunteer.user.consent_version == settings.PRIVACY_NOTICE_VERSION


def test_a_volunteer_who_consented_signs_up_without_the_argument(gql, shift, make_volunteer):
    volunteer = make_volunteer()
    assert _sign_up(gql, volunteer.user, shift)["errors"] == []
