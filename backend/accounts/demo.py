"""Demo district: 10 streets, 65 communities, and the documented demo accounts."""

from django.conf import settings
from django.utils import timezone

from backend.core.demo import DEMO_PASSWORD, DemoContext

from . import services
from .models import Community, Role, Street, User

# (username, display name, role, unit kind, phone)
DEMO_ACCOUNTS = [
    ("admin", "区管理员", Role.DISTRICT_ADMIN, None, "13800000001"),
    ("coordinator", "王协调", Role.STREET_COORDINATOR, "street", "13800000002"),
    ("staff", "李社工", Role.COMMUNITY_STAFF, "community", "13800000003"),
    ("instructor", "陈老师", Role.INSTRUCTOR, "community", "13800000004"),
    ("volunteer", "夏阿姨", Role.VOLUNTEER, "community", "13800000005"),
    ("resident", "林奶奶", Role.RESIDENT, "community", "13800000006"),
]
DEMO_STREET = "八大关街道"
DEMO_COMMUNITY = "金口路社区"


def _community_names(data: dict) -> list[tuple[str, list[str]]]:
    """Named communities from the data, then numbered placeholders up to the total."""
    streets = data["streets"]
    total = data["total_communities"]
    base, extra = divmod(total, len(streets))
    result = []
    for index, street in enumerate(streets):
        wanted = base + (1 if index < extra else 0)
        names = list(street["communities"])
        short = street["name"].removesuffix("街道")
        number = 1
        while len(names) < wanted:
            candidate = f"{short}第{number}社区"
            if candidate not in names:
                names.append(candidate)
            number += 1
        result.append((street["name"], names))
    return result


def seed(ctx: DemoContext) -> None:
    streets_created = communities_created = 0
    for order, (street_name, community_names) in enumerate(_community_names(ctx.data)):
        account = next((s.get("account", "") for s in ctx.data["streets"]
                        if s["name"] == street_name), "")
        street, created = Street.objects.get_or_create(
            name=street_name, defaults={"sort_order": order, "wechat_account_name": account})
        streets_created += created
        for c_order, name in enumerate(community_names):
            _, created = Community.objects.get_or_create(
                street=street, name=name, defaults={"sort_order": c_order})
            communities_created += created
    ctx.count("街道", streets_created, Street.objects.count())
    ctx.count("社区", communities_created, Community.objects.count())

    street = Street.objects.get(name=DEMO_STREET)
    community = Community.objects.get(street=street, name=DEMO_COMMUNITY)
    users_created = 0
    for username, display_name, role, unit, phone in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                username=username, password=DEMO_PASSWORD, display_name=display_name,
                phone=phone, community=None if role == Role.DISTRICT_ADMIN else community,
                check_password=False)
            users_created += 1
            if role == Role.DISTRICT_ADMIN:
                user.is_superuser = True
                user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
        if user.consent_version != settings.PRIVACY_NOTICE_VERSION:
            # The demo people have read and accepted the current privacy notice.
            User.objects.filter(pk=user.pk).update(
                consent_version=settings.PRIVACY_NOTICE_VERSION, consented_at=timezone.now())
        services.role_assign(
            user=user, role=role,
            street=street if unit == "street" else None,
            community=community if unit == "community" and role == Role.COMMUNITY_STAFF else None,
        )
    ctx.count("演示账号", users_created, len(DEMO_ACCOUNTS))
