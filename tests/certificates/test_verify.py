"""Public verification: GraphQL certificateVerify and the page /verify/<code>."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from backend.certificates import services
from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db

VERIFY = """query V($code: String!) { certificateVerify(code: $code) {
  code displayCode kind status holderName title issuedAt issuer revokedAt validUntil
  verifyUrl } }"""


def test_anyone_can_verify_a_code_and_sees_the_name_masked(certificate):
    result = gql(VERIFY, {"code": certificate.code})
    data = result.data["certificateVerify"]
    assert data["status"] == "VALID"
    assert data["holderName"] == "欧**明"
    assert data["title"] == "如何运营微信公众号"
    assert data["issuer"] == "八大关街道金口路社区"
    assert data["kind"] == "COURSE_COMPLETION"
    assert data["revokedAt"] is None
    assert data["verifyUrl"].endswith(f"/verify/{certificate.code}")


def test_the_code_may_be_typed_in_lower_case_with_a_dash(certificate):
    typed = certificate.display_code.lower()
    assert gql(VERIFY, {"code": typed}).data["certificateVerify"]["code"] == certificate.code


@pytest.mark.parametrize("code", ["ABCDE23456", "nonsense", "", "'; DROP TABLE x; --"])
def test_an_unknown_code_is_null_not_an_error(certificate, code):
    result = gql(VERIFY, {"code": code})
    assert result.errors is None
    assert result.data == {"certificateVerify": None}


def test_a_revoked_certificate_says_so_and_when(certificate, coordinator):
    services.certificate_revoke(actor=coordinator, certificate=certificate, reason="重复颁发")
    data = gql(VERIFY, {"code": certificate.code}).data["certificateVerify"]
    assert data["status"] == "REVOKED"
    assert data["revokedAt"] is not None
    assert data["code"] == certificate.code


def test_an_expired_certificate_says_expired(certificate_factory, holder, community):
    certificate = certificate_factory(holder=holder, issuer_community=community,
                                      valid_until=date(2027, 6, 30))
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2027, 6, 30, 23, 0, tzinfo=shanghai)):
        assert gql(VERIFY, {"code": certificate.code}).data["certificateVerify"]["status"] \
            == "VALID"
    with time_machine.travel(datetime(2027, 7, 1, 0, 30, tzinfo=shanghai)):
        assert gql(VERIFY, {"code": certificate.code}).data["certificateVerify"]["status"] \
            == "EXPIRED"
        page = Client().get(f"/verify/{certificate.code}")
        assert "已过期" in page.content.decode()


# --- The page -----------------------------------------------------------------------------
def test_the_page_shows_status_masked_name_title_issuer_and_date(certificate):
    response = Client().get(f"/verify/{certificate.code}")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert 'name="viewport"' in html
    assert "有效" in html
    assert "欧**明" in html and "欧阳小明" not in html
    assert "如何运营微信公众号" in html
    assert "八大关街道金口路社区" in html
    assert certificate.display_code in html
    assert "12学时" in html


def test_the_page_of_a_revoked_certificate_says_revoked_without_the_reason(certificate,
                                                                             coordinator):
    services.certificate_revoke(actor=coordinator, certificate=certificate,
                                reason="内部原因：材料造假")
    response = Client().get(f"/verify/{certificate.display_code.lower()}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "已撤销" in html
    assert "撤销日期" in html
    assert "材料造假" not in html


@pytest.mark.parametrize("code", ["ABCDE23456", "not-a-code", "%E4%B8%AD%E6%96%87"])
def test_an_unknown_code_is_a_404_page(db, code):
    response = Client().get(f"/verify/{code}")
    assert response.status_code == 404
    assert "未找到该证书编号" in response.content.decode()


# --- Rate limit ---------------------------------------------------------------------------
@time_machine.travel(datetime(2026, 11, 25, 10, 0, 5, tzinfo=ZoneInfo("UTC")), tick=False)
def test_lookups_are_rate_limited_per_client_ip(certificate):
    client = Client(REMOTE_ADDR="10.0.0.1")
    # 30 lookups a minute from one address are answered, mixed between page and API
    for i in range(15):
        assert client.get(f"/verify/{certificate.code}").status_code == 200
        assert gql(VERIFY, {"code": f"ZZZZZ{i:05d}"}, client=client).errors is None
    # the 31st is refused, on the page and in the API
    refused = client.get(f"/verify/{certificate.code}")
    assert refused.status_code == 429
    assert "查询过于频繁" in refused.content.decode()
    result = gql(VERIFY, {"code": certificate.code}, client=client)
    assert result.error_codes == ["RATE_LIMITED"]
    assert result.data == {"certificateVerify": None}
    # another address is not affected
    assert Client(REMOTE_ADDR="10.0.0.2").get(f"/verify/{certificate.code}").status_code == 200


def test_the_limit_resets_in_the_next_minute(certificate):
    client = Client(REMOTE_ADDR="10.0.0.3")
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, 1, tzinfo=ZoneInfo("UTC")),
                             tick=False):
        for _ in range(30):
            client.get(f"/verify/{certificate.code}")
        assert client.get(f"/verify/{certificate.code}").status_code == 429
    with time_machine.travel(datetime(2026, 11, 25, 10, 1, 1, tzinfo=ZoneInfo("UTC")),
                             tick=False):
        assert client.get(f"/verify/{certificate.code}").status_code == 200


@time_machine.travel(datetime(2026, 11, 25, 10, 0, 5, tzinfo=ZoneInfo("UTC")), tick=False)
def test_a_forged_forwarded_for_does_not_escape_the_lookup_limit(certificate, settings):
    client = Client(REMOTE_ADDR="10.0.0.4")
    for i in range(30):
        client.get(f"/verify/{certificate.code}", HTTP_X_FORWARDED_FOR=f"7.7.7.{i}")
    assert client.get(f"/verify/{certificate.code}",
                      HTTP_X_FORWARDED_FOR="8.8.8.8").status_code == 429
    # Behind a trusted proxy, the forwarded client address is what is limited.
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client.get(f"/verify/{certificate.code}",
                      HTTP_X_FORWARDED_FOR="8.8.8.8").status_code == 200
