"""Probe row 3 (brute force): one limiter on every credential check; failures only, per
client address and per (username, address); RATE_LIMITED / HTTP 429 with Retry-After."""

import json

import pytest
from django.test import Client, RequestFactory

from backend.core.context import client_ip
from tests.factories.wechat import WeChatAccountFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-pass-123"


def _token_create(client, username, password, *, aliases=1, forwarded="", address="10.0.0.9"):
    fields = " ".join(
        f'a{i}: tokenCreate(username: "{username}", password: "{password}") '
        "{ token errors { code } }" for i in range(aliases))
    response = client.post("/graphql/", data=json.dumps({"query": f"mutation {{ {fields} }}"}),
                           content_type="application/json", REMOTE_ADDR=address,
                           HTTP_X_FORWARDED_FOR=forwarded)
    data = response.json()["data"]
    return [data[f"a{i}"] for i in range(aliases)]


@pytest.fixture
def limits(settings):
    settings.LINLI_SIGNIN_FAILURES_PER_USERNAME = 10
    settings.LINLI_SIGNIN_FAILURES_PER_ADDRESS = 30
    return settings


def test_the_probe_100_failures_with_aliases_and_forged_headers(limits, resident):
    client = Client()
    codes = []
    # 20 aliases in one request count 20 attempts; the X-Forwarded-For changes every
    # request but the peer is not a trusted proxy, so it is never read.
    for payload in _token_create(client, resident.username, "wrong", aliases=20,
                                 forwarded="1.2.3.4"):
        codes.append(payload["errors"][0]["code"])
    for n in range(80):
        payload = _token_create(client, resident.username, "wrong", forwarded=f"9.9.9.{n}")[0]
        codes.append(payload["errors"][0]["code"])
    assert codes[:10] == ["INVALID_CREDENTIALS"] * 10
    assert codes[10:] == ["RATE_LIMITED"] * 90
    # Even the right password is refused from this address now.
    assert _token_create(client, resident.username, PASSWORD)[0]["errors"][0]["code"] == \
        "RATE_LIMITED"
    # The real user signs in from another address.
    ok = _token_create(client, resident.username, PASSWORD, address="10.0.0.77")[0]
    assert ok["errors"] == [] and ok["token"]


def test_spraying_many_usernames_hits_the_address_limit(limits, resident):
    client = Client()
    codes = [_token_create(client, f"nobody{n}", "wrong")[0]["errors"][0]["code"]
             for n in range(35)]
    assert codes[:30] == ["INVALID_CREDENTIALS"] * 30
    assert set(codes[30:]) == {"RATE_LIMITED"}


def test_a_classroom_behind_one_address_is_not_blocked_by_successes(limits, resident):
    client = Client()
    for _ in range(40):
        assert _token_create(client, resident.username, PASSWORD)[0]["token"]


def test_rest_token_endpoint_answers_429_with_retry_after(limits, resident):
    client = Client()
    for _ in range(10):
        response = client.post("/api/auth/token/", {"username": resident.username,
                                                     "password": "x"})
        assert response.status_code == 400
    response = client.post("/api/auth/token/", {"username": resident.username,
                                                 "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_login_pages_share_the_limiter(limits, resident, path):
    # Failures through the GraphQL API count against the page logins too (one limiter).
    _token_create(Client(), resident.username, "wrong", aliases=10, address="127.0.0.1")
    response = Client().post(path, {"username": resident.username, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_wechat_binding_login_shares_the_limiter(limits, resident, street):
    wechat_account = WeChatAccountFactory(slug="weishinan")
    _token_create(Client(), resident.username, "wrong", aliases=10, address="127.0.0.1")
    response = Client().post(f"/wechat/{wechat_account.slug}/login/",
                             {"username": resident.username, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_client_address_trusts_forwarded_for_only_from_trusted_proxies(settings):
    factory = RequestFactory()
    forged = factory.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client_ip(forged) == "203.0.113.5"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.2",
                          HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.3")
    assert client_ip(proxied) == "198.51.100.7"
