"""Access matrices: the PDF download, myCertificates and certificateRevoke."""

import hashlib
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from backend.certificates.models import Certificate
from backend.certificates.services import certificate_revoke
from backend.core.models import AuditLog
from frontend_api.certificates.types import CertificateType
from tests.factories.certificates import CertificateFactory
from tests.helpers.graphql import gql, token_for
from tests.helpers.queries import assert_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(role_users, holder):
    return {**role_users, "holder": holder}


def _get_pdf(code, user=None, client=None):
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(user)}"} if user else {}
    return client.get(f"/api/certificates/{code}.pdf", **headers)


# --- GET /api/certificates/<code>.pdf -------------------------------------------------------
@pytest.mark.parametrize("who, status", [
    ("anonymous", 401),
    ("resident", 404),
    ("volunteer", 404),
    ("community_staff", 404),
    ("other_coordinator", 404),
    ("holder", 200),
    ("coordinator", 200),
    ("district_admin", 200),
])
def test_pdf_download_access_matrix(users, certificate, who, status):
    response = _get_pdf(certificate.code, users[who])
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert hashlib.sha256(response.content).hexdigest() == certificate.pdf_sha256
    else:
        assert not response.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_an_unknown_code_looks_exactly_like_a_forbidden_one(users, certificate, who):
    known = _get_pdf(certificate.code, users[who])
    unknown = _get_pdf("ABCDE23456", users[who])
    assert known.status_code == unknown.status_code
    assert known.content == unknown.content


def test_the_pdf_is_served_to_a_browser_session_too(holder, certificate):
    client = Client()
    client.force_login(holder)
    assert _get_pdf(certificate.display_code.lower(), client=client).status_code == 200


def test_a_revoked_certificates_pdf_is_gone(holder, certificate, coordinator):
    certificate_revoke(actor=coordinator, certificate=certificate, reason="重复颁发")
    response = _get_pdf(certificate.code, holder)
    assert response.status_code == 410
    assert "撤销" in response.json()["detail"]
    assert response.json()["verifyUrl"].endswith(f"/verify/{certificate.code}")


def test_a_district_certificate_is_downloadable_by_admins_not_street_coordinators(
        holder, coordinator, district_admin):
    district = CertificateFactory(holder=holder)
    assert _get_pdf(district.code, coordinator).status_code == 404
    assert _get_pdf(district.code, district_admin).status_code == 200


# --- myCertificates -----------------------------------------------------------------------
MINE = "{ myCertificates { id code kind title issuedAt status pdfUrl verifyUrl } }"


@pytest.mark.parametrize("who", ["anonymous", "resident", "volunteer", "community_staff",
                                 "other_coordinator", "coordinator", "district_admin",
                                 "holder"])
def test_my_certificates_access_matrix(users, certificate, who):
    # given the holder's certificate and one of the resident's
    theirs = CertificateFactory(holder=users["resident"], source_key="resident:1")
    result = gql(MINE, user=users[who])
    if who == "anonymous":
        assert result.error_codes == ["UNAUTHENTICATED"]
        assert result.data is None or result.data.get("myCertificates") is None
        return
    codes = [c["code"] for c in result.data["myCertificates"]]
    expected = {"holder": [certificate.code], "resident": [theirs.code]}.get(who, [])
    assert codes == expected


def test_my_certificates_fields(holder, certificate):
    [data] = gql(MINE, user=holder).data["myCertificates"]
    assert data["kind"] == "COURSE_COMPLETION"
    assert data["status"] == "VALID"
    assert data["title"] == "如何运营微信公众号"
    assert data["pdfUrl"].endswith(f"/api/certificates/{certificate.code}.pdf")
    assert data["verifyUrl"].endswith(f"/verify/{certificate.code}")


def test_my_certificates_query_count_is_flat(holder, community):
    CertificateFactory(holder=holder, issuer_community=community)
    token_for(holder)  # the token exists before counting
    with assert_query_count("myCertificates") as one:
        gql(MINE, user=holder)
    for _ in range(49):
        CertificateFactory(holder=holder, issuer_community=community)
    with assert_query_count("myCertificates") as fifty:
        gql(MINE, user=holder)
    assert len(gql(MINE, user=holder).data["myCertificates"]) == 50
    assert len(one) == len(fifty)


# --- certificateRevoke --------------------------------------------------------------------
REVOKE = """mutation R($code: String!, $reason: String!) {
  certificateRevoke(code: $code, reason: $reason) {
    certificate { code status verifyUrl } errors { field code message } } }"""


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"),
    ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"),
    ("community_staff", "PERMISSION_DENIED"),
    ("holder", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"),
    ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_certificate_revoke_access_matrix(users, certificate, who, outcome):
    audit_before = AuditLog.objects.count()
    result = gql(REVOKE, {"code": certificate.display_code, "reason": "学员信息有误"},
                 user=users[who])
    certificate.refresh_from_db()
    if outcome == "ok":
        payload = result.data["certificateRevoke"]
        assert payload["errors"] == []
        assert payload["certificate"]["status"] == "REVOKED"
        # the code and URL stay; who and why are recorded
        assert payload["certificate"]["code"] == certificate.code
        assert payload["certificate"]["verifyUrl"].endswith(f"/verify/{certificate.code}")
        assert certificate.revoked_by == users[who]
        assert certificate.revoke_reason == "学员信息有误"
        entry = AuditLog.objects.get(action="certificate.revoke")
        assert entry.actor == users[who]
        assert entry.detail == {"code": certificate.code, "reason": "学员信息有误"}
        return
    assert result.data == {"certificateRevoke": None}
    assert result.error_codes == [outcome]
    assert certificate.revoked_at is None and certificate.revoked_by is None
    assert AuditLog.objects.count() == audit_before


def test_revoking_twice_is_already_revoked_and_keeps_the_first_record(certificate, coordinator,
                                                                      district_admin):
    gql(REVOKE, {"code": certificate.code, "reason": "第一次"}, user=coordinator)
    result = gql(REVOKE, {"code": certificate.code, "reason": "第二次"}, user=district_admin)
    assert [e["code"] for e in result.data["certificateRevoke"]["errors"]] == ["ALREADY_REVOKED"]
    certificate.refresh_from_db()
    assert (certificate.revoked_by, certificate.revoke_reason) == (coordinator, "第一次")


@pytest.mark.parametrize("code, reason, error", [
    ("ABCDE23456", "原因", "NOT_FOUND"),
    ("garbage", "原因", "NOT_FOUND"),
    (None, "  ", "REQUIRED"),
])
def test_revoke_input_errors(certificate, coordinator, code, reason, error):
    result = gql(REVOKE, {"code": code or certificate.code, "reason": reason}, user=coordinator)
    assert [e["code"] for e in result.data["certificateRevoke"]["errors"]] == [error]
    assert not Certificate.objects.filter(revoked_at__isnull=False).exists()


def test_revocation_changes_the_page_and_the_api_but_keeps_the_code(certificate, coordinator,
                                                                    holder):
    page_before = Client().get(f"/verify/{certificate.code}").content.decode()
    assert "有效" in page_before and "已撤销" not in page_before
    gql(REVOKE, {"code": certificate.code, "reason": "重复颁发"}, user=coordinator)
    page_after = Client().get(f"/verify/{certificate.code}")
    assert page_after.status_code == 200
    assert "已撤销" in page_after.content.decode()
    [mine] = gql(MINE, user=holder).data["myCertificates"]
    assert (mine["code"], mine["status"]) == (certificate.code, "REVOKED")
    assert Certificate.objects.get().code == certificate.code


def test_a_certificate_node_resolves_only_for_those_who_may_download_it(users, certificate):
    def node_for(user):
        info = SimpleNamespace(context=SimpleNamespace(user=user or AnonymousUser()))
        return CertificateType.get_node(info, certificate.pk)

    assert node_for(users["holder"]) == certificate
    assert node_for(users["coordinator"]) == certificate
    for who in ("anonymous", "resident", "other_coordinator"):
        assert node_for(users[who]) is None
