"""The district's demo official account, so /wechat/weishinan/ answers without real
credentials. Binds nobody."""

from backend.core.demo import DemoContext

from . import services
from .models import AccountMode, WeChatAccount

DEMO_SLUG = "weishinan"
DEMO_NAME = "微市南"
DEMO_APP_ID = "wxlinlidemo0000000"
DEMO_TOKEN = "linlidemotoken"


def seed(ctx: DemoContext) -> None:
    _account, created = services.account_upsert(
        slug=DEMO_SLUG, name=DEMO_NAME, app_id=DEMO_APP_ID, token=DEMO_TOKEN,
        mode=AccountMode.PLAIN)
    ctx.count("公众号", int(created), WeChatAccount.objects.count())
