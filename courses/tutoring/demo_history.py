"""A past for the demo tutoring: the demo `volunteer` tutored on Tuesday afternoons over the
last weeks; residents of her community attended (some rated the session), one did not come;
each session's service hours were logged — the older ones approved by the coordinator, the
last ones still PENDING so the hours review queue has work.

Direct ORM inserts with explicit past times: `tutoring_slot_publish` and `tutoring_book`
refuse starts in the past (as they must for real use), and marking attendance or logging
hours through services would stamp them "now". Deterministic (the weeks and people follow
from today and a fixed order) and idempotent: a week whose slot already exists is skipped.
"""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from backend.accounts.models import User
from volunteers import selectors as volunteer_selectors
from volunteers.demo_history import past_commitment_with_hours

from ..models import Venue
from .models import TutoringBooking, TutoringBookingStatus, TutoringSlot, TutoringSlotStatus

WEEKS = 8
TOPIC = "微信视频通话"
COMMENTS = ["讲得很耐心，学会了视频通话。", "", "志愿者很细心，下次还来。", ""]


def _past_tuesdays(today) -> list:
    last = today - timedelta(days=(today.weekday() - 1) % 7 or 7)
    return [last - timedelta(weeks=n) for n in range(WEEKS)]


def _learners(tutor) -> list:
    """The demo resident first, then roster members of the tutor's community, by name."""
    people = list(User.objects.filter(community_id=tutor.community_id)
                  .filter(Q(username="resident") | Q(username__startswith="vol"))
                  .exclude(pk=tutor.user_id).order_by("username"))
    people.sort(key=lambda u: u.username != "resident")
    return people[:4]


def seed_history() -> tuple[int, int]:
    """(sessions created, hours entries created)."""
    tutor = (volunteer_selectors.volunteer_queryset().filter(user__username="volunteer")
             .first())
    coordinator = User.objects.filter(username="coordinator").first()
    if tutor is None:
        return 0, 0
    learners = _learners(tutor)
    if not learners:
        return 0, 0
    tz = timezone.get_current_timezone()
    venue = Venue.objects.filter(community_id=tutor.community_id).order_by("id").first()
    sessions = hours = 0
    for week, day in enumerate(_past_tuesdays(timezone.localdate())):
        starts_at = datetime.combine(day, time(15, 0), tzinfo=tz)
        ends_at = starts_at + timedelta(hours=1)
        if TutoringSlot.objects.filter(tutor=tutor, starts_at=starts_at).exists():
            continue
        learner = learners[week % len(learners)]
        no_show = week % 4 == 2
        slot = TutoringSlot.objects.create(
            tutor=tutor, starts_at=starts_at, ends_at=ends_at, venue=venue,
            place_text="" if venue else "上门",
            community_id=venue.community_id if venue else tutor.community_id,
            topic=TOPIC, capacity=1, booked_count=1, status=TutoringSlotStatus.DONE,
            created_by=tutor.user, hours_logged_at=ends_at + timedelta(hours=3))
        commitment = past_commitment_with_hours(
            volunteer=tutor, starts_at=starts_at, ends_at=ends_at, kind="TUTORING",
            source_key=f"tutoring_slot:{slot.pk}", title=f"微信辅导：{TOPIC}",
            logged_by=tutor.user, reviewer=coordinator)
        TutoringSlot.objects.filter(pk=slot.pk).update(commitment=commitment)
        comment = COMMENTS[week % len(COMMENTS)]
        rated = not no_show and week % 2 == 0
        TutoringBooking.objects.create(
            slot=slot, user=learner, starts_at=starts_at, ends_at=ends_at,
            status=TutoringBookingStatus.NO_SHOW if no_show else TutoringBookingStatus.ATTENDED,
            marked_at=ends_at, rating=(5 - week % 2) if rated else None,
            comment=comment if rated else "", rated_at=ends_at + timedelta(days=1) if rated
            else None)
        sessions += 1
        hours += 1
    return sessions, hours
