"""Demo tutoring: qualified tutors from the volunteers demo (the demo `volunteer` first, then
one per community in several streets) publish slots over the next two weeks from their
weekly availability; the demo `resident` holds one booking. Idempotent: bulk publishing
skips starts that already have a slot, and the booking is made only if the resident has
none."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from backend.accounts.models import User
from backend.core.demo import DemoContext
from volunteers import selectors as volunteer_selectors
from volunteers.demo_history import hours_counts

from ..models import Venue
from . import services
from .demo_history import seed_history
from .models import TutoringBooking, TutoringSlot, TutoringSlotStatus

TOPICS = ["微信视频通话", "微信支付与防诈骗", "用微信挂号和缴费", "关注社区公众号",
          "朋友圈和群聊", "手机字体调大与语音输入"]
MAX_TUTORS = 6


def _tutors(rng: random.Random) -> list:
    candidates = list(volunteer_selectors.volunteer_queryset()
                      .filter(skills__skill__code=services.TUTORING_SKILL, status="ACTIVE")
                      .order_by("id"))
    qualified = [v for v in candidates
                 if volunteer_selectors.volunteer_holds_skill(v, services.TUTORING_SKILL)]
    demo = [v for v in qualified if v.user.username == "volunteer"]
    chosen, communities = list(demo), {v.community_id for v in demo}
    others = [v for v in qualified if v not in demo]
    rng.shuffle(others)
    for volunteer in others:
        if len(chosen) >= MAX_TUTORS:
            break
        if volunteer.community_id not in communities:
            chosen.append(volunteer)
            communities.add(volunteer.community_id)
    return chosen


def _publish_demo_volunteer_slots(tutor, venue, topic: str) -> int:
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    created = 0
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        if day.weekday() not in (1, 3):  # Tuesday, Thursday
            continue
        starts_at = datetime.combine(day, time(15, 0), tzinfo=tz)
        if TutoringSlot.objects.filter(tutor=tutor, starts_at=starts_at).exists():
            continue
        services.tutoring_slot_publish(
            actor=tutor.user, volunteer=tutor, starts_at=starts_at, duration_minutes=60,
            topic=topic, venue=venue, place_text="" if venue else "上门")
        created += 1
    return created


def seed(ctx: DemoContext) -> None:
    rng = random.Random(56)  # noqa: S311 - demo data, deterministic on purpose
    created = 0
    for index, tutor in enumerate(_tutors(rng)):
        venue = Venue.objects.filter(community_id=tutor.community_id).order_by("id").first()
        if tutor.user.username == "volunteer":
            # The demo volunteer also cuts hair on weekday afternoons: tutoring takes only
            # Tuesday and Thursday 15:00, so a haircut dispatch to her can be tried.
            created += _publish_demo_volunteer_slots(tutor, venue, TOPICS[0])
            continue
        result = services.tutoring_slots_publish_from_availability(
            actor=tutor.user, volunteer=tutor, weeks=2, duration_minutes=60,
            topic=TOPICS[index % len(TOPICS)], venue=venue,
            place_text="" if venue else "上门", capacity=1 + index % 2)
        created += len(result.created)
    ctx.count("辅导时段", created, TutoringSlot.objects.count())

    resident = User.objects.filter(username="resident").first()
    booked = 0
    if resident is not None and not TutoringBooking.objects.filter(user=resident).exists():
        slot = (TutoringSlot.objects.filter(status=TutoringSlotStatus.OPEN,
                                            tutor__user__username="volunteer")
                .order_by("starts_at", "id")[1:2].first())
        if slot is not None:
            services.tutoring_book(actor=resident, user=resident, slot_id=slot.pk,
                                   note="想学视频通话，和孙子聊天")
            booked = 1
    ctx.count("辅导预约", booked, TutoringBooking.objects.count())

    sessions, hours = seed_history()
    ctx.count("往期辅导（含签到、评价）", sessions, TutoringBooking.objects.filter(
        starts_at__lt=timezone.now()).count())
    tutoring_hours, pending = hours_counts("TUTORING")
    ctx.count("辅导服务时长", hours, tutoring_hours)
    ctx.count("服务时长（待审核）", 0, pending)
