"""`/me/data/`: a person sees what is kept about her and downloads it (both audit-logged);
she withdraws her consent, and the next booking asks for it again."""

import json

import pytest
from django.conf import settings

from backend.core.models import AuditLog
from tests.factories.accounts import UserFactory
from tests.factories.certificates import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(community):
    user = UserFactory(community=community, phone="13912345678", address="金口路1号")
    CertificateFactory(holder=user)
    return user


def test_she_sees_her_data_unmasked_and_the_view_is_audited(client, person):
    client.force_login(person)
    page = client.get("/me/data/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "13912345678" in text and "金口路1号" in text  # her own: unmasked
    assert settings.PRIVACY_NOTICE_VERSION in text
    assert "证书（1）" in text
    assert AuditLog.objects.filter(action="account.data_view", actor=person).count() == 1


def test_she_downloads_her_data_as_json_and_the_export_is_audited(client, person):
    client.force_login(person)
    response = client.get("/me/data/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="linli-my-data.json"'
    data = json.loads(response.content)
    assert data["账号"]["手机号"] == "13912345678"
    assert data["账号"]["同意的隐私声明版本"] == settings.PRIVACY_NOTICE_VERSION
    assert len(data["证书"]) == 1 and data["志愿者"] is None
    assert AuditLog.objects.get(action="account.data_export").object_id == str(person.pk)


def test_only_signed_in_people_see_only_their_own(client, person, community):
    assert client.get("/me/data/download/").status_code == 302  # to the login
    other = UserFactory(community=community)
    client.force_login(other)
    assert "13912345678" not in client.get("/me/data/download/").content.decode()


def test_withdrawing_consent_clears_it_and_the_next_booking_asks_again(client, person, gql):
    client.force_login(person)
    assert client.get("/me/consent/withdraw/").status_code == 405  # POST only
    assert client.post("/me/consent/withdraw/").status_code == 302
    person.refresh_from_db()
    assert person.consent_version == "" and person.consented_at is None
    entry = AuditLog.objects.get(action="account.consent_withdraw")
    assert entry.detail == {"consent_version": settings.PRIVACY_NOTICE_VERSION}
    assert "您目前没有同意隐私声明" in client.get("/me/data/").content.decode()
