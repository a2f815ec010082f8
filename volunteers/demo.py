"""Demo roster: ~300 volunteers across the 65 communities, deterministic (Random(365)),
bulk-inserted so seed_demo stays fast; the demo account `volunteer` gets haircut and
WeChat tutoring. Only missing volunteers are created, so a second run changes nothing."""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from backend.accounts.models import Community, Role, RoleAssignment, User
from backend.core.demo import DemoContext, load_district_data

from . import candidates, services
from .demo_history import seed_history
from .help.demo import seed_help
from .models import (
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    CredentialType,
    ServiceRequest,
    Shift,
    Skill,
    Volunteer,
    VolunteerSkill,
)

ROSTER_SIZE = 300
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程")
GIVEN = ["秀英", "桂英", "建国", "国强", "海燕", "丽华", "志强", "淑珍", "红梅", "明", "伟",
         "芳", "敏", "静", "磊", "洋", "军", "勇", "艳", "杰", "娟", "涛", "超", "霞", "平", "刚"]
# Skills weighted by how common they are in a 365 team.
SKILL_WEIGHTS = {"haircut": 14, "appliance_repair": 12, "phone_repair": 10, "plumbing": 8,
                 "blood_pressure": 14, "dental_check": 3, "tcm": 4, "legal_advice": 4,
                 "wechat_tutoring": 16, "companionship": 15}
SLOTS = [("08:30", "11:30"), ("09:00", "12:00"), ("13:30", "17:00"), ("14:00", "18:00"),
         ("18:30", "20:30")]


def _plan(rng: random.Random, communities: list[Community], skills: list[Skill]) -> list[dict]:
    codes = [s.code for s in skills]
    weights = [SKILL_WEIGHTS.get(c, 5) for c in codes]
    plan = []
    for i in range(1, ROSTER_SIZE + 1):
        chosen = []
        for code in rng.choices(codes, weights=weights, k=rng.randint(1, 3)):
            if code not in chosen:
                chosen.append(code)
        rules = set()
        for _ in range(rng.randint(2, 5)):
            rules.add((rng.randint(1, 7), *rng.choice(SLOTS)))
        plan.append({
            "username": f"vol{i:03d}",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"139{rng.randrange(10**8):08d}",
            "community": rng.choice(communities),
            "status": rng.choices(["ACTIVE", "PAUSED", "ARCHIVED"], weights=[90, 7, 3])[0],
            "skills": [(code, rng.choices([1, 2, 3], weights=[5, 3, 2])[0]) for code in chosen],
            # valid / expiring within 30 days / expired
            "credential": rng.choices(["valid", "expiring", "expired"], weights=[75, 10, 15])[0],
            "credential_days": rng.randint(1, 700),
            "rules": sorted(rules),
            "joined_days_ago": rng.randint(30, 1500),
            "commitment": rng.random() < 0.07,
            "commitment_day": rng.randint(1, 14),
        })
    return plan


def _credential_until(today, kind: str, days: int):
    if kind == "expiring":
        return today + timedelta(days=1 + days % 29)
    if kind == "expired":
        return today - timedelta(days=1 + days % 200)
    return today + timedelta(days=31 + days)


def _seed_demo_account(today) -> int:
    user = User.objects.filter(username="volunteer").first()
    if user is None or Volunteer.objects.filter(user=user).exists():
        return 0
    community = user.community or Community.objects.order_by("id").first()
    if community is None:  # the district is seeded first; nothing to attach a volunteer to
        return 0
    volunteer = services.volunteer_create(user=user, community=community,
                                          joined_on=today - timedelta(days=400))
    services.volunteer_skill_set(volunteer=volunteer, skill_code="haircut", level=2)
    services.volunteer_skill_set(volunteer=volunteer, skill_code="wechat_tutoring", level=3)
    services.credential_grant(volunteer=volunteer, type_code="health_certificate",
                              number="JKZ-370202-0005", valid_from=today - timedelta(days=60),
                              valid_until=today + timedelta(days=300), source="demo")
    services.credential_grant(volunteer=volunteer, type_code="new_media_training",
                              number="XMT-2026-0005", valid_from=today - timedelta(days=90),
                              valid_until=today + timedelta(days=640), source="demo")
    services.availability_set(actor=user, volunteer=volunteer, rules=[
        {"weekday": day, "start_time": time(14), "end_time": time(18)} for day in range(1, 6)])
    return 1


def reference_data_load() -> None:
    """Skills and credential types from the district data file (what migration 0002 does):
    the demo seeds them into a database that lacks them, and the tests reload them after a
    transactional test's flush. Idempotent."""
    data = load_district_data()
    types = {}
    for row in data["credential_types"]:
        types[row["code"]], _created = CredentialType.objects.update_or_create(
            code=row["code"], defaults={
                "name": row["name"], "validity_months": row.get("validity_months"),
                "granted_by_course_completion": bool(row.get("granted_by_course_completion")),
            })
    for row in data["skills"]:
        Skill.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"],
            "credential_type": types.get(row.get("requires_credential") or ""),
        })


def seed(ctx: DemoContext) -> None:
    if not Skill.objects.exists():
        reference_data_load()
    today = timezone.localdate()
    rng = random.Random(365)  # noqa: S311 - demo data, deterministic on purpose
    communities = list(Community.objects.order_by("street__sort_order", "sort_order", "id"))
    skills = list(Skill.objects.select_related("credential_type").order_by("id"))
    skill_by_code = {s.code: s for s in skills}
    types = {t.code: t for t in CredentialType.objects.all()}
    plan = _plan(rng, communities, skills)

    existing = set(User.objects.filter(username__in=[p["username"] for p in plan])
                   .values_list("username", flat=True))
    missing = [p for p in plan if p["username"] not in existing]
    created = 0
    if missing:
        password = make_password(None)  # unusable: roster members log in via WeChat binding
        User.objects.bulk_create([
            User(username=p["username"], display_name=p["name"], phone=p["phone"],
                 community=p["community"], password=password) for p in missing])
        users = {u.username: u for u in User.objects.filter(
            username__in=[p["username"] for p in missing])}
        RoleAssignment.objects.bulk_create([
            RoleAssignment(user=users[p["username"]], role=Role.VOLUNTEER) for p in missing])
        volunteers = []
        for p in missing:
            rules = [AvailabilityRule(weekday=w, start_time=time.fromisoformat(s),
                                      end_time=time.fromisoformat(e)) for w, s, e in p["rules"]]
            p["rule_objs"] = rules
            volunteers.append(Volunteer(
                user=users[p["username"]], community=p["community"], status=p["status"],
                joined_on=today - timedelta(days=p["joined_days_ago"]),
                hour_mask=services.hour_mask(rules)))
        Volunteer.objects.bulk_create(volunteers)
        by_user = {v.user_id: v for v in Volunteer.objects.filter(user__in=users.values())}
        vskills, credentials, rules, commitments = [], [], [], []
        for p in missing:
            volunteer = by_user[users[p["username"]].pk]
            for rule in p["rule_objs"]:
                rule.volunteer = volunteer
                rules.append(rule)
            needed = set()
            for code, level in p["skills"]:
                skill = skill_by_code[code]
                vskills.append(VolunteerSkill(volunteer=volunteer, skill=skill, level=level))
                if skill.credential_type is not None:
                    needed.add(skill.credential_type.code)
            for type_code in sorted(needed):
                until = _credential_until(today, p["credential"], p["credential_days"])
                if types[type_code].validity_months is None and p["credential"] == "valid":
                    until = None
                credentials.append(Credential(
                    volunteer=volunteer, type=types[type_code],
                    number=f"{type_code[:3].upper()}-{volunteer.pk:05d}",
                    valid_from=today - timedelta(days=400), valid_until=until, source="demo"))
            if p["commitment"] and p["rules"]:
                weekday, start, _end = p["rules"][0]
                day = today + timedelta(days=p["commitment_day"])
                day += timedelta(days=(weekday - day.isoweekday()) % 7)
                starts_at = timezone.make_aware(
                    datetime.combine(day, time.fromisoformat(start)))
                commitments.append(Commitment(
                    volunteer=volunteer, starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=1), kind=CommitmentKind.OTHER,
                    status=CommitmentStatus.CONFIRMED, source_key=f"demo:{p['username']}",
                    title="社区服务日"))
        VolunteerSkill.objects.bulk_create(vskills)
        Credential.objects.bulk_create(credentials)
        AvailabilityRule.objects.bulk_create(rules)
        Commitment.objects.bulk_create(commitments)
        # bulk_create sends no signals: the matching candidate table is told here.
        candidates.volunteers_changed(v.pk for v in by_user.values())
        created = len(missing)
    created += _seed_demo_account(today)
    ctx.count("志愿者", created, Volunteer.objects.count())
    dispatches, shifts = seed_history()
    ctx.count("往期派单", dispatches, ServiceRequest.objects.filter(
        external_ref__startswith="demo:dispatch:").count())
    ctx.count("往期活动班次", shifts, Shift.objects.count())
    demo_community = Community.objects.filter(members__username="resident").first()
    ctx.count("便民纸条", seed_help(demo_community),
              ServiceRequest.objects.filter(external_ref__startswith="demo:help:").count())
