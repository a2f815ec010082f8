"""Demo help requests (便民纸条) in the demo community, one or more in each state, for the
demo resident 林奶奶 and two neighbours. Rows are keyed by external_ref, so a second run
changes nothing. 林奶奶 keeps a single open request, so she can still ask in a demo."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, RoleAssignment, User

from ..models import (
    CommitmentKind,
    CommitmentStatus,
    HelpEvent,
    Offer,
    OfferStatus,
    ServiceRequest,
    Skill,
    Volunteer,
    VolunteerStatus,
)
from ..services.calendar import commitment_create

NEIGHBOURS = [("help_zhang", "张大爷", "13800000011", "金口一路8号1单元202"),
              ("help_wang", "王阿姨", "13800000012", "金口二路15号3单元101")]
RESIDENT_ADDRESS = "张州二路123号2单元301"
# (key, who, skill or None, description, days from today, part, status, extra)
PLAN = [
    ("requested", "resident", None, "想理发，老伴也想理，我们行动不便，能上门吗？", 2,
     "AFTERNOON", "REQUESTED", {}),
    ("completed", "resident", "haircut", "想理个发", -10, "MORNING", "COMPLETED",
     {"rating": 5, "comment": "小伙子手艺好，谢谢！"}),
    ("declined", "resident", None, "帮忙搬家具到楼下", -5, "MORNING", "DECLINED",
     {"reason": "搬运重物不在便民服务范围内，已转物业联系。"}),
    ("cancelled", "resident", "blood_pressure", "量血压", -3, "EVENING", "CANCELLED", {}),
    ("offered", "help_zhang", "plumbing", "厨房水龙头一直滴水", 4, "MORNING", "OFFERED", {}),
    ("accepted", "help_wang", "appliance_repair", "电饭煲不加热了", 5, "AFTERNOON",
     "ACCEPTED", {}),
    ("rated_low", "help_zhang", "phone_repair", "手机屏幕不亮", -20, "AFTERNOON",
     "COMPLETED", {"rating": 2, "comment": "来晚了一个小时"}),
]
HOURS = {"MORNING": 9, "AFTERNOON": 14, "EVENING": 18}


def _people(community) -> dict[str, User]:
    people = {}
    resident = User.objects.filter(username="resident").first()
    if resident is not None:
        if not resident.address:
            resident.address = RESIDENT_ADDRESS
            resident.save(update_fields=["address"])
        people["resident"] = resident
    for username, name, phone, address in NEIGHBOURS:
        user, created = User.objects.get_or_create(username=username, defaults={
            "display_name": name, "phone": phone, "community": community, "address": address})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            RoleAssignment.objects.create(user=user, role=Role.RESIDENT, community=community)
        people[username] = user
    return people


def _volunteer(skill, community, starts_at, ends_at) -> Volunteer | None:
    return (Volunteer.objects.filter(skills__skill=skill, status=VolunteerStatus.ACTIVE,
                                     community__street_id=community.street_id)
            .exclude(user__username="volunteer").select_related("user").order_by("id").first())


def _offer(request, status: str) -> None:
    volunteer = _volunteer(request.skill, request.community, request.starts_at,
                           request.ends_at)
    if volunteer is None:
        return
    offer = Offer.objects.create(
        request=request, volunteer=volunteer, status=status,
        expires_at=request.created_at + timedelta(days=1),
        responded_at=None if status == OfferStatus.OFFERED else request.created_at
        + timedelta(hours=1))
    live = request.ends_at > timezone.now()
    try:
        with transaction.atomic():
            offer.commitment = commitment_create(
                volunteer=volunteer, starts_at=request.starts_at, ends_at=request.ends_at,
                kind=CommitmentKind.DISPATCH, source_key=f"offer:{offer.pk}",
                title=f"上门服务：{request.skill.name}",
                status=(CommitmentStatus.TENTATIVE if status == OfferStatus.OFFERED
                        else CommitmentStatus.CONFIRMED if live
                        else CommitmentStatus.COMPLETED))
    except ValidationError:
        offer.commitment = None  # that volunteer is busy then: the demo row stays without
    offer.save(update_fields=["commitment"])


def _one(key, person, skill_code, text, days, part, status, extra, community, staff) -> int:
    ref = f"demo:help:{key}"
    if ServiceRequest.objects.filter(external_ref=ref).exists():
        return 0
    today = timezone.localdate()
    day = today + timedelta(days=days)
    starts_at = timezone.make_aware(datetime.combine(day, time(HOURS[part])))
    ends_at = starts_at + timedelta(hours=1)
    asked = min(timezone.now(), starts_at) - timedelta(days=2)
    skill = Skill.objects.filter(code=skill_code).first() if skill_code else None
    request = ServiceRequest.objects.create(
        requester=person, skill=skill, description=text, preferred_date=day, part_of_day=part,
        starts_at=starts_at, ends_at=ends_at, community=community, address=person.address,
        status=status, external_ref=ref, visit_code=f"{(person.pk * 7919 + days) % 10000:04d}",
        consent_version=person.consent_version, created_by=staff if skill else None,
        decline_reason=extra.get("reason", ""), dispatched_at=asked + timedelta(hours=3)
        if skill else None)
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=asked)
    request.created_at = asked
    events = [("RECEIVED", asked)]
    if status == "DECLINED":
        events.append(("DECLINED", asked + timedelta(hours=2)))
    if skill is not None:
        events.append(("TRIAGED", asked + timedelta(hours=3)))
    if status in ("ACCEPTED", "COMPLETED"):
        _offer(request, OfferStatus.ACCEPTED)
        events.append(("ACCEPTED", asked + timedelta(hours=4)))
    elif status == "OFFERED":
        _offer(request, OfferStatus.OFFERED)
    if status == "CANCELLED":
        events.append(("CANCELLED", asked + timedelta(hours=5)))
    if status == "COMPLETED":
        ServiceRequest.objects.filter(pk=request.pk).update(
            completed_at=ends_at, rating=extra["rating"], rating_comment=extra["comment"],
            rated_at=ends_at + timedelta(hours=3))
        events += [("COMPLETED", ends_at), ("RATED", ends_at + timedelta(hours=3))]
    for kind, at in events:
        event = HelpEvent.objects.create(request=request, kind=kind,
                                         note=extra.get("reason", "") if kind == "DECLINED"
                                         else "")
        HelpEvent.objects.filter(pk=event.pk).update(created_at=at)
    return 1


def seed_help(community) -> int:
    """Create the demo help requests that are missing; returns how many."""
    if community is None:
        return 0
    people = _people(community)
    staff = User.objects.filter(username="staff").first()
    created = 0
    for key, who, skill_code, text, days, part, status, extra in PLAN:
        if who in people:
            created += _one(key, people[who], skill_code, text, days, part, status, extra,
                            community, staff)
    return created
