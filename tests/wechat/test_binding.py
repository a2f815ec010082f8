from urllib.parse import parse_qs, urlparse

import pytest
import responses

from backend.core.models import AuditLog
from backend.wechat import selectors, services
from backend.wechat.models import WeChatBinding
from tests.factories.accounts import PASSWORD
from tests.factories.wechat import WeChatBindingFactory

pytestmark = pytest.mark.django_db

OAUTH_TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"


def _oauth_ok(openid="oBoundViaOAuth"):
    responses.add(responses.GET, OAUTH_TOKEN_URL, json={
        "access_token": "ACCESS", "expires_in": 7200, "refresh_token": "REFRESH",
        "openid": openid, "scope": "snsapi_base"})


def _start(client, account):
    """Open the bind link; returns the state WeChat will hand back."""
    response = client.get(f"/wechat/{account.slug}/bind")
    assert response.status_code == 302
    url = urlparse(response["Location"])
    assert url.netloc == "open.weixin.qq.com"
    query = parse_qs(url.query)
    assert query["appid"] == [account.app_id]
    assert query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == [f"http://127.0.0.1:8000/wechat/{account.slug}/oauth/"]
    return query["state"][0]


@responses.activate
def test_logged_in_user_binds_through_oauth(client, account, resident, settings):
    # given a resident logged in to Linli who opens the bind link inside WeChat
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    client.force_login(resident)
    state = _start(client, account)
    _oauth_ok("oResidentOAuth")

    # when WeChat redirects back with a code
    response = client.get(f"/wechat/{account.slug}/oauth/", {"code": "CODE", "state": state})
    assert response.status_code == 302
    done = client.get(response["Location"])

    # then the openid from the code exchange is bound to the resident
    assert done.status_code == 200
    assert "绑定成功" in done.content.decode()
    binding = WeChatBinding.objects.get(account=account, openid="oResidentOAuth")
    assert binding.user == resident and binding.bound_at is not None
    assert parse_qs(urlparse(responses.calls[0].request.url).query)["code"] == ["CODE"]
    assert AuditLog.objects.filter(action="wechat.binding.bind").count() == 1


@responses.activate
def test_anonymous_follower_logs_in_with_the_chinese_form_then_is_bound(
        client, account, resident, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    state = _start(client, account)
    _oauth_ok("oLaterLogin")

    # when WeChat redirects back, the follower is sent to the login form
    response = client.get(f"/wechat/{account.slug}/oauth/", {"code": "C", "state": state})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/wechat/{account.slug}/login/?next=")
    page = client.get(response["Location"])
    assert "登录邻里" in page.content.decode()
    assert not WeChatBinding.objects.filter(openid="oLaterLogin").exists()

    # a wrong password keeps them on the form
    wrong = client.post(response["Location"], {"username": resident.username,
                                               "password": "nope"})
    assert wrong.status_code == 200 and "不对" in wrong.content.decode()

    # the right password logs in and binds
    ok = client.post(response["Location"], {"username": resident.username,
                                            "password": PASSWORD})
    assert ok.status_code == 302
    done = client.get(ok["Location"])
    assert "绑定成功" in done.content.decode()
    assert WeChatBinding.objects.get(openid="oLaterLogin").user == resident


@responses.activate
def test_oauth_with_a_wrong_state_binds_nothing(client, account, resident):
    client.force_login(resident)
    _start(client, account)
    _oauth_ok()
    response = client.get(f"/wechat/{account.slug}/oauth/", {"code": "C", "state": "forged"})
    assert response.status_code == 400
    assert len(responses.calls) == 0
    assert not WeChatBinding.objects.exists()


@responses.activate
def test_oauth_without_a_started_flow_binds_nothing(client, account, resident):
    client.force_login(resident)
    response = client.get(f"/wechat/{account.slug}/oauth/", {"code": "C", "state": "x"})
    assert response.status_code == 400
    assert not WeChatBinding.objects.exists()


@responses.activate
def test_oauth_code_refused_by_wechat(client, account, resident):
    client.force_login(resident)
    state = _start(client, account)
    responses.add(responses.GET, OAUTH_TOKEN_URL,
                  json={"errcode": 40029, "errmsg": "invalid code"})
    response = client.get(f"/wechat/{account.slug}/oauth/", {"code": "BAD", "state": state})
    assert response.status_code == 400
    assert "没有成功" in response.content.decode()
    assert not WeChatBinding.objects.exists()


@responses.activate
def test_oauth_wechat_unreachable_is_503_not_500(client, account, resident):
    client.force_login(resident)
    state = _start(client, account)
    responses.add(responses.GET, OAUTH_TOKEN_URL, status=502)
    response = client.get(f"/wechat/{account.slug}/oauth/", {"code": "C", "state": state})
    assert response.status_code == 503
    assert not WeChatBinding.objects.exists()


@responses.activate
def test_oauth_state_is_single_use(client, account, resident):
    client.force_login(resident)
    state = _start(client, account)
    _oauth_ok()
    assert client.get(f"/wechat/{account.slug}/oauth/",
                      {"code": "C", "state": state}).status_code == 302
    assert client.get(f"/wechat/{account.slug}/oauth/",
                      {"code": "C", "state": state}).status_code == 400


def test_bind_done_without_oauth_binds_nothing(client, account, resident):
    client.force_login(resident)
    response = client.get(f"/wechat/{account.slug}/bind/done")
    assert response.status_code == 400
    assert not WeChatBinding.objects.exists()


def test_login_form_ignores_an_offsite_next(client, account, resident):
    response = client.post(f"/wechat/{account.slug}/login/?next=https://evil.example/",
                           {"username": resident.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"/wechat/{account.slug}/bind/done"


def test_bind_pages_for_an_unknown_account_are_404(client, db):
    assert client.get("/wechat/nosuch/bind").status_code == 404
    assert client.get("/wechat/nosuch/oauth/", {"code": "c", "state": "s"}).status_code == 404


def test_a_person_keeps_several_openids_on_one_account(account, resident):
    # API.md: one person may have several bound openids (her own and her daughter's phone)
    old = WeChatBindingFactory(account=account, openid="oOld", user=resident)
    services.binding_bind(account=account, openid="oNew", user=resident)
    old.refresh_from_db()
    assert old.user == resident
    assert WeChatBinding.objects.get(openid="oNew").user == resident


def test_binding_an_openid_of_someone_else_moves_it(account, resident, volunteer_user):
    WeChatBindingFactory(account=account, openid="oShared", user=volunteer_user)
    services.binding_bind(account=account, openid="oShared", user=resident)
    assert WeChatBinding.objects.get(openid="oShared").user == resident
    entry = AuditLog.objects.get(action="wechat.binding.bind")
    assert entry.detail["replaced_user_id"] == volunteer_user.pk


def test_bound_follower_then_uses_commands(client, say, account, resident):
    services.binding_bind(account=account, openid="oAfterBind", user=resident)
    assert "还没有证书" in say(account, "oAfterBind", "证书")


def test_notification_target_is_a_subscribed_binding(account, resident):
    assert selectors.notification_target(resident) is None
    binding = services.binding_bind(account=account, openid="oTarget", user=resident)
    assert selectors.notification_target(resident) == binding
    services.binding_touch(account=account, openid="oTarget", subscribed=False)
    assert selectors.notification_target(resident) is None
