"""Pages opened inside WeChat sign in through OAuth (`?wx=`), the staff desk, and the
DEBUG-only WeChat simulator, against the bundled fake WeChat."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from backend.core.links import absolute_url
from backend.wechat import services
from backend.wechat.demo import DEMO_APP_ID, demo_openid
from backend.wechat.models import WeChatAccount, WeChatBinding
from frontend_api.wechat.signin import STATE_SESSION_KEY
from tests.factories.accounts import user_with_role
from tests.factories.wechat import SafeWeChatAccountFactory, WeChatAccountFactory

from .test_binding_links import _path, follow_oauth

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(db):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                app_secret="demo-secret", token="linlidemotoken")


@pytest.fixture
def fake(fake_wechat, account):
    fake_wechat.register(account, followers=[
        {"openid": "oGranny", "unionid": "uGranny"}, {"openid": "oStranger"}])
    return fake_wechat


# --- ?wx= sign-in ------------------------------------------------------------------------
def test_absolute_url_adds_the_wechat_account():
    url = absolute_url("page-desk", wx="weishinan")
    assert url.endswith("/desk/?wx=weishinan")


def test_wx_link_signs_in_the_bound_person_and_returns_to_the_page(client, fake, account,
                                                                    resident):
    services.binding_bind(account=account, openid="oGranny", user=resident)

    response = client.get("/me/wechat/?wx=weishinan&x=1")
    assert response.status_code == 302
    back = follow_oauth(client, response["Location"], "oGranny")

    assert back.status_code == 302 and back["Location"] == "/me/wechat/?x=1"
    page = client.get(back["Location"])
    assert page.status_code == 200 and page.wsgi_request.user == resident


def test_the_unionid_of_another_accounts_binding_signs_her_in(client, fake_wechat, account,
                                                              resident, community):
    other = WeChatAccountFactory(slug="jinkoulu", community=community)
    fake_wechat.register(account, followers=[{"openid": "oGrannyDistrict",
                                              "unionid": "uGranny"}])
    services.binding_bind(account=other, openid="oGrannyCommunity", user=resident,
                          unionid="uGranny")
    response = client.get("/me/wechat/?wx=weishinan")
    back = follow_oauth(client, response["Location"], "oGrannyDistrict")
    assert back["Location"] == "/me/wechat/"
    assert client.get("/me/wechat/").wsgi_request.user == resident


def test_an_unbound_follower_gets_the_login_with_the_hint_and_no_loop(client, fake, account):
    response = client.get("/me/wechat/?wx=weishinan")
    back = follow_oauth(client, response["Location"], "oStranger")

    assert back.status_code == 302 and back["Location"].startswith("/wechat/weishinan/login/")
    login = client.get(back["Location"])
    text = login.content.decode()
    assert "请找社区工作人员要一个绑定二维码" in text and 'name="password"' in text
    # the next page is not bounced through WeChat again
    assert not client.get("/desk/?wx=weishinan")["Location"].startswith(fake.base_url)


def test_micromessenger_without_wx_uses_the_district_account(client, fake, account, settings):
    settings.LINLI_WECHAT_OPEN_ORIGIN = "https://open.weixin.qq.com"
    response = client.get("/desk/", HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    assert response.status_code == 302
    assert response["Location"].startswith("https://open.weixin.qq.com/connect/oauth2/authorize")
    assert f"appid={account.app_id}" in response["Location"]
    # a plain browser against real WeChat is not redirected, even with ?wx=
    plain = client.get("/desk/?wx=weishinan")
    assert "open.weixin.qq.com" not in plain.get("Location", "")


@pytest.mark.parametrize("path", ["/graphql/", "/api/auth/token/", "/admin/", "/healthz",
                                  "/wechat/weishinan/login/"])
def test_machine_and_login_paths_are_never_redirected(client, fake, account, path):
    response = client.get(f"{path}?wx=weishinan", HTTP_USER_AGENT="MicroMessenger")
    assert not response.get("Location", "").startswith(fake.base_url)


def test_the_return_never_goes_offsite(client, fake, account, resident):
    services.binding_bind(account=account, openid="oGranny", user=resident)
    authorize = client.get("/me/wechat/?wx=weishinan")["Location"]
    state = parse_qs(urlparse(authorize.split("#")[0]).query)["state"][0]
    session = client.session
    session[STATE_SESSION_KEY.format(state=state)] = "//evil.example/x"
    session.save()
    back = follow_oauth(client, authorize, "oGranny")
    assert back["Location"] == "/"


# --- the desk ----------------------------------------------------------------------------
def test_staff_find_a_resident_by_name_and_by_exact_phone(client, community_staff, resident,
                                                           other_community):
    resident.display_name, resident.phone = "林秀英", "13812345678"
    resident.save()
    user_with_role(Role.RESIDENT, community=other_community, display_name="林外人")
    client.force_login(community_staff)

    by_name = client.get("/desk/", {"q": "林"}).content.decode()
    assert "林秀英" in by_name and "林外人" not in by_name
    assert "138****5678" in by_name and "13812345678" not in by_name  # staff see it masked
    assert "林秀英" in client.get("/desk/", {"q": "13812345678"}).content.decode()
    assert "林秀英" not in client.get("/desk/", {"q": "1381234"}).content.decode()


def test_the_desk_is_for_staff_and_coordinators_only(client, resident, coordinator):
    assert client.get("/desk/").status_code == 302  # to login
    client.force_login(resident)
    assert client.get("/desk/").status_code == 403
    client.force_login(coordinator)
    assert client.get("/desk/").status_code == 200


def test_staff_register_a_resident_with_an_address_and_print_her_qr(client, account,
                                                                    community_staff,
                                                                    community):
    client.force_login(community_staff)
    missing = client.post("/desk/residents/new/", {"display_name": "", "consent": ""})
    assert missing.status_code == 400
    assert "请填写居民的姓名" in missing.content.decode()

    response = client.post("/desk/residents/new/", {
        "display_name": "林秀英", "phone": "13812345678", "address": "金口路1号2单元",
        "consent": "yes"})

    assert response.status_code == 302
    person = User.objects.get(display_name="林秀英")
    assert person.address == "金口路1号2单元" and person.community == community
    assert not person.has_usable_password()
    page = client.get(response["Location"])
    assert "金口路1号2单元" in page.content.decode()
    qr = client.post(response["Location"] + "qr/")
    text = qr.content.decode()
    assert qr.status_code == 200 and "<svg" in text and "林*英" in text
    assert "请用微信扫一扫" in text


def test_another_communitys_staff_cannot_open_or_qr_her(client, account, resident,
                                                        other_community):
    stranger = user_with_role(Role.COMMUNITY_STAFF, community=other_community)
    client.force_login(stranger)
    assert client.get(f"/desk/people/{resident.pk}/").status_code == 404
    assert client.post(f"/desk/people/{resident.pk}/qr/").status_code == 404


def test_resident_create_takes_an_address(gql, community_staff, community):
    result = gql("""mutation($c: ID!) { residentCreate(username: "lin", password: "Zx9!long-pass",
        displayName: "林", communityId: $c, consentVersion: "2026-11", address: "金口路1号")
        { user { address } errors { code } } }""", {"c": to_global_id("Community", community.pk)},
                 user=community_staff)
    assert result.data["residentCreate"] == {"user": {"address": "金口路1号"}, "errors": []}
    assert User.objects.get(username="lin").address == "金口路1号"


# --- the simulator -----------------------------------------------------------------------
@override_settings(DEBUG=False)
@pytest.mark.parametrize("path", ["/dev/wechat/", "/dev/wechat/api/accounts",
                                  "/dev/wechat/api/messages", "/dev/wechat/open"])
def test_the_simulator_is_404_without_debug(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_the_simulator_sends_and_lists_messages(client, fake_wechat, live_server, settings,
                                                safe):
    settings.DEBUG = True
    account = (SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区") if safe
               else WeChatAccountFactory(slug="weishinan", name="微市南"))
    fake_wechat.register(account, followers=[{"openid": "oSim", "nickname": "林奶奶"}],
                         callback_url=f"{live_server.url}/wechat/{account.slug}/",
                         encoding_aes_key=account.encoding_aes_key or "")

    listed = client.get("/dev/wechat/api/accounts").json()["accounts"]
    assert [(a["slug"], [f["openid"] for f in a["followers"]]) for a in listed] == [
        (account.slug, ["oSim"])]
    assert client.get("/dev/wechat/").status_code == 200

    sent = client.post("/dev/wechat/api/send", json.dumps(
        {"account": account.slug, "openid": "oSim", "text": "帮助"}),
        content_type="application/json").json()
    assert sent["callback_status"] == 200 and sent["reply"]

    received = client.get("/dev/wechat/api/messages",
                          {"account": account.slug, "openid": "oSim"}).json()["messages"]
    assert [m["kind"] for m in received] == ["reply"]
    assert received[0]["text"] == sent["reply"]


def test_open_as_a_follower_presets_her_in_the_fakes_oauth(client, fake, account, resident,
                                                           settings):
    settings.DEBUG = True
    services.binding_bind(account=account, openid="oGranny", user=resident)
    link = absolute_url("page-wechat-bindings", wx="weishinan")
    opened = client.get("/dev/wechat/open", {"account": "weishinan", "openid": "oGranny",
                                              "url": link})
    assert opened.status_code == 302 and opened["Location"] == "/me/wechat/?wx=weishinan"
    authorize = client.get(opened["Location"])["Location"]
    assert "openid=oGranny" in authorize.split("#")[0]
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    back = client.get(_path(answer.headers["Location"]))
    assert back["Location"] == "/me/wechat/"
    assert client.get("/me/wechat/").wsgi_request.user == resident
    # and never to another site
    assert client.get("/dev/wechat/open", {"account": "weishinan", "openid": "oGranny",
                                           "url": "https://evil.example/"}).status_code == 400


# --- the demo's followers in the fake ---------------------------------------------------
def test_wechat_fake_sync_registers_the_demo_followers_idempotently(fake_wechat, db):
    demo = WeChatAccountFactory(slug="weishinan", name="微市南", app_id=DEMO_APP_ID,
                                app_secret="")
    people = {name: user_with_role(role, community=None, username=name)
              for name, role in (("resident", Role.RESIDENT), ("volunteer", Role.VOLUNTEER),
                                 ("staff", Role.DISTRICT_ADMIN))}

    call_command("wechat_fake_sync")
    call_command("wechat_fake_sync")

    demo = WeChatAccount.objects.get(pk=demo.pk)
    assert demo.app_secret  # the fake needs one
    followers = {f["openid"] for f in fake_wechat.control.followers(DEMO_APP_ID)}
    assert {demo_openid(demo, n) for n in people} <= followers
    bound = dict(WeChatBinding.objects.filter(user__isnull=False)
                 .values_list("openid", "user__username"))
    assert bound == {demo_openid(demo, "volunteer"): "volunteer",
                     demo_openid(demo, "staff"): "staff"}
    assert fake_wechat.control.account(DEMO_APP_ID)["callback_url"].endswith(
        "/wechat/weishinan/")
