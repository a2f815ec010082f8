"""The admin: coordinators see their unit's certificates, search by code, revoke with a reason."""

import pytest
from django.test import Client

from backend.certificates.models import Certificate
from backend.core.models import AuditLog
from tests.factories.certificates import CertificateFactory

pytestmark = pytest.mark.django_db

URL = "/admin/certificates/certificate/"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_coordinator_sees_only_certificates_of_their_unit(coordinator, certificate, holder,
                                                             other_community):
    elsewhere = CertificateFactory(holder=holder, issuer_community=other_community)
    html = _client(coordinator).get(URL).content.decode()
    assert certificate.display_code in html
    assert elsewhere.display_code not in html


def test_search_finds_a_code_typed_loosely_and_filters_by_status(district_admin, certificate,
                                                                   holder):
    other = CertificateFactory(holder=holder)
    client = _client(district_admin)
    html = client.get(URL, {"q": certificate.display_code.lower()}).content.decode()
    assert certificate.display_code in html and other.display_code not in html
    html = client.get(URL, {"q": "欧阳小明"}).content.decode()
    assert certificate.display_code in html
    html = client.get(URL, {"status": "REVOKED"}).content.decode()
    assert certificate.display_code not in html
    html = client.get(URL, {"status": "VALID", "kind__exact": "COURSE_COMPLETION"}).content
    assert certificate.display_code in html.decode()


def test_the_revoke_action_asks_for_a_reason_then_revokes_through_the_service(coordinator,
                                                                                certificate):
    client = _client(coordinator)
    form = client.post(URL, {"action": "revoke_selected", "_selected_action": [certificate.pk]})
    assert form.status_code == 200
    assert "撤销原因" in form.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    done = client.post(URL, {"action": "revoke_selected", "_selected_action": [certificate.pk],
                             "apply": "1", "reason": "信息有误"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_by == coordinator and certificate.revoke_reason == "信息有误"
    assert AuditLog.objects.filter(action="certificate.revoke").count() == 1


def test_residents_cannot_open_the_admin_list(resident, certificate):
    response = _client(resident).get(URL)
    assert response.status_code == 302  # to the admin login: not staff
    assert Certificate.objects.get().revoked_at is None
