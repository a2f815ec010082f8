import json
import logging
import threading
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from celery.exceptions import Retry

from backend.wechat import client as wechat
from backend.wechat import tasks
from backend.wechat.error_codes import WeChatErrorCode
from tests.factories.wechat import WeChatAccountFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/stable_token"
SEND_URL = "https://api.weixin.qq.com/cgi-bin/message/template/send"
DATA = {"first": {"value": "您已报名成功"}, "keyword1": {"value": "微信入门"}}


@pytest.fixture
def account(db):
    return WeChatAccountFactory(slug="weishinan", app_id="wxlinlidemo0000000",
                                app_secret="demo-secret")


def _token(value="TOKEN1", expires_in=7200):
    responses.add(responses.POST, TOKEN_URL, json={"access_token": value,
                                                   "expires_in": expires_in})


def _send(**body):
    responses.add(responses.POST, SEND_URL, json=body)


def _send_token(call) -> str:
    return parse_qs(urlparse(call.request.url).query)["access_token"][0]


@responses.activate
def test_sends_and_returns_msgid_and_caches_the_token(account):
    _token("TOKEN1")
    _send(errcode=0, errmsg="ok", msgid=200228332)
    _send(errcode=0, errmsg="ok", msgid=200228333)

    assert wechat.send_template_message(account, "oUser", "TPL", DATA,
                                        url="https://x/y") == "200228332"
    assert wechat.send_template_message(account, "oUser", "TPL", DATA) == "200228333"

    token_calls = [c for c in responses.calls if c.request.url.startswith(TOKEN_URL)]
    assert len(token_calls) == 1  # the second send reused the cached token
    # the stable token, never forced: a forced refresh would end other processes' token
    assert json.loads(token_calls[0].request.body) == {
        "grant_type": "client_credential", "appid": "wxlinlidemo0000000",
        "secret": "demo-secret", "force_refresh": False}
    body = json.loads(responses.calls[1].request.body)
    assert body == {"touser": "oUser", "template_id": "TPL", "url": "https://x/y", "data": DATA}


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
@responses.activate
def test_token_errors_refresh_once_then_succeed(account, errcode):
    _token("OLD")
    _token("NEW")
    _send(errcode=errcode, errmsg="access_token invalid")
    _send(errcode=0, errmsg="ok", msgid=1)

    assert wechat.send_template_message(account, "oUser", "TPL", DATA) == "1"

    sends = [c for c in responses.calls if c.request.url.startswith(SEND_URL)]
    assert [_send_token(c) for c in sends] == ["OLD", "NEW"]


@responses.activate
def test_token_errors_twice_give_up_after_one_refresh(account):
    _token("A")
    _token("B")
    _send(errcode=40001, errmsg="invalid credential")
    _send(errcode=40001, errmsg="invalid credential")

    with pytest.raises(wechat.WeChatRetryableError) as info:
        wechat.send_template_message(account, "oUser", "TPL", DATA)
    assert info.value.code == WeChatErrorCode.TOKEN_INVALID
    token_calls = [c for c in responses.calls if c.request.url.startswith(TOKEN_URL)]
    assert len(token_calls) == 2  # one initial fetch, exactly one refresh


@responses.activate
def test_quota_is_retryable(account):
    _token()
    _send(errcode=45009, errmsg="reach max api daily quota limit")
    with pytest.raises(wechat.WeChatRetryableError) as info:
        wechat.send_template_message(account, "oUser", "TPL", DATA)
    assert info.value.code == WeChatErrorCode.QUOTA_EXCEEDED
    assert info.value.retryable


@pytest.mark.parametrize("errcode, code", [
    (43004, WeChatErrorCode.NOT_SUBSCRIBED),
    (40003, WeChatErrorCode.OPENID_INVALID),
    (47003, WeChatErrorCode.TEMPLATE_DATA_INVALID),
])
@responses.activate
def test_permanent_errors_are_not_retried(account, errcode, code):
    _token()
    _send(errcode=errcode, errmsg="no")
    with pytest.raises(wechat.WeChatPermanentError) as info:
        wechat.send_template_message(account, "oUser", "TPL", DATA)
    assert info.value.code == code
    assert not info.value.retryable
    sends = [c for c in responses.calls if c.request.url.startswith(SEND_URL)]
    assert len(sends) == 1


@responses.activate
def test_bad_template_data_logs_an_alert_without_the_openid(account, caplog):
    _token()
    _send(errcode=47003, errmsg="argument invalid! data.keyword1.value invalid")
    with caplog.at_level(logging.WARNING, logger="backend.wechat.client"), \
            pytest.raises(wechat.WeChatPermanentError):
        wechat.send_template_message(account, "oSecretOpenid", "TPL", DATA)
    alerts = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert alerts and "ALERT" in alerts[0].getMessage() and "47003" in alerts[0].getMessage()
    assert "oSecretOpenid" not in caplog.text


@responses.activate
def test_network_failure_is_retryable(account):
    _token()
    responses.add(responses.POST, SEND_URL, body=requests.ConnectionError("down"))
    with pytest.raises(wechat.WeChatRetryableError) as info:
        wechat.send_template_message(account, "oUser", "TPL", DATA)
    assert info.value.code == WeChatErrorCode.NETWORK


@responses.activate
def test_http_error_status_is_retryable(account):
    _token()
    responses.add(responses.POST, SEND_URL, status=503)
    with pytest.raises(wechat.WeChatRetryableError):
        wechat.send_template_message(account, "oUser", "TPL", DATA)


@responses.activate
def test_token_fetch_refused_is_permanent_and_logged(account, caplog):
    responses.add(responses.POST, TOKEN_URL, json={"errcode": 40125, "errmsg": "invalid secret"})
    with pytest.raises(wechat.WeChatPermanentError) as info:
        wechat.send_template_message(account, "oUser", "TPL", DATA)
    assert info.value.code == WeChatErrorCode.ACCOUNT_UNAVAILABLE
    assert "demo-secret" not in caplog.text


@responses.activate
def test_every_call_has_a_timeout(account, settings):
    settings.LINLI_WECHAT_HTTP_TIMEOUT_SECONDS = 3
    _token()
    _send(errcode=0, msgid=5)
    wechat.send_template_message(account, "oUser", "TPL", DATA)
    for call in responses.calls:
        assert call.request.req_kwargs["timeout"] == 3


def _concurrent_sends(account, monkeypatch, n=8) -> list:
    """n senders start at once with an empty token store; WeChat's token endpoint is slow.
    Returns the token fetches made."""
    _token("SHARED")
    for _ in range(n):
        _send(errcode=0, msgid=1)
    real_fetch = wechat._Client.fetch_access_token

    def slow_fetch(self):
        threading.Event().wait(0.3)  # the others arrive while this one is fetching
        return real_fetch(self)

    monkeypatch.setattr(wechat._Client, "fetch_access_token", slow_fetch)
    errors = []
    start = threading.Barrier(n)

    def worker():
        start.wait()
        try:
            wechat.send_template_message(account, "oUser", "TPL", DATA)
        except (wechat.WeChatError, requests.RequestException) as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    sends = [c for c in responses.calls if c.request.url.startswith(SEND_URL)]
    assert len(sends) == n
    return [c for c in responses.calls if c.request.url.startswith(TOKEN_URL)]


@responses.activate
def test_only_one_process_refreshes_the_token(account, monkeypatch):
    token_calls = _concurrent_sends(account, monkeypatch)
    assert len(token_calls) == 1


@responses.activate
def test_control_without_the_lock_every_sender_fetches_a_token(account, monkeypatch):
    # given the naive refresh (wechatpy's own behaviour: no lock)
    def naive_refresh(self, stale=None):
        self.fetch_access_token()
        return self.session.get(self.access_token_key)

    monkeypatch.setattr(wechat._Client, "refresh_access_token", naive_refresh)

    # then the same harness sees several fetches, so the test above can catch a regression
    token_calls = _concurrent_sends(account, monkeypatch)
    assert len(token_calls) > 1


@responses.activate
def test_a_token_refreshed_by_another_process_is_not_dropped(account):
    # given a stale token this process used, and a newer one another process stored since
    c = wechat.client_for(account)
    c.session.set(c.access_token_key, "NEWER", 7200)

    # when this process invalidates its stale one
    c.invalidate("STALE")

    # then the newer token stays
    assert c.session.get(c.access_token_key) == "NEWER"


@responses.activate
def test_task_sends_and_does_not_retry_permanent_errors(account):
    _token()
    _send(errcode=0, msgid=77)
    assert tasks.template_message_send.delay(account.pk, "oUser", "TPL", DATA).get() == "77"

    responses.replace(responses.POST, SEND_URL, json={"errcode": 43004, "errmsg": "no"})
    with pytest.raises(wechat.WeChatPermanentError):
        tasks.template_message_send.delay(account.pk, "oUser", "TPL", DATA).get()


@responses.activate
def test_task_retries_retryable_errors(account):
    _token()
    _send(errcode=45009, errmsg="quota")
    with pytest.raises(Retry):
        tasks.template_message_send.apply(args=(account.pk, "oUser", "TPL", DATA),
                                          throw=True)
