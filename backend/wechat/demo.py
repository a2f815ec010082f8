"""The alliance's demo accounts: the district's 微市南 (a 服务号, with the documented app id
and token) and one account per community, a mix of 服务号 and 订阅号. Each has a demo
AppSecret, a template id for every notification kind and a default menu, so the bundled
fake WeChat can stand in for all of them; `demo_followers_register` puts the demo people
among their followers in the fake (`manage.py wechat_fake_sync`, run by `make run`)."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model

from backend.accounts.models import Community
from backend.core.demo import DemoContext
from backend.core.links import absolute_url
from backend.notifications.models import NotificationKind

from . import client, menus, selectors, services
from .fake import FakeWeChatControl
from .models import AccountMode, AccountType, WeChatAccount, WeChatMenu, WeChatTemplate

DEMO_SLUG = "weishinan"
DEMO_NAME = "微市南"
DEMO_APP_ID = "wxlinlidemo0000000"
DEMO_APP_SECRET = "linlidemosecret"
DEMO_TOKEN = "linlidemotoken"

# Demo people who follow every demo account: (username, what they are, bound at first).
# Their WeChat nickname is their display name and this (林奶奶（居民）).
DEMO_FOLLOWERS = (
    ("resident", "居民", False),
    ("volunteer", "志愿者", True),
    ("staff", "社区工作人员", True),
)
# A follower nobody bound: the resident's daughter's phone, for trying a binding QR code.
DEMO_SPARE_FOLLOWER = ("resident-daughter", "居民的女儿")


# Streets' short pinyin, for community account slugs ("badaguan-jinkoulu", "zhanshan-03").
STREET_PINYIN = {
    "八大关街道": "badaguan", "八大峡街道": "badaxia", "八大湖街道": "badahu",
    "珠海路街道": "zhuhailu", "金门路街道": "jinmenlu", "中山路街道": "zhongshanlu",
    "江苏路街道": "jiangsulu", "香港中路街道": "xianggangzhonglu", "云南路街道": "yunnanlu",
    "湛山街道": "zhanshan",
}
COMMUNITY_PINYIN = {
    "金口路社区": "jinkoulu", "团岛路社区": "tuandaolu", "汶铁社区": "wentie",
    "吴兴路社区": "wuxinglu", "高邮湖路社区": "gaoyouhulu", "香港花园社区": "xianggang-huayuan",
    "逍遥路社区": "xiaoyaolu", "泰安路社区": "tai-anlu",
}


def demo_secret(app_id: str) -> str:
    return f"demo-secret-{app_id}"


def demo_template_id(app_id: str, kind: str) -> str:
    return f"TPL-{app_id[-6:]}-{kind}"[:64]


def community_accounts() -> list[dict]:
    """One account per community, in the seed's order: slug, name, app id, type."""
    result = []
    communities = Community.objects.select_related("street").order_by(
        "street__sort_order", "street_id", "sort_order", "id")
    per_street: dict[int, int] = {}
    for index, community in enumerate(communities, start=1):
        number = per_street[community.street_id] = per_street.get(community.street_id, 0) + 1
        street = STREET_PINYIN.get(community.street.name, f"street{community.street_id}")
        slug = f"{street}-{COMMUNITY_PINYIN.get(community.name, f'{number:02d}')}"
        # Roughly one in three community accounts is a 订阅号, as in the real alliance.
        account_type = AccountType.SUBSCRIPTION if index % 3 == 0 else AccountType.SERVICE
        result.append({"slug": slug, "name": community.name.removesuffix("社区") + "社区微家园",
                       "app_id": f"wxlinlisq{index:09d}", "account_type": account_type,
                       "community": community})
    return result


def _templates(account: WeChatAccount) -> int:
    created = 0
    for kind in NotificationKind.values:
        _template, was_created = WeChatTemplate.objects.get_or_create(
            account=account, kind=kind,
            defaults={"template_id": demo_template_id(account.app_id, kind)})
        created += int(was_created)
    return created


def seed(ctx: DemoContext) -> None:
    district, created = services.account_upsert(
        slug=DEMO_SLUG, name=DEMO_NAME, app_id=DEMO_APP_ID, token=DEMO_TOKEN,
        app_secret=DEMO_APP_SECRET, mode=AccountMode.PLAIN,
        account_type=AccountType.SERVICE, in_open_platform=True)
    if not district.app_secret:  # seeded before accounts had demo secrets
        district.app_secret = DEMO_APP_SECRET
        district.save(update_fields=["app_secret", "updated_at"])
    accounts_created = int(created)
    templates_created = _templates(district)
    for spec in community_accounts():
        account, created = services.account_upsert(
            slug=spec["slug"], name=spec["name"], app_id=spec["app_id"],
            token=f"demotoken{spec['app_id'][-6:]}", app_secret=demo_secret(spec["app_id"]),
            mode=AccountMode.PLAIN, community=spec["community"],
            account_type=spec["account_type"], in_open_platform=True)
        accounts_created += int(created)
        templates_created += _templates(account)
    ctx.count("公众号", accounts_created, WeChatAccount.objects.count())
    ctx.count("消息模板", templates_created, WeChatTemplate.objects.count())
    seed_menus(ctx, WeChatAccount.objects.order_by("id"))


def seed_menus(ctx: DemoContext, accounts) -> None:
    """The default menu (课程 / 辅导 / 我的) for demo accounts that have none; pushed from
    the admin ("推送到微信"), not here: seeding must not need WeChat."""
    made = 0
    for account in accounts:
        if not WeChatMenu.objects.filter(account=account).exists():
            services.menu_save(account=account, buttons=menus.default_buttons())
            made += 1
    ctx.count("自定义菜单", made, WeChatMenu.objects.count())


def demo_openid(account: WeChatAccount, who: str) -> str:
    """A stable, openid-shaped id of a demo person on one account (28 characters)."""
    return "o" + hashlib.sha256(f"{account.app_id}:{who}".encode()).hexdigest()[:27]


def demo_unionid(who: str) -> str:
    return "u" + hashlib.sha256(f"linli-demo:{who}".encode()).hexdigest()[:27]


def _display(user) -> str:
    return user.display_name or user.username


def demo_followers_register(control=None) -> dict:
    """Register every Linli WeChat account with the fake WeChat at LINLI_WECHAT_API_ORIGIN
    (callback, secret, token, template ids) and the demo followers: the demo resident
    unbound at first, the demo volunteer and staff bound (in Linli too). Idempotent: run it
    each time the fake starts. Returns counts for the caller to print."""

    if control is None:
        if client.api_origin() == client.WECHAT_API_ORIGIN:
            raise RuntimeError("LINLI_WECHAT_API_ORIGIN points at WeChat itself, not a fake")
        control = FakeWeChatControl(client.api_origin())
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[name for name, _nick, _bound in DEMO_FOLLOWERS])}
    counts = {"accounts": 0, "followers": 0, "bound": 0}
    for account in WeChatAccount.objects.order_by("id"):
        if not account.app_secret and account.slug == DEMO_SLUG:
            # A demo account seeded before it had a secret; the fake needs one.
            account.app_secret = DEMO_APP_SECRET
            account.save(update_fields=["app_secret", "updated_at"])
        if not account.app_secret:
            continue
        control.add_account(account.app_id, account.app_secret, token=account.token,
                            callback_url=absolute_url("wechat-callback", slug=account.slug),
                            encoding_aes_key=account.encoding_aes_key or "")
        templates = account.templates.order_by("kind")
        if templates:
            control.add_templates(account.app_id, [{"template_id": t.template_id,
                                                    "title": t.kind} for t in templates])
        followers = [{"openid": demo_openid(account, name), "unionid": demo_unionid(name),
                      "nickname": f"{_display(users[name])}（{what}）"}
                     for name, what, _bound in DEMO_FOLLOWERS if name in users]
        spare, spare_what = DEMO_SPARE_FOLLOWER
        mother = _display(users["resident"]) if "resident" in users else ""
        followers.append({"openid": demo_openid(account, spare),
                          "nickname": f"{mother}的女儿" if mother else spare_what})
        control.add_followers(account.app_id, followers)
        counts["accounts"] += 1
        counts["followers"] += len(followers)
        for name, _nickname, bound in DEMO_FOLLOWERS:
            user = users.get(name)
            if not bound or user is None:
                continue
            openid = demo_openid(account, name)
            existing = selectors.binding_get(account=account, openid=openid)
            if existing is None or existing.user_id != user.pk:
                services.binding_bind(account=account, openid=openid, user=user,
                                      unionid=demo_unionid(name))
                counts["bound"] += 1
    return counts


def demo_person_for_follower(account: WeChatAccount, openid: str):
    """The demo person a demo follower of `account` is (the daughter's phone is her
    mother's, the demo resident's), or None: whom the simulator's staff step binds."""
    names = {demo_openid(account, name): name for name, _nick, _bound in DEMO_FOLLOWERS}
    names[demo_openid(account, DEMO_SPARE_FOLLOWER[0])] = "resident"
    name = names.get(openid)
    if name is None:
        return None
    return get_user_model().objects.filter(username=name, is_active=True).first()
