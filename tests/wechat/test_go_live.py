"""Go-live plumbing: custom menus (checked against WeChat's rules, pushed with menu/create
from the admin, recorded by the fake WeChat), the MP_verify file for the OAuth domain, and
what to paste into WeChat's console."""

import pytest
from django.core.exceptions import ValidationError

from backend.core.demo import DemoContext
from backend.wechat import demo, menus, services
from backend.wechat.models import WeChatMenu
from tests.factories.wechat import SafeWeChatAccountFactory, WeChatAccountFactory

pytestmark = pytest.mark.django_db

GOOD = [
    {"name": "课程", "page": "/courses/"},
    {"name": "帮助", "command": "帮助"},
    {"name": "我的", "sub_button": [{"name": "我的证书", "page": "/me/certificates/"}]},
]


# --- Menu rules -------------------------------------------------------------------------
def test_the_default_menu_keeps_wechats_rules():
    assert menus.menu_problems(menus.default_buttons()) == []
    assert menus.menu_problems(GOOD) == []


@pytest.mark.parametrize("buttons, words", [
    ([], "1到3个一级按钮"),
    ([{"name": f"按{i}", "command": "帮助"} for i in range(4)], "1到3个一级按钮"),
    ([{"name": "我的", "sub_button": [{"name": f"子{i}", "command": "帮助"}
                                      for i in range(6)]}], "1到5个按钮"),
    ([{"name": "五个汉字呀", "command": "帮助"}], "最多4个汉字"),
    ([{"name": "我的", "sub_button": [{"name": "九个汉字九个汉字九", "command": "帮助"}]}],
     "最多8个汉字"),
    ([{"name": "坏", "page": "https://evil.example/"}], "站内路径"),
    ([{"name": "坏", "page": "//evil.example/"}], "站内路径"),
    ([{"name": "两样", "page": "/", "command": "帮助"}], "选一个"),
    ([{"name": "我的", "sub_button": [{"name": "套", "sub_button": []}]}], "不能再放子菜单"),
    ([{"name": "", "command": "帮助"}], "缺少名称"),
    ([{"name": "长", "command": "帮" * 50}], "太长"),
])
def test_menus_breaking_wechats_rules_are_refused_in_plain_chinese(account, buttons, words):
    assert any(words in p for p in menus.menu_problems(buttons))
    with pytest.raises(ValidationError):
        services.menu_save(account=account, buttons=buttons)
    assert not WeChatMenu.objects.exists()


def test_pages_become_oauth_links_of_the_account_and_commands_click_keys(account, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    payload = menus.wechat_menu(GOOD, slug=account.slug)
    assert payload == {"button": [
        {"type": "view", "name": "课程",
         "url": f"https://linli.example.cn/courses/?wx={account.slug}"},
        {"type": "click", "name": "帮助", "key": "帮助"},
        {"name": "我的", "sub_button": [
            {"type": "view", "name": "我的证书",
             "url": f"https://linli.example.cn/me/certificates/?wx={account.slug}"}]},
    ]}


# --- Pushing ------------------------------------------------------------------------------
@pytest.fixture
def street_account(street):
    return WeChatAccountFactory(slug="badaguan", name="八大关", street=street)


def test_the_admin_action_pushes_the_menu_and_the_fake_records_it(
        client, coordinator, street_account, fake_wechat, settings,
        django_capture_on_commit_callbacks):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    fake_wechat.register(street_account)
    menu = services.menu_save(account=street_account, buttons=GOOD)
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/wechat/wechatmenu/", {
            "action": "push_to_wechat", "_selected_action": [menu.pk]})

    assert response.status_code == 302
    recorded = fake_wechat.control.account(street_account.app_id)["menu"]
    assert recorded == menus.wechat_menu(GOOD, slug="badaguan")
    assert recorded["button"][0]["url"] == "https://linli.example.cn/courses/?wx=badaguan"
    assert [c["kind"] for c in fake_wechat.control.calls(path="/cgi-bin/menu/create")] == [
        "menu"]
    menu.refresh_from_db()
    assert menu.pushed_at is not None and menu.push_error == ""


def test_a_menu_wechat_refuses_keeps_the_reason(street_account, fake_wechat):
    fake_wechat.register(street_account)
    fake_wechat.control.inject_error("/cgi-bin/menu/create", errcode=48001)
    menu = services.menu_save(account=street_account, buttons=GOOD)

    services.menu_push(menu=menu)

    menu.refresh_from_db()
    assert menu.pushed_at is None and "48001" in menu.push_error
    assert fake_wechat.control.account(street_account.app_id)["menu"] is None


def test_the_admin_form_shows_rule_breaks_beside_the_buttons(client, district_admin, account):
    client.force_login(district_admin)
    response = client.post("/admin/wechat/wechatmenu/add/", {
        "account": account.pk,
        "buttons": '[{"name": "五个汉字呀", "command": "帮助"}]'})
    assert response.status_code == 200
    assert "最多4个汉字" in response.content.decode()
    assert not WeChatMenu.objects.exists()


def test_coordinators_see_only_their_accounts_menus(client, coordinator, street_account,
                                                    other_street):
    other = WeChatAccountFactory(slug="zhanshan", name="湛山", street=other_street)
    services.menu_save(account=street_account, buttons=GOOD)
    theirs = services.menu_save(account=other, buttons=GOOD)
    client.force_login(coordinator)
    html = client.get("/admin/wechat/wechatmenu/").content.decode()
    assert "八大关" in html and "湛山" not in html
    assert client.get(f"/admin/wechat/wechatmenu/{theirs.pk}/change/").status_code in (302, 404)


def test_demo_seed_gives_the_demo_account_the_default_menu_once():
    ctx = DemoContext(stdout=type("Out", (), {"write": lambda self, s: None})(), style=None)
    demo.seed(ctx)
    demo.seed(ctx)
    menu = WeChatMenu.objects.get()
    assert menu.account.slug == demo.DEMO_SLUG
    assert menu.buttons == menus.default_buttons()
    assert [b["name"] for b in menu.buttons] == ["课程", "辅导", "我的"]


# --- MP_verify and the console values -----------------------------------------------------
def test_mp_verify_file_answers_the_code_as_plain_text(client, account):
    account.mp_verify_code = "Ab12Cd34Ef56Gh78"
    account.save()

    response = client.get("/MP_verify_Ab12Cd34Ef56Gh78.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"Ab12Cd34Ef56Gh78"


@pytest.mark.parametrize("path", ["/MP_verify_Unknown1234.txt", "/MP_verify_.txt",
                                  "/MP_verify_ab12cd34ef56gh78.txt"])
def test_unknown_mp_verify_codes_are_404(client, account, path):
    account.mp_verify_code = "Ab12Cd34Ef56Gh78"
    account.save()
    assert client.get(path).status_code == 404


def test_no_code_set_serves_nothing(client, account):
    assert account.mp_verify_code == ""
    assert client.get("/MP_verify_.txt").status_code == 404


def test_district_admins_see_what_to_paste_into_wechats_console(client, district_admin,
                                                                settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    safe = SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区", mp_verify_code="Zz9")
    client.force_login(district_admin)

    html = client.get(f"/admin/wechat/wechataccount/{safe.pk}/change/").content.decode()

    assert "https://linli.example.cn/wechat/jinkoulu/" in html
    assert safe.token in html and safe.encoding_aes_key in html
    assert "https://linli.example.cn/MP_verify_Zz9.txt" in html
    assert safe.app_secret not in html


def test_coordinators_do_not_see_the_console_values(client, coordinator, street):
    safe = SafeWeChatAccountFactory(slug="badaguan", name="八大关", street=street)
    client.force_login(coordinator)

    html = client.get(f"/admin/wechat/wechataccount/{safe.pk}/change/").content.decode()

    assert "八大关" in html
    assert safe.token not in html and safe.encoding_aes_key not in html
