"""Binding without passwords, end to end against the bundled fake WeChat over loopback:
staff make a single-use link, the resident opens it through the fake's OAuth, she is bound.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.conf import settings
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.models import AuditLog
from backend.wechat import services
from backend.wechat.models import BindingLink, WeChatBinding
from tests.factories.accounts import user_with_role
from tests.factories.wechat import WeChatAccountFactory

pytestmark = pytest.mark.django_db

CREATE = """mutation($userId: ID!, $slug: String) {
  wechatBindingLinkCreate(userId: $userId, accountSlug: $slug) {
    url expiresAt errors { field code message } } }"""


@pytest.fixture
def account(db):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                app_secret="demo-secret", token="linlidemotoken")


@pytest.fixture
def fake(fake_wechat, account):
    fake_wechat.register(account, followers=[
        {"openid": "oGranny", "unionid": "uGranny", "nickname": "林奶奶"},
        {"openid": "oDaughter", "nickname": "女儿"},
        {"openid": "oVolunteer", "nickname": "王师傅"}])
    return fake_wechat


def _uid(user):
    return to_global_id("User", str(user.pk))


def _create_link(gql, actor, person, slug=None):
    return gql(CREATE, {"userId": _uid(person), "slug": slug}, user=actor).raw


def as_follower(authorize: str, openid: str) -> str:
    """The authorize URL with the fake's `openid` preset (before WeChat's #wechat_redirect)."""
    head, sep, fragment = authorize.partition("#")
    return f"{head}&openid={openid}{sep}{fragment}"


def follow_oauth(client, authorize: str, openid: str):
    answer = requests.get(as_follower(authorize, openid), allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return client.get(_path(answer.headers["Location"]))


def _path(url: str) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    assert url.startswith(base + "/"), url
    return url[len(base):]


def open_in_wechat(client, fake, url: str, openid: str):
    """What a phone does with the QR code: open the link, follow WeChat's OAuth as
    `openid` (preset in the fake's authorize URL), come back with the code."""
    response = client.get(_path(url), HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    assert response.status_code == 302, response.content
    authorize = response["Location"]
    assert authorize.startswith(f"{fake.base_url}/connect/oauth2/authorize?")
    query = parse_qs(urlparse(authorize).query)
    assert query["scope"] == ["snsapi_base"]
    return follow_oauth(client, authorize, openid)


def test_staff_link_then_the_resident_opens_it_and_is_bound(
        client, gql, fake, account, community_staff, resident):
    # given community staff make a binding link for a resident of their community
    data = _create_link(gql, community_staff, resident)["data"]["wechatBindingLinkCreate"]
    assert data["errors"] == []
    assert "/bind/" in data["url"]
    link = BindingLink.objects.get()
    token = data["url"].rsplit("/", 1)[1]
    assert link.token_hash != token and token not in link.token_hash  # stored hashed only
    assert link.account == account and link.created_by == community_staff
    assert link.expires_at - timezone.now() > timedelta(days=6, hours=23)

    # when she opens it in WeChat
    done = open_in_wechat(client, fake, data["url"], "oGranny")

    # then her WeChat is bound to her, with its unionid, and the link is spent
    assert done.status_code == 200 and "绑定成功" in done.content.decode()
    binding = WeChatBinding.objects.get(account=account, openid="oGranny")
    assert binding.user == resident and binding.unionid == "uGranny"
    link.refresh_from_db()
    assert link.spent_at is not None and link.spent_openid == "oGranny"
    actions = list(AuditLog.objects.values_list("action", flat=True).order_by("id"))
    assert actions == ["wechat.binding_link.create", "wechat.binding.bind"]


def test_a_second_completion_binds_nobody_and_says_so(client, gql, fake, account,
                                                      community_staff, resident):
    url = _create_link(gql, community_staff, resident)["data"]["wechatBindingLinkCreate"]["url"]
    # two phones opened the QR code before either came back from WeChat
    first = client.get(_path(url), HTTP_USER_AGENT="MicroMessenger")
    other = client.__class__()
    second = other.get(_path(url), HTTP_USER_AGENT="MicroMessenger")
    back = []
    for c, r, openid in ((client, first, "oGranny"), (other, second, "oDaughter")):
        back.append(follow_oauth(c, r["Location"], openid))

    assert back[0].status_code == 200 and "绑定成功" in back[0].content.decode()
    assert back[1].status_code == 410 and "已经用过了" in back[1].content.decode()
    assert "没有绑定任何人" in back[1].content.decode()
    assert list(WeChatBinding.objects.filter(user__isnull=False)
                .values_list("openid", flat=True)) == ["oGranny"]


def test_redeeming_a_spent_link_updates_nothing(account, resident, community_staff):
    link, _token = services.binding_link_create(actor=community_staff, user=resident)
    assert services.binding_link_redeem(link_id=link.pk, openid="oA").binding is not None
    again = services.binding_link_redeem(link_id=link.pk, openid="oB")
    assert again.binding is None and again.code == "LINK_SPENT"
    assert not WeChatBinding.objects.filter(openid="oB").exists()


def test_an_expired_link_refuses_and_says_what_to_do(client, gql, fake, account,
                                                     community_staff, resident):
    url = _create_link(gql, community_staff, resident)["data"]["wechatBindingLinkCreate"]["url"]
    BindingLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(_path(url), HTTP_USER_AGENT="MicroMessenger")

    assert response.status_code == 410
    text = response.content.decode()
    assert "过期" in text and "请找社区工作人员重新生成二维码" in text
    assert not WeChatBinding.objects.exists()


def test_a_link_that_expires_during_oauth_binds_nobody(client, gql, fake, account,
                                                       community_staff, resident):
    url = _create_link(gql, community_staff, resident)["data"]["wechatBindingLinkCreate"]["url"]
    first = client.get(_path(url), HTTP_USER_AGENT="MicroMessenger")
    BindingLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = follow_oauth(client, first["Location"], "oGranny")
    assert response.status_code == 410
    assert not WeChatBinding.objects.exists()


def test_one_person_keeps_her_own_and_her_daughters_phone(client, gql, fake, account,
                                                          community_staff, resident):
    for openid in ("oGranny", "oDaughter"):
        url = _create_link(gql, community_staff, resident)["data"][
            "wechatBindingLinkCreate"]["url"]
        assert "绑定成功" in open_in_wechat(client.__class__(), fake, url,
                                          openid).content.decode()
    assert set(WeChatBinding.objects.filter(user=resident)
               .values_list("openid", flat=True)) == {"oGranny", "oDaughter"}


def test_a_wechat_bound_to_someone_else_is_not_taken_over(client, gql, fake, account,
                                                          community_staff, resident,
                                                          volunteer_user):
    services.binding_bind(account=account, openid="oVolunteer", user=volunteer_user)
    url = _create_link(gql, community_staff, resident)["data"]["wechatBindingLinkCreate"]["url"]
    response = open_in_wechat(client, fake, url, "oVolunteer")
    assert response.status_code == 409 and "解绑" in response.content.decode()
    assert WeChatBinding.objects.get(openid="oVolunteer").user == volunteer_user
    assert BindingLink.objects.get().spent_at is None


def test_a_plain_browser_against_real_wechat_sees_the_qr_code(client, account, resident,
                                                              community_staff, settings):
    settings.LINLI_WECHAT_OPEN_ORIGIN = "https://open.weixin.qq.com"
    _link, token = services.binding_link_create(actor=community_staff, user=resident)
    page = client.get(f"/bind/{token}", HTTP_USER_AGENT="Mozilla/5.0 Firefox")
    assert page.status_code == 200
    text = page.content.decode()
    assert "请用微信扫一扫" in text and "<svg" in text
    # inside WeChat the same link goes to WeChat's OAuth
    inside = client.get(f"/bind/{token}", HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8")
    assert inside.status_code == 302
    assert inside["Location"].startswith("https://open.weixin.qq.com/connect/oauth2/authorize")


def test_an_unknown_token_is_404(client, account):
    assert client.get("/bind/not-a-token", HTTP_USER_AGENT="MicroMessenger").status_code == 404


# --- who may make a link ------------------------------------------------------------------
@pytest.mark.parametrize("who, allowed", [
    ("resident", True),           # the person herself
    ("community_staff", True),
    ("coordinator", True),
    ("district_admin", True),
    ("volunteer", False),
    ("other_coordinator", False),
])
def test_who_may_make_a_binding_link(gql, account, role_users, resident, who, allowed):
    result = _create_link(gql, role_users[who], resident)
    if allowed:
        assert result["data"]["wechatBindingLinkCreate"]["errors"] == []
        assert BindingLink.objects.filter(user=resident).count() == 1
        return
    if who == "other_coordinator":
        errors = result["data"]["wechatBindingLinkCreate"]["errors"]
        assert [e["code"] for e in errors] == ["OUTSIDE_YOUR_UNIT"]
        assert result["data"]["wechatBindingLinkCreate"]["url"] is None
    else:
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert not BindingLink.objects.exists()
    assert not AuditLog.objects.filter(action="wechat.binding_link.create").exists()


def test_another_communitys_staff_learns_nothing(gql, account, resident, other_community):
    stranger = user_with_role(Role.COMMUNITY_STAFF, community=other_community)
    refused = _create_link(gql, stranger, resident)["data"]["wechatBindingLinkCreate"]
    nobody = gql(CREATE, {"userId": to_global_id("User", "999999")},
                 user=stranger).raw["data"]["wechatBindingLinkCreate"]
    # the same answer for a real person and for nobody at all
    assert refused == nobody
    assert [e["code"] for e in refused["errors"]] == ["OUTSIDE_YOUR_UNIT"]
    assert not BindingLink.objects.exists()


def test_anonymous_is_unauthenticated(gql, account, resident):
    result = _create_link(gql, None, resident)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_named_account_is_used_and_an_unknown_one_refused(gql, account, community_staff,
                                                            resident):
    other = WeChatAccountFactory(slug="jinkoulu", community=resident.community)
    ok = _create_link(gql, community_staff, resident, "jinkoulu")
    assert ok["data"]["wechatBindingLinkCreate"]["errors"] == []
    assert BindingLink.objects.get().account == other
    bad = _create_link(gql, community_staff, resident, "nosuch")["data"]["wechatBindingLinkCreate"]
    assert [e["code"] for e in bad["errors"]] == ["NOT_FOUND"]


# --- unbinding ----------------------------------------------------------------------------
def test_the_person_unbinds_one_of_her_wechats_from_her_page(client, account, resident):
    keep = services.binding_bind(account=account, openid="oKeep", user=resident)
    drop = services.binding_bind(account=account, openid="oDrop", user=resident)
    client.force_login(resident)
    page = client.get("/me/wechat/")
    assert page.status_code == 200 and "解绑这个微信" in page.content.decode()

    response = client.post("/me/wechat/", {"binding": drop.pk})

    assert response.status_code == 200 and "已解绑" in response.content.decode()
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert drop.user is None and keep.user == resident
    assert AuditLog.objects.filter(action="wechat.binding.unbind").count() == 1


def test_nobody_unbinds_someone_elses_wechat_from_that_page(client, account, resident,
                                                            volunteer_user):
    theirs = services.binding_bind(account=account, openid="oTheirs", user=volunteer_user)
    client.force_login(resident)
    assert client.post("/me/wechat/", {"binding": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.user == volunteer_user


def test_coordinators_unbind_in_the_admin(client, account, coordinator, resident):
    binding = services.binding_bind(account=account, openid="oAdmin", user=resident)
    account.street = resident.community.street
    account.save()
    client.force_login(coordinator)
    response = client.post("/admin/wechat/wechatbinding/", {
        "action": "unbind", "_selected_action": [binding.pk]})
    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.user is None
    entry = AuditLog.objects.get(action="wechat.binding.unbind")
    assert entry.actor == coordinator
