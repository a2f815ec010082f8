from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.core.demo import DemoContext
from backend.wechat import demo, services, tasks
from backend.wechat.models import AccountMode, WeChatAccount, WeChatBinding, WeChatInboundMessage
from tests.factories.wechat import WeChatAccountFactory, WeChatBindingFactory

from . import wire

pytestmark = pytest.mark.django_db


# The template-ids inline's management form, which the change form now carries.
TEMPLATES_INLINE = {"templates-TOTAL_FORMS": "0", "templates-INITIAL_FORMS": "0",
                    "templates-MIN_NUM_FORMS": "0", "templates-MAX_NUM_FORMS": "1000"}


@pytest.fixture
def accounts(street, community, other_street):
    return {
        "district": WeChatAccountFactory(slug="district", name="区公众号",
                                         app_secret="TOPSECRET-district"),
        "street": WeChatAccountFactory(slug="badaguan", name="八大关", street=street,
                                       app_secret="TOPSECRET-street"),
        "community": WeChatAccountFactory(slug="jinkou", name="金口路", community=community,
                                          app_secret="TOPSECRET-community"),
        "other": WeChatAccountFactory(slug="zhanshan", name="湛山", street=other_street,
                                      app_secret="TOPSECRET-other"),
    }


def test_admin_list_never_shows_secrets(client, district_admin, accounts):
    client.force_login(district_admin)
    response = client.get("/admin/wechat/wechataccount/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "八大关" in html and "湛山" in html
    assert "TOPSECRET" not in html
    assert "linlidemotoken" not in html


def test_admin_change_form_does_not_render_the_secret(client, district_admin, accounts):
    client.force_login(district_admin)
    account = accounts["street"]
    response = client.get(f"/admin/wechat/wechataccount/{account.pk}/change/")
    assert response.status_code == 200
    assert "TOPSECRET" not in response.content.decode()


def test_admin_blank_secret_keeps_the_old_one(client, district_admin, accounts):
    client.force_login(district_admin)
    account = accounts["district"]
    response = client.post(f"/admin/wechat/wechataccount/{account.pk}/change/", {
        "slug": account.slug, "name": "区公众号（新）", "app_id": account.app_id,
        "app_secret": "", "token": account.token, "encoding_aes_key": "", "mode": "PLAIN",
        "street": "", "community": "", **TEMPLATES_INLINE})
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.name == "区公众号（新）"
    assert account.app_secret == "TOPSECRET-district"
    assert account.encoding_aes_key is None


def test_admin_safe_mode_needs_a_43_character_key(client, district_admin, accounts):
    client.force_login(district_admin)
    account = accounts["district"]
    response = client.post(f"/admin/wechat/wechataccount/{account.pk}/change/", {
        "slug": account.slug, "name": account.name, "app_id": account.app_id,
        "app_secret": "", "token": account.token, "encoding_aes_key": "short",
        "mode": "SAFE", "street": "", "community": ""})
    assert response.status_code == 200
    assert "43" in response.content.decode()
    account.refresh_from_db()
    assert account.mode == AccountMode.PLAIN


def test_coordinator_sees_only_their_streets_accounts_and_cannot_edit_them(
        client, coordinator, accounts):
    client.force_login(coordinator)
    html = client.get("/admin/wechat/wechataccount/").content.decode()
    assert "/wechat/badaguan/" in html and "/wechat/jinkou/" in html
    assert "/wechat/zhanshan/" not in html and "/wechat/district/" not in html
    response = client.post(f"/admin/wechat/wechataccount/{accounts['street'].pk}/change/",
                           {"name": "改名"})
    assert response.status_code == 403
    assert client.get(
        f"/admin/wechat/wechataccount/{accounts['other'].pk}/change/").status_code in (302, 404)
    # the view-only page of their own account shows no credentials
    page = client.get(f"/admin/wechat/wechataccount/{accounts['street'].pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "TOPSECRET" not in html and accounts["street"].token not in html


def test_coordinator_sees_only_their_accounts_followers(client, coordinator, accounts):
    WeChatBindingFactory(account=accounts["community"], openid="oMine")
    WeChatBindingFactory(account=accounts["other"], openid="oNotMine")
    client.force_login(coordinator)
    html = client.get("/admin/wechat/wechatbinding/").content.decode()
    assert "oMine" in html and "oNotMine" not in html


@pytest.mark.parametrize("who", ["resident", "volunteer", "community_staff"])
def test_non_coordinators_have_no_wechat_admin(client, role_users, accounts, who):
    user = role_users[who]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get("/admin/wechat/wechataccount/").status_code == 403


def test_demo_seed_creates_the_documented_account_once(capsys):
    ctx = DemoContext(stdout=type("Out", (), {"write": lambda self, s: None})(), style=None)
    demo.seed(ctx)
    demo.seed(ctx)
    account = WeChatAccount.objects.get()
    assert (account.slug, account.name, account.app_id, account.token, account.mode) == (
        "weishinan", "微市南", "wxlinlidemo0000000", "linlidemotoken", AccountMode.PLAIN)
    assert not WeChatBinding.objects.exists()


def test_demo_callback_works_with_the_published_credentials(client, settings):
    # given the demo seeded as by `make run`
    settings.DEBUG = True
    call_command("seed_demo")

    # when a client verifies the URL and sends 帮助 with the documented token
    params = wire.query("linlidemotoken", echostr="hello-linli")
    assert client.get("/wechat/weishinan/", params).content == b"hello-linli"
    qs = "&".join(f"{k}={v}" for k, v in wire.query("linlidemotoken").items())
    response = client.post(f"/wechat/weishinan/?{qs}",
                           data=wire.text_xml(content="帮助").encode(), content_type="text/xml")

    # then it answers with the help text
    assert response.status_code == 200
    assert "微市南" in wire.reply_content(response.content)


def test_purge_forgets_old_processed_messages_only(time_machine):
    account = WeChatAccountFactory()
    time_machine.move_to(timezone.now() - timedelta(days=3))
    services.inbound_claim(account=account, msg_id="old", from_user="o", create_time=1,
                           msg_type="text")
    time_machine.move_to(timezone.now() + timedelta(days=3))
    services.inbound_claim(account=account, msg_id="new", from_user="o", create_time=2,
                           msg_type="text")
    assert tasks.purge_inbound_messages.delay().get() == 1
    assert list(WeChatInboundMessage.objects.values_list("msg_id", flat=True)) == ["new"]
