"""A past for the demo roster: dispatches of the last weeks in 金口路社区 (offers declined,
expired and accepted; completed jobs, one nobody could take) and monthly health-check
shifts with sign-ups, each finished job and shift with its service hours — the older ones
approved, the most recent still PENDING so the coordinator's review queue has work.

Direct ORM inserts with explicit past times: `dispatch_create`, `offer_respond` and
`shift_signup` refuse (or stamp "now" on) work that is already over, and matching would
pick volunteers by today's availability. Deterministic (volunteers in id order, dates
from today) and idempotent: each dispatch has a `demo:` external_ref and each event a fixed
title and start, and existing ones are skipped.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from backend.accounts.models import Community, User

from .models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Event,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    ServiceRequestStatus,
    Shift,
    ShiftSignUp,
    Skill,
    Volunteer,
    VolunteerStatus,
)

DEMO_COMMUNITY = "金口路社区"
# (skill, weeks ago, what the first offers did, whether someone finally took it)
DISPATCHES = [
    ("haircut", 9, [OfferStatus.DECLINED], True),
    ("companionship", 7, [OfferStatus.EXPIRED], True),
    ("haircut", 5, [], True),
    ("blood_pressure", 4, [OfferStatus.DECLINED, OfferStatus.EXPIRED], False),
    ("appliance_repair", 2, [OfferStatus.DECLINED], True),
    ("haircut", 1, [], True),
]
PENDING_WITHIN = timedelta(days=10)  # hours logged this recently still wait for review


def _hours(commitment, volunteer, *, logged_by, reviewer, now) -> ServiceHours:
    pending = now - commitment.ends_at < PENDING_WITHIN
    logged = commitment.ends_at + timedelta(hours=3)
    return ServiceHours(
        commitment=commitment, volunteer=volunteer,
        hours=Decimal((commitment.ends_at - commitment.starts_at).seconds / 3600)
        .quantize(Decimal("0.01")),
        served_on=commitment.starts_at, note=commitment.title, logged_by=logged_by,
        status=HoursStatus.PENDING if pending else HoursStatus.APPROVED,
        reviewed_by=None if pending else reviewer,
        reviewed_at=None if pending else logged + timedelta(days=2))


def _holders(skill: Skill) -> list[Volunteer]:
    return list(Volunteer.objects.filter(skills__skill=skill, status=VolunteerStatus.ACTIVE)
                .exclude(user__username="volunteer").select_related("user").order_by("id")[:6])


def _dispatch(n, row, community, coordinator, now, tz) -> int:
    code, weeks, misses, taken = row
    ref = f"demo:dispatch:{n}"
    if ServiceRequest.objects.filter(external_ref=ref).exists():
        return 0
    skill = Skill.objects.get(code=code)
    holders = _holders(skill)
    if len(holders) < len(misses) + 1:
        return 0
    day = (now - timedelta(weeks=weeks)).date()
    starts_at = datetime.combine(day - timedelta(days=day.weekday() - 2), time(9, 30), tzinfo=tz)
    ends_at = starts_at + timedelta(hours=1)
    created = starts_at - timedelta(days=2)
    request = ServiceRequest.objects.create(
        skill=skill, starts_at=starts_at, ends_at=ends_at, community=community,
        address=f"{community.name}演示地址{n}号", external_ref=ref, created_by=coordinator,
        status=ServiceRequestStatus.COMPLETED if taken else ServiceRequestStatus.UNFULFILLED,
        note="演示：往期派单")
    answered = created
    for volunteer, status in zip(holders, misses, strict=False):
        answered += timedelta(hours=2)
        Offer.objects.create(request=request, volunteer=volunteer, status=status,
                             expires_at=answered, responded_at=answered
                             if status == OfferStatus.DECLINED else None,
                             reason="那天家里有事" if status == OfferStatus.DECLINED else "")
    if taken:
        volunteer = holders[len(misses)]
        offer = Offer.objects.create(request=request, volunteer=volunteer,
                                     status=OfferStatus.ACCEPTED,
                                     expires_at=answered + timedelta(hours=2),
                                     responded_at=answered + timedelta(hours=1))
        commitment = Commitment.objects.create(
            volunteer=volunteer, starts_at=starts_at, ends_at=ends_at,
            kind=CommitmentKind.DISPATCH, status=CommitmentStatus.COMPLETED,
            source_key=f"offer:{offer.pk}", title=f"上门服务：{skill.name}")
        Offer.objects.filter(pk=offer.pk).update(commitment=commitment)
        _hours(commitment, volunteer, logged_by=volunteer.user, reviewer=coordinator,
               now=now).save()
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=created, updated_at=created)
    return 1


def _shift(months_ago, community, coordinator, now, tz) -> int:
    day = (now - timedelta(days=30 * months_ago)).date()
    day -= timedelta(days=(day.weekday() - 5) % 7)  # the Saturday before
    starts_at = datetime.combine(day, time(8, 30), tzinfo=tz)
    title = "金口路社区健康义诊"
    if Event.objects.filter(title=title, starts_at=starts_at).exists():
        return 0
    ends_at = starts_at + timedelta(hours=3)
    volunteers = list(Volunteer.objects.filter(community=community,
                                               status=VolunteerStatus.ACTIVE)
                      .exclude(user__username="volunteer").select_related("user")
                      .order_by("id")[:3])
    event = Event.objects.create(title=title, place="金口路社区活动室", community=community,
                                 starts_at=starts_at, ends_at=ends_at,
                                 description="量血压、测血糖、健康咨询。")
    shift = Shift.objects.create(event=event, title="上午场", starts_at=starts_at,
                                 ends_at=ends_at, capacity=4, taken=len(volunteers),
                                 signup_closes_at=starts_at - timedelta(days=1))
    for volunteer in volunteers:
        signup = ShiftSignUp.objects.create(shift=shift, volunteer=volunteer)
        commitment = Commitment.objects.create(
            volunteer=volunteer, starts_at=starts_at, ends_at=ends_at, kind=CommitmentKind.SHIFT,
            status=CommitmentStatus.COMPLETED, source_key=f"shift_signup:{signup.pk}",
            title=f"{title} · 上午场")
        ShiftSignUp.objects.filter(pk=signup.pk).update(commitment=commitment)
        _hours(commitment, volunteer, logged_by=coordinator, reviewer=coordinator,
               now=now).save()
    return 1


def seed_history() -> tuple[int, int]:
    """(dispatches created, shifts created)."""
    community = Community.objects.filter(name=DEMO_COMMUNITY).first()
    if community is None:
        return 0, 0
    coordinator = User.objects.filter(username="coordinator").first()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    dispatches = sum(_dispatch(n, row, community, coordinator, now, tz)
                     for n, row in enumerate(DISPATCHES, start=1))
    shifts = sum(_shift(months, community, coordinator, now, tz) for months in (3, 2, 1))
    return dispatches, shifts


def past_commitment_with_hours(*, volunteer, starts_at, ends_at, kind: str, source_key: str,
                               title: str, logged_by, reviewer) -> Commitment:
    """A finished commitment and its logged hours (approved unless recent), for other apps'
    demo history (tutoring) that may not touch volunteer models themselves."""
    commitment = Commitment.objects.create(
        volunteer=volunteer, starts_at=starts_at, ends_at=ends_at, kind=kind,
        status=CommitmentStatus.COMPLETED, source_key=source_key, title=title)
    _hours(commitment, volunteer, logged_by=logged_by, reviewer=reviewer,
           now=timezone.now()).save()
    return commitment


def hours_counts(kind: str) -> tuple[int, int]:
    """(hours entries of this commitment kind, entries of any kind awaiting review)."""
    return (ServiceHours.objects.filter(commitment__kind=kind).count(),
            ServiceHours.objects.filter(status=HoursStatus.PENDING).count())
