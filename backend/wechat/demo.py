"""The district's demo official account, so /wechat/weishinan/ answers without real
credentials, and its followers in the bundled fake WeChat for `make run`."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model

from backend.core.demo import DemoContext
from backend.core.links import absolute_url

from . import client, menus, selectors, services
from .models import AccountMode, WeChatAccount, WeChatMenu

DEMO_SLUG = "weishinan"
DEMO_NAME = "微市南"
DEMO_APP_ID = "wxlinlidemo0000000"
DEMO_APP_SECRET = "linlidemosecret"
DEMO_TOKEN = "linlidemotoken"

# Demo people who follow every demo account: (username, nickname, bound at first).
DEMO_FOLLOWERS = (
    ("resident", "林奶奶（居民，未绑定）", False),
    ("volunteer", "王师傅（志愿者）", True),
    ("staff", "张老师（社区工作人员）", True),
)
# A follower nobody bound: the resident's daughter's phone, for trying a binding QR code.
DEMO_SPARE_FOLLOWER = ("resident-daughter", "林奶奶的女儿（未绑定）")


def seed(ctx: DemoContext) -> None:
    account, created = services.account_upsert(
        slug=DEMO_SLUG, name=DEMO_NAME, app_id=DEMO_APP_ID, token=DEMO_TOKEN,
        app_secret=DEMO_APP_SECRET, mode=AccountMode.PLAIN)
    ctx.count("公众号", int(created), WeChatAccount.objects.count())
    seed_menus(ctx, WeChatAccount.objects.filter(slug=account.slug))


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


def demo_followers_register(control=None) -> dict:
    """Register every Linli WeChat account with the fake WeChat at LINLI_WECHAT_API_ORIGIN
    (callback, secret, token, template ids) and the demo followers: the demo resident
    unbound at first, the demo volunteer and staff bound (in Linli too). Idempotent: run it
    each time the fake starts. Returns counts for the caller to print."""
    from .fake import FakeWeChatControl

    if control is None:
        if client.api_origin() == client.WECHAT_API_ORIGIN:
            raise RuntimeError("LINLI_WECHAT_API_ORIGIN points at WeChat itself, not a fake")
        control = FakeWeChatControl(client.api_origin())
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[name for name, _nick, _bound in DEMO_FOLLOWERS])}
    template_ids = settings.LINLI_WECHAT_TEMPLATE_IDS or {}
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
        templates = {**template_ids.get("*", {}), **template_ids.get(account.slug, {})}
        if templates:
            control.add_templates(account.app_id, [{"template_id": t, "title": kind}
                                                   for kind, t in templates.items()])
        followers = [{"openid": demo_openid(account, name), "unionid": demo_unionid(name),
                      "nickname": nickname} for name, nickname, _bound in DEMO_FOLLOWERS
                     if name in users]
        spare, spare_nickname = DEMO_SPARE_FOLLOWER
        followers.append({"openid": demo_openid(account, spare), "nickname": spare_nickname})
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
