"""The district's demo official account, so /wechat/weishinan/ answers without real
credentials. Binds nobody."""

from backend.core.demo import DemoContext

from . import menus, services
from .models import AccountMode, WeChatAccount, WeChatMenu

DEMO_SLUG = "weishinan"
DEMO_NAME = "微市南"
DEMO_APP_ID = "wxlinlidemo0000000"
DEMO_TOKEN = "linlidemotoken"


def seed(ctx: DemoContext) -> None:
    account, created = services.account_upsert(
        slug=DEMO_SLUG, name=DEMO_NAME, app_id=DEMO_APP_ID, token=DEMO_TOKEN,
        mode=AccountMode.PLAIN)
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
