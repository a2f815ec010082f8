"""The alliance's demo accounts: the district's 微市南 (a 服务号, with the documented app id
and token) and one account per community, a mix of 服务号 and 订阅号. Each has a demo
AppSecret and a template id for every notification kind, so the bundled fake WeChat can
stand in for all of them. Binds nobody."""

from backend.accounts.models import Community
from backend.core.demo import DemoContext
from backend.notifications.models import NotificationKind

from . import services
from .models import AccountMode, AccountType, WeChatAccount, WeChatTemplate

DEMO_SLUG = "weishinan"
DEMO_NAME = "微市南"
DEMO_APP_ID = "wxlinlidemo0000000"
DEMO_TOKEN = "linlidemotoken"

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
        app_secret=demo_secret(DEMO_APP_ID), mode=AccountMode.PLAIN,
        account_type=AccountType.SERVICE, in_open_platform=True)
    if not district.app_secret:  # seeded before accounts had demo secrets
        district.app_secret = demo_secret(DEMO_APP_ID)
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
