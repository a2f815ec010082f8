"""Tutoring reads, each with the joins its API needs; seats left is an annotation
(capacity - booked_count), never a query per row."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.calendar import CalendarItem, sequence_from

from .models import TutoringBooking, TutoringBookingStatus, TutoringSlot, TutoringSlotStatus
from .rules import booking_cutoff


def slot_queryset() -> QuerySet[TutoringSlot]:
    """Slots with what TutoringSlot shows: tutor name, venue, community."""
    return (TutoringSlot.objects
            .select_related("tutor__user", "venue", "community__street")
            .annotate(seats_left_n=F("capacity") - F("booked_count")))


def slot_get(pk: int) -> TutoringSlot | None:
    return slot_queryset().filter(pk=pk).first()


def slot_list(*, user, starts_after: datetime | None = None,
              starts_before: datetime | None = None,
              community_id: int | None = None) -> QuerySet[TutoringSlot]:
    """Bookable slots: open, with a seat left, not yet past the booking cutoff; for a
    logged-in person with a community: same community first, then same street, then the
    rest, each by time."""
    now = timezone.now()
    qs = slot_queryset().filter(status=TutoringSlotStatus.OPEN,
                                booked_count__lt=F("capacity"),
                                starts_at__gt=now + booking_cutoff())
    if starts_after is not None:
        qs = qs.filter(starts_at__gte=starts_after)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    community = getattr(user, "community", None) if user.is_authenticated else None
    if community is not None:
        qs = qs.annotate(proximity=Case(
            When(community_id=community.pk, then=Value(0)),
            When(community__street_id=community.street_id, then=Value(1)),
            default=Value(2), output_field=IntegerField()))
    else:
        qs = qs.annotate(proximity=Value(0, output_field=IntegerField()))
    return qs.order_by("proximity", "starts_at", "id")


def booking_queryset() -> QuerySet[TutoringBooking]:
    return TutoringBooking.objects.select_related(
        "user", "slot__tutor__user", "slot__venue", "slot__community").annotate(
        seats_left_n=F("slot__capacity") - F("slot__booked_count"))


def booking_get(pk: int) -> TutoringBooking | None:
    return booking_queryset().filter(pk=pk).first()


def my_tutoring_bookings(*, user) -> QuerySet[TutoringBooking]:
    """The person's bookings, latest session first."""
    return booking_queryset().filter(user_id=user.pk).order_by("-starts_at", "-id")


def my_booking_for_slot(*, user, slot_id: int) -> TutoringBooking | None:
    """The person's live booking (booked, or marked after the session) of one slot."""
    return (booking_queryset().filter(user_id=user.pk, slot_id=slot_id)
            .exclude(status=TutoringBookingStatus.CANCELLED).first())


def my_upcoming_tutoring_bookings(*, user, now: datetime | None = None
                                  ) -> QuerySet[TutoringBooking]:
    """Booked sessions not yet over, soonest first: what she still has to go to."""
    now = now or timezone.now()
    return (booking_queryset().filter(user_id=user.pk, status=TutoringBookingStatus.BOOKED,
                                      ends_at__gt=now)
            .order_by("starts_at", "id"))


def my_earlier_tutoring_bookings(*, user, now: datetime | None = None
                                 ) -> QuerySet[TutoringBooking]:
    """Everything else (over, marked, cancelled), latest first."""
    now = now or timezone.now()
    upcoming = Q(status=TutoringBookingStatus.BOOKED, ends_at__gt=now)
    return (booking_queryset().filter(user_id=user.pk).exclude(upcoming)
            .order_by("-starts_at", "-id"))


def my_tutoring_slots(*, user, since: datetime | None = None) -> QuerySet[TutoringSlot]:
    """A tutor's own slots (from a week ago), with their bookings, for marking attendance."""
    since = since or timezone.now() - timedelta(days=7)
    return (slot_queryset().filter(tutor__user_id=user.pk, ends_at__gte=since)
            .prefetch_related(Prefetch(
                "bookings", to_attr="booking_list",
                queryset=TutoringBooking.objects.select_related("user").order_by("id")))
            .order_by("starts_at", "id"))


def calendar_items_for_user(user, *, since: datetime) -> list[CalendarItem]:
    """The person's tutoring bookings and, for tutors, their published slots ending after
    `since` — two queries."""
    items = []
    bookings = (TutoringBooking.objects.filter(user_id=user.pk, ends_at__gte=since)
                .select_related("slot__venue", "slot__tutor__user"))
    for booking in bookings:
        slot = booking.slot
        items.append(CalendarItem(
            uid=f"tutoring-booking-{booking.pk}@linli",
            summary=_("微信辅导：%(topic)s") % {"topic": slot.topic},
            starts_at=booking.starts_at, ends_at=booking.ends_at,
            sequence=sequence_from(booking.updated_at), location=slot.place,
            description=_("辅导志愿者：%(name)s") % {"name": slot.tutor.user.display_name},
            cancelled=booking.status == TutoringBookingStatus.CANCELLED))
    slots = (TutoringSlot.objects.filter(tutor__user_id=user.pk, ends_at__gte=since)
             .select_related("venue"))
    for slot in slots:
        items.append(CalendarItem(
            uid=f"tutoring-slot-{slot.pk}@linli",
            summary=_("辅导时段：%(topic)s（已约%(n)d/%(cap)d）")
            % {"topic": slot.topic, "n": slot.booked_count, "cap": slot.capacity},
            starts_at=slot.starts_at, ends_at=slot.ends_at,
            sequence=sequence_from(slot.updated_at), location=slot.place,
            cancelled=slot.status == TutoringSlotStatus.CANCELLED))
    return items
