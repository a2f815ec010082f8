"""API.md "Consent" on tutoringBook: the version recorded on the person counts; an optional
`consentVersion` records it; CONSENT_REQUIRED only when she has none for the current
notice; existing clients (no argument) keep working once it is recorded."""

import pytest
from django.conf import settings
from graphql_relay import to_global_id

from backend.accounts.models import User
from backend.core.links import node_id
from backend.core.models import AuditLog
from courses.tutoring.models import TutoringBooking
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

BOOK = """
mutation B($slot: ID!, $consent: String, $user: ID) {
  tutoringBook(slotId: $slot, consentVersion: $consent, userId: $user) {
    booking { id status } errors { field code }
  }
}"""
NOTICE = "{ privacyNotice { version text } }"


def _book(gql, user, slot, consent=None, for_user=None):
    variables = {"slot": to_global_id("TutoringSlot", slot.pk), "consent": consent,
                 "user": to_global_id("User", for_user.pk) if for_user else None}
    result = gql(BOOK, variables, user=user)
    assert result.errors is None, result.errors
    return result.data["tutoringBook"]


@pytest.fixture
def newcomer(community):
    return UserFactory(community=community, consent_version="")


def test_without_consent_the_booking_is_refused_and_nothing_is_written(gql, slot, newcomer):
    payload = _book(gql, newcomer, slot)
    assert payload["booking"] is None
    assert payload["errors"] == [{"field": "consentVersion", "code": "CONSENT_REQUIRED"}]
    assert not TutoringBooking.objects.exists()
    # an outdated version does not count either
    assert _book(gql, newcomer, slot, consent="2019-01")["errors"][0]["code"] == \
        "CONSENT_REQUIRED"
    assert User.objects.get(pk=newcomer.pk).consent_version == ""


def test_the_current_version_is_recorded_on_her_and_books(gql, slot, newcomer):
    version = gql(NOTICE, {}).data["privacyNotice"]["version"]
    assert version == settings.PRIVACY_NOTICE_VERSION
    payload = _book(gql, newcomer, slot, consent=version)
    assert payload["errors"] == [] and payload["booking"]["status"] == "BOOKED"
    newcomer.refresh_from_db()
    assert newcomer.consent_version == version and newcomer.consented_at is not None
    entry = AuditLog.objects.get(action="account.consent")
    assert entry.detail == {"consent_version": version, "on_behalf": False}


def test_an_existing_client_without_the_argument_keeps_working_once_recorded(
        gql, slot, resident):
    assert resident.consent_version == settings.PRIVACY_NOTICE_VERSION
    payload = _book(gql, resident, slot)
    assert payload["errors"] == [] and payload["booking"]["status"] == "BOOKED"
    assert not AuditLog.objects.filter(action="account.consent").exists()


def test_a_new_notice_version_asks_again(gql, slot, resident, settings):
    settings.PRIVACY_NOTICE_VERSION = "2099-01"
    assert _book(gql, resident, slot)["errors"][0]["code"] == "CONSENT_REQUIRED"


def test_staff_record_her_consent_at_the_counter(gql, slot, newcomer, community_staff):
    payload = _book(gql, community_staff, slot, consent=settings.PRIVACY_NOTICE_VERSION,
                    for_user=newcomer)
    assert payload["errors"] == []
    newcomer.refresh_from_db()
    assert newcomer.consent_version == settings.PRIVACY_NOTICE_VERSION
    assert AuditLog.objects.get(action="account.consent").detail["on_behalf"] is True


def test_the_booking_page_asks_for_consent_and_records_it(client, slot, newcomer):
    client.force_login(newcomer)
    url = f"/tutoring/slots/{node_id('TutoringSlot', slot.pk)}/book/"
    page = client.get(url).content.decode()
    assert 'name="consent_version"' in page and "隐私声明" in page
    refused = client.post(url, {"address": "金口路1号"})
    assert refused.status_code == 400 and "隐私声明" in refused.content.decode()
    assert not TutoringBooking.objects.exists()
    done = client.post(url, {"address": "金口路1号",
                             "consent_version": settings.PRIVACY_NOTICE_VERSION})
    assert done.status_code == 302
    assert TutoringBooking.objects.filter(user=newcomer).count() == 1
    # once recorded, the page no longer asks
    newcomer.refresh_from_db()
    assert newcomer.consent_version == settings.PRIVACY_NOTICE_VERSION
