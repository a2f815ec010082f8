"""Linli's real WeChat client, notification channel and binding pages against the bundled
fake WeChat over loopback HTTP (no `responses` stubs): the origins come from settings."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import xmltodict

from backend.notifications import tasks
from backend.notifications.models import NotificationStatus
from backend.wechat import client as wechat
from backend.wechat import signatures
from backend.wechat.error_codes import WeChatErrorCode
from backend.wechat.models import WeChatBinding
from tests.factories.notifications import NotificationFactory
from tests.factories.wechat import (
    SafeWeChatAccountFactory,
    WeChatAccountFactory,
    WeChatBindingFactory,
)

pytestmark = pytest.mark.django_db

SEND_PATH = "/cgi-bin/message/template/send"
DATA = {"thing1": {"value": "微信入门"}, "time2": {"value": "2026年11月26日 14:00"}}


@pytest.fixture
def account(db):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                app_secret="demo-secret", token="linlidemotoken")


@pytest.fixture
def fake(fake_wechat, account):
    fake_wechat.register(account, templates=["TPL", "TPL_JOB_OFFERED"], followers=[
        {"openid": "oResident0001", "unionid": "uResident", "nickname": "林奶奶"},
        {"openid": "oGone", "subscribed": False}])
    return fake_wechat


def _kinds(fake, **filters):
    return [c["kind"] for c in fake.control.calls(**filters)]


# --- tokens and template messages --------------------------------------------------------
def test_the_client_gets_a_stable_token_and_the_fake_records_the_message(fake, account):
    msgid = wechat.send_template_message(account, "oResident0001", "TPL", DATA,
                                         url="https://linli.example/x")
    again = wechat.send_template_message(account, "oResident0001", "TPL", DATA)

    assert msgid and again and msgid != again
    assert _kinds(fake, appid=account.app_id) == ["stable_token", "template", "template"]
    sent = fake.control.messages(appid=account.app_id, openid="oResident0001")
    assert [m["result"]["msgid"] for m in sent] == [int(msgid), int(again)]
    assert sent[0]["body"] == {"touser": "oResident0001", "template_id": "TPL",
                               "url": "https://linli.example/x", "data": DATA}


def test_a_too_long_thing_value_is_refused_as_bad_template_data(fake, account):
    with pytest.raises(wechat.WeChatPermanentError) as info:
        wechat.send_template_message(account, "oResident0001", "TPL",
                                     {"thing1": {"value": "一" * 21}})
    assert info.value.code == WeChatErrorCode.TEMPLATE_DATA_INVALID
    assert info.value.errcode == 47003
    assert fake.control.messages() == []


def test_an_injected_40001_makes_the_client_refresh_once(fake, account):
    fake.control.inject_error(SEND_PATH, errcode=40001)

    assert wechat.send_template_message(account, "oResident0001", "TPL", DATA)

    assert _kinds(fake) == ["stable_token", "fault", "stable_token", "template"]
    assert len(fake.control.messages(openid="oResident0001")) == 1


def test_a_token_refused_twice_gives_up_after_one_refresh(fake, account):
    fake.control.inject_error(SEND_PATH, errcode=42001, count=2)
    with pytest.raises(wechat.WeChatRetryableError) as info:
        wechat.send_template_message(account, "oResident0001", "TPL", DATA)
    assert info.value.code == WeChatErrorCode.TOKEN_INVALID
    assert _kinds(fake).count("stable_token") == 2


def test_an_expired_token_is_replaced(fake, account):
    wechat.send_template_message(account, "oResident0001", "TPL", DATA)
    fake.control.expire_tokens(account.app_id)

    assert wechat.send_template_message(account, "oResident0001", "TPL", DATA)

    calls = fake.control.calls()
    assert [c["errcode"] for c in calls if c["kind"] == "template"] == [0, 42001, 0]


@pytest.mark.parametrize("fault, error, code", [
    ({"errcode": 45009}, wechat.WeChatRetryableError, WeChatErrorCode.QUOTA_EXCEEDED),
    ({"errcode": 43004}, wechat.WeChatPermanentError, WeChatErrorCode.NOT_SUBSCRIBED),
    ({"errcode": 48001}, wechat.WeChatPermanentError, WeChatErrorCode.ACCOUNT_UNAVAILABLE),
    ({"http_status": 502}, wechat.WeChatRetryableError, WeChatErrorCode.NETWORK),
    ({"timeout": True, "hang_seconds": 3}, wechat.WeChatRetryableError,
     WeChatErrorCode.NETWORK),
])
def test_injected_faults_are_classified(fake, account, settings, fault, error, code):
    settings.LINLI_WECHAT_HTTP_TIMEOUT_SECONDS = 0.5
    fake.control.inject_error(SEND_PATH, **fault)
    with pytest.raises(error) as info:
        wechat.send_template_message(account, "oResident0001", "TPL", DATA)
    assert info.value.code == code


def test_a_wrong_secret_is_a_permanent_token_failure(fake, account):
    account.app_secret = "not-the-secret"
    with pytest.raises(wechat.WeChatPermanentError) as info:
        wechat.send_template_message(account, "oResident0001", "TPL", DATA)
    assert info.value.code == WeChatErrorCode.ACCOUNT_UNAVAILABLE
    assert info.value.errcode == 40125


# --- the notification channel ----------------------------------------------------------
@pytest.fixture
def bound_resident(account, resident, settings):
    settings.LINLI_WECHAT_TEMPLATE_IDS = {"*": {"JOB_OFFERED": "TPL_JOB_OFFERED"}}
    WeChatBindingFactory(account=account, openid="oResident0001", user=resident)
    return resident


def _deliver(notification):
    tasks.deliver.delay(notification.pk)
    notification.refresh_from_db()
    return notification


def test_a_notification_reaches_the_fake(fake, bound_resident):
    notification = _deliver(NotificationFactory(user=bound_resident))

    assert notification.status == NotificationStatus.SENT
    sent = fake.control.messages(openid="oResident0001", kind="template")
    assert [str(m["result"]["msgid"]) for m in sent] == [notification.channel_ref]
    # WeChat's current format: keywords only, no first/remark
    assert sent[0]["body"]["data"] == {"thing1": {"value": "理发"},
                                       "time2": {"value": "11月26日 14:00–15:00"},
                                       "thing3": {"value": "—"}}


def test_the_channel_fails_bad_template_data_without_retrying(fake, bound_resident):
    long_thing = {"thing1": {"value": "您有一个新的上门服务派单，请尽快确认是否接受"}}
    with mock.patch("backend.notifications.channels.wechat_template_data",
                    return_value=long_thing):
        notification = _deliver(NotificationFactory(user=bound_resident))

    assert notification.status == NotificationStatus.FAILED
    assert "TEMPLATE_DATA_INVALID" in notification.last_error
    assert "47003" in notification.last_error
    assert [c["errcode"] for c in fake.control.calls(kind="template")] == [47003]


def test_a_line_break_in_a_keyword_is_normalised_so_wechat_accepts_it(fake, bound_resident):
    notification = _deliver(NotificationFactory(
        user=bound_resident, data={"keywords": ["第一行\n第二行", "11月26日\r\n14:00"]}))

    assert notification.status == NotificationStatus.SENT
    data = fake.control.messages(kind="template")[0]["body"]["data"]
    assert data["thing1"] == {"value": "第一行 第二行"}
    assert data["time2"] == {"value": "11月26日 14:00"}


def test_an_unfollowed_person_is_marked_unsubscribed(fake, account, bound_resident):
    fake.control.add_follower(account.app_id, "oResident0001", subscribed=False)

    notification = _deliver(NotificationFactory(user=bound_resident))

    assert notification.status == NotificationStatus.FAILED
    assert "NOT_SUBSCRIBED" in notification.last_error
    assert not WeChatBinding.objects.get(openid="oResident0001").subscribed


# --- OAuth ---------------------------------------------------------------------------------
def test_binding_through_the_fakes_oauth_page(fake, account, client, resident, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    client.force_login(resident)

    # Linli sends the browser to the fake's /connect/oauth2/authorize
    start = client.get(f"/wechat/{account.slug}/bind")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{fake.base_url}/connect/oauth2/authorize?")
    assert authorize.endswith("#wechat_redirect")

    # without a chosen follower the fake asks which one
    page = requests.get(authorize, allow_redirects=False, timeout=5)
    assert page.status_code == 200 and "oResident0001" in page.text and "林奶奶" in page.text

    # choosing one redirects back to Linli with a code and the state
    back = requests.get(authorize.split("#")[0] + "&openid=oResident0001",
                        allow_redirects=False, timeout=5)
    assert back.status_code == 302
    location = urlparse(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        f"http://127.0.0.1:8000/wechat/{account.slug}/oauth/"
    query = parse_qs(location.query)
    assert query["state"] == parse_qs(urlparse(authorize).query)["state"]

    done = client.get(location.path, {"code": query["code"][0], "state": query["state"][0]})
    assert done.status_code == 302
    assert "绑定成功" in client.get(done["Location"]).content.decode()
    assert WeChatBinding.objects.get(account=account, openid="oResident0001").user == resident


def test_a_preset_follower_is_signed_in_at_once_and_a_code_works_once(fake, account):
    fake.control.set_current_follower(account.app_id, "oResident0001")
    url = wechat.oauth_authorize_url(account, redirect_uri="https://linli.example/cb?a=1",
                                     state="S1")

    back = requests.get(url, allow_redirects=False, timeout=5)

    assert back.status_code == 302
    location = urlparse(back.headers["Location"])
    query = parse_qs(location.query)
    assert location.netloc == "linli.example" and query["a"] == ["1"]
    assert query["state"] == ["S1"]
    assert wechat.oauth_openid(account, code=query["code"][0]) == "oResident0001"
    with pytest.raises(wechat.WeChatPermanentError) as info:
        wechat.oauth_openid(account, code=query["code"][0])
    assert info.value.code == WeChatErrorCode.OAUTH_FAILED and info.value.errcode == 40163

    # the code exchange also carries the unionid when the follower has one
    code = parse_qs(urlparse(requests.get(url, allow_redirects=False, timeout=5)
                             .headers["Location"]).query)["code"][0]
    answer = requests.get(f"{fake.base_url}/sns/oauth2/access_token", timeout=5, params={
        "appid": account.app_id, "secret": account.app_secret, "code": code,
        "grant_type": "authorization_code"}).json()
    assert answer["openid"] == "oResident0001" and answer["unionid"] == "uResident"


# --- followers, menus, media, customer-service and mass messages ---------------------------
def test_user_get_pages_through_25000_followers_once_each(fake, account):
    openids = [f"oF{i:026d}" for i in range(25_000)]
    fake.control.add_followers(account.app_id, [{"openid": o} for o in openids])
    expected = ["oResident0001", *openids]  # oGone has unfollowed

    got = list(wechat.follower_openids(account))

    assert got == expected
    assert len(set(got)) == len(got) == 25_001
    assert _kinds(fake, kind="user_get").count("user_get") == 3


def test_followers_info_batches_by_a_hundred(fake, account):
    fake.control.add_followers(account.app_id, [{"openid": f"oB{i}"} for i in range(149)])
    infos = wechat.followers_info(account, ["oResident0001"] + [f"oB{i}" for i in range(149)])
    assert len(infos) == 150 and infos[0]["unionid"] == "uResident"
    assert len(fake.control.calls(kind="batchget")) == 2


def test_menu_custom_message_and_media(fake, account):
    menu = {"button": [{"type": "click", "name": "课程", "key": "课程"}]}
    wechat.menu_create(account, menu)
    wechat.send_custom_text(account, "oResident0001", "正在处理…")
    media_id = fake.control.add_media(account.app_id, b"\xff\xd8\xff-jpeg-bytes")

    assert wechat.media_download(account, media_id) == (b"\xff\xd8\xff-jpeg-bytes",
                                                        "image/jpeg")
    assert fake.control.account(account.app_id)["menu"] == menu
    custom = fake.control.messages(openid="oResident0001", kind="custom")
    assert custom[0]["body"]["text"] == {"content": "正在处理…"}
    with pytest.raises(wechat.WeChatPermanentError) as info:
        wechat.media_download(account, "no-such-media")
    assert info.value.errcode == 40007


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, body.decode()))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_mass_send_posts_a_signed_masssendjobfinish_to_the_callback(fake, account, receiver):
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/wechat/{account.slug}/"
    fake.register(account, callback_url=callback)
    fake.control.add_follower(account.app_id, "oRefuses", errcode=43004)

    msg_id = wechat.send_mass_text(account, ["oResident0001", "oGone", "oRefuses"], "通知")

    assert _wait_for(lambda: receiver.received)
    path, body = receiver.received[0]
    query = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
    assert signatures.check_url_signature(token=account.token, signature=query["signature"],
                                          timestamp=query["timestamp"], nonce=query["nonce"])
    assert signatures.timestamp_fresh(query["timestamp"])
    event = xmltodict.parse(body)["xml"]
    assert event["MsgType"] == "event" and event["Event"] == "MASSSENDJOBFINISH"
    assert event["MsgID"] == msg_id
    assert (event["TotalCount"], event["FilterCount"], event["SentCount"],
            event["ErrorCount"]) == ("3", "2", "1", "1")
    assert fake.control.mass_job(msg_id)["delivered"] is True
    mass = fake.control.messages(kind="mass")
    assert mass[0]["openids"] == ["oResident0001"]


def test_mass_send_refuses_one_openid_before_calling_wechat(fake, account):
    with pytest.raises(ValueError):
        wechat.send_mass_text(account, ["oResident0001"], "通知")
    assert fake.control.calls(kind="mass") == []


@pytest.mark.django_db(transaction=True)
def test_linlis_own_callback_accepts_the_fakes_signed_posts(fake, account, live_server):
    fake.register(account, callback_url=f"{live_server.url}/wechat/{account.slug}/")

    msg_id = wechat.send_mass_text(account, ["oResident0001", "oGone"], "通知")
    assert _wait_for(lambda: fake.control.mass_job(msg_id)["callback_status"] is not None)
    job = fake.control.mass_job(msg_id)
    assert job["callback_status"] == 200 and job["callback_body"] == "success"

    # a follower's message goes the same way, and Linli's passive reply is recorded
    answer = fake.control.inbound(account.app_id, "oResident0001", "帮助")
    assert answer["callback_status"] == 200 and answer["reply"]
    replies = fake.control.messages(openid="oResident0001", kind="reply")
    assert replies[0]["body"]["content"] == answer["reply"]


@pytest.mark.django_db(transaction=True)
def test_safe_mode_callbacks_are_encrypted_and_linli_opens_them(fake_wechat, live_server):
    safe = SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区")
    fake_wechat.register(safe, followers=["oSafe1", "oSafe2"],
                         encoding_aes_key=safe.encoding_aes_key,
                         callback_url=f"{live_server.url}/wechat/{safe.slug}/")

    msg_id = wechat.send_mass_text(safe, ["oSafe1", "oSafe2"], "通知")
    assert _wait_for(lambda: fake_wechat.control.mass_job(msg_id)["callback_status"]
                     is not None)
    assert fake_wechat.control.mass_job(msg_id)["callback_status"] == 200

    # Linli's encrypted reply is opened by the fake (MsgSignature and appid checked)
    answer = fake_wechat.control.inbound(safe.app_id, "oSafe1", "帮助")
    assert answer["callback_status"] == 200 and answer["encrypted"] is True
    assert "金口路社区" in answer["reply"]
