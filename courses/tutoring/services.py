"""Tutoring writes (辅导预约): slots, bookings, cancellations, attendance, ratings.

Invariants and who keeps them:
- A slot is a commitment in the tutor's calendar: the slot row and its commitment are
  created in one transaction through volunteers.services.commitment_create, whose volunteer
  lock (and, on PostgreSQL, exclusion constraint) refuses overlaps.
- Seats: TutoringSlot.booked_count moves only by conditional UPDATE ... WHERE booked_count <
  capacity; a CHECK constraint (booked_count <= capacity) is the last line of defence.
- One resident never holds two overlapping BOOKED bookings: the resident's user row is locked
  (PostgreSQL; SQLite's IMMEDIATE transaction holds the write lock from BEGIN) before the
  check and the insert; on PostgreSQL an exclusion constraint (migration 0003) backs it.
- Windows (booking/cancellation cutoff, open-booking limit) are settings read at call time.
- Doorstep slots (the tutor comes to the resident): bookable only by a resident whose
  community is in the tutor's street, with an address (hers, or her registered one), kept
  on the booking; checked in `_book` under the same lock as the other booking rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import permissions as account_permissions
from backend.accounts import selectors as account_selectors
from backend.accounts import services as account_services
from backend.core.errors import has_code, validation_error
from backend.core.services import audit_log_record, idempotent_call
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services
from volunteers.error_codes import VolunteerErrorCode
from volunteers.models import CommitmentKind, CommitmentStatus, VolunteerStatus

from ..error_codes import CourseErrorCode as Code
from ..models import Venue
from . import notifications, permissions
from .models import TutoringBooking, TutoringBookingStatus, TutoringSlot, TutoringSlotStatus
from .rules import (
    booking_cutoff,
    cancellation_closed_message,
    cancellation_cutoff,
    in_service_area,
    open_booking_limit,
)

TUTORING_SKILL = "wechat_tutoring"
MIN_DURATION, MAX_DURATION = 15, 240
MAX_CAPACITY = 20
MAX_WEEKS = 8


# --- Slots ---------------------------------------------------------------------------------------
def _validate_slot(*, starts_at: datetime, duration_minutes: int, topic: str,
                   capacity: int) -> None:
    if not (topic or "").strip():
        raise validation_error("topic", _("请填写辅导内容。"), Code.REQUIRED)
    if not MIN_DURATION <= int(duration_minutes) <= MAX_DURATION:
        raise validation_error("duration_minutes", _("辅导时长应在15分钟到4小时之间。"),
                               Code.INVALID_WINDOW)
    if capacity is None or not 1 <= int(capacity) <= MAX_CAPACITY:
        raise validation_error("capacity", _("名额应在1到20之间。"), Code.INVALID)
    if starts_at <= timezone.now():
        raise validation_error("starts_at", _("辅导时间须在将来。"), Code.INVALID_WINDOW)


def _check_tutor(volunteer, *, at: datetime) -> None:
    if volunteer.status != VolunteerStatus.ACTIVE or not volunteer_selectors.volunteer_holds_skill(
            volunteer, TUTORING_SKILL, at=at):
        raise validation_error(None, _("只有具备微信辅导技能且资质有效的志愿者才能发布辅导时段。"),
                               Code.NOT_A_TUTOR)


def _overlap_error() -> ValidationError:
    return validation_error("starts_at", _("该时段与您的其他日程冲突。"), Code.OVERLAPS_COMMITMENT)


def _create_slot(*, actor, volunteer, starts_at: datetime, ends_at: datetime, topic: str,
                 venue: Venue | None, place_text: str, capacity: int,
                 doorstep: bool = False) -> TutoringSlot:
    """Slot + commitment; the caller's transaction makes them one unit. A doorstep slot has
    no venue: it happens at the resident's address, in the tutor's community's street."""
    venue = None if doorstep else venue
    try:
        with transaction.atomic():
            slot = TutoringSlot.objects.create(
                tutor=volunteer, starts_at=starts_at, ends_at=ends_at, venue=venue,
                place_text=(place_text or "").strip()[:128],
                community_id=venue.community_id if venue else volunteer.community_id,
                topic=topic.strip()[:128], capacity=capacity, created_by=actor,
                doorstep=bool(doorstep))
    except IntegrityError:
        raise _overlap_error() from None  # the same tutor already has a slot starting then
    try:
        commitment = volunteer_services.commitment_create(
            volunteer=volunteer, starts_at=starts_at, ends_at=ends_at,
            kind=CommitmentKind.TUTORING, source_key=f"tutoring_slot:{slot.pk}",
            title=_("微信辅导：%(topic)s") % {"topic": slot.topic})
    except ValidationError as exc:
        if has_code(exc, VolunteerErrorCode.OVERLAPS_COMMITMENT):
            raise _overlap_error() from None
        raise
    slot.commitment = commitment
    slot.save(update_fields=["commitment", "updated_at"])
    return slot


def tutoring_slot_publish(*, actor, volunteer, starts_at: datetime, duration_minutes: int,
                          topic: str, venue: Venue | None = None, place_text: str = "",
                          capacity: int = 1, doorstep: bool = False) -> TutoringSlot:
    if not permissions.can_publish_slots_for(actor, volunteer):
        raise PermissionDenied
    starts_at = starts_at.replace(second=0, microsecond=0)  # slots start on the minute
    _validate_slot(starts_at=starts_at, duration_minutes=duration_minutes, topic=topic,
                   capacity=capacity)
    ends_at = starts_at + timedelta(minutes=int(duration_minutes))
    _check_tutor(volunteer, at=ends_at)
    with transaction.atomic():
        slot = _create_slot(actor=actor, volunteer=volunteer, starts_at=starts_at,
                            ends_at=ends_at, topic=topic, venue=venue, place_text=place_text,
                            capacity=int(capacity), doorstep=doorstep)
        audit_log_record(actor=actor, action="tutoring.slot.publish", obj=slot,
                         detail={"volunteer_id": volunteer.pk,
                                 "starts_at": starts_at.isoformat(), "capacity": capacity,
                                 "doorstep": bool(doorstep)})
    return slot


@dataclass
class BulkPublishResult:
    created: list[TutoringSlot] = field(default_factory=list)
    skipped_existing: int = 0
    skipped_overlap: int = 0
    skipped_time_off: int = 0


def _rule_applies(rule, day: date) -> bool:
    return (rule.weekday == day.isoweekday()
            and (rule.valid_from is None or rule.valid_from <= day)
            and (rule.valid_until is None or day <= rule.valid_until))


def availability_windows(rules, *, weeks: int, duration_minutes: int,
                         now: datetime) -> list[datetime]:
    """Starts of back-to-back slots filling each weekly availability window from tomorrow
    (local) for `weeks` weeks; deterministic, so publishing twice proposes the same starts."""
    duration = timedelta(minutes=duration_minutes)
    today = timezone.localdate(now)
    starts = []
    for offset in range(1, weeks * 7 + 1):
        day = today + timedelta(days=offset)
        for rule in rules:
            if not _rule_applies(rule, day):
                continue
            start = timezone.make_aware(datetime.combine(day, rule.start_time))
            end = timezone.make_aware(datetime.combine(day, rule.end_time))
            while start + duration <= end:
                if start > now:
                    starts.append(start)
                start += duration
    return sorted(set(starts))


def tutoring_slots_publish_from_availability(
    *, actor, volunteer, weeks: int, duration_minutes: int, topic: str,
    venue: Venue | None = None, place_text: str = "", capacity: int = 1, doorstep: bool = False,
) -> BulkPublishResult:
    """Publish a slot for every free stretch of the tutor's weekly availability over the next
    `weeks` weeks. Idempotent: a start the tutor already has a slot at is skipped (counted as
    existing), as is one overlapping another commitment (counted as overlap) or the tutor's
    time off (counted as time off)."""
    if not permissions.can_publish_slots_for(actor, volunteer):
        raise PermissionDenied
    if not 1 <= int(weeks) <= MAX_WEEKS:
        raise validation_error("weeks", _("周数应在1到8之间。"), Code.INVALID)
    now = timezone.now()
    _validate_slot(starts_at=now + timedelta(days=1), duration_minutes=duration_minutes,
                   topic=topic, capacity=capacity)
    _check_tutor(volunteer, at=now)
    # the prefetched rules of the roster selector
    rules = list(volunteer_selectors.volunteer_queryset().get(pk=volunteer.pk)
                 .availability_rules.all())
    starts = availability_windows(rules, weeks=int(weeks), duration_minutes=int(duration_minutes),
                                  now=now)
    duration = timedelta(minutes=int(duration_minutes))
    result = BulkPublishResult()
    # One query for the whole horizon; each candidate window is then checked in memory.
    time_off = (volunteer_selectors.volunteer_time_off_windows(
        volunteer, starts_at=starts[0], ends_at=starts[-1] + duration) if starts else [])
    with transaction.atomic():
        existing = set(TutoringSlot.objects.filter(tutor=volunteer, starts_at__in=starts)
                       .exclude(status=TutoringSlotStatus.CANCELLED)
                       .values_list("starts_at", flat=True))
        for start in starts:
            if start in existing:
                result.skipped_existing += 1
                continue
            if any(off_start < start + duration and start < off_end
                   for off_start, off_end in time_off):
                result.skipped_time_off += 1
                continue
            try:
                with transaction.atomic():
                    result.created.append(_create_slot(
                        actor=actor, volunteer=volunteer, starts_at=start,
                        ends_at=start + duration, topic=topic, venue=venue,
                        place_text=place_text, capacity=int(capacity), doorstep=doorstep))
            except ValidationError as exc:
                if not has_code(exc, Code.OVERLAPS_COMMITMENT):
                    raise
                result.skipped_overlap += 1
        audit_log_record(actor=actor, action="tutoring.slot.bulk_publish", obj=volunteer,
                         detail={"weeks": int(weeks), "created": len(result.created),
                                 "skipped_existing": result.skipped_existing,
                                 "skipped_overlap": result.skipped_overlap,
                                 "skipped_time_off": result.skipped_time_off})
    return result


@transaction.atomic
def tutoring_slot_cancel(*, actor, slot_id: int) -> TutoringSlot:
    """The tutor or a coordinator of the slot's community withdraws a slot before it starts:
    its bookings are cancelled (each resident is told), its commitment is cancelled."""
    slot = (TutoringSlot.objects.select_for_update(of=("self",))
            .select_related("tutor", "community").filter(pk=slot_id).first())
    if slot is None or not (permissions.is_tutor_of(actor, slot)
                            or permissions.can_manage_slot(actor, slot)):
        raise PermissionDenied
    if slot.status == TutoringSlotStatus.CANCELLED:
        raise validation_error("slot_id", _("这个辅导时段已经取消了。"), Code.ALREADY_CANCELLED)
    now = timezone.now()
    if slot.status != TutoringSlotStatus.OPEN or now >= slot.starts_at:
        raise validation_error("slot_id", _("已开始或已结束的辅导时段不能取消。"),
                               Code.INVALID_WINDOW)
    booking_ids = list(TutoringBooking.objects.filter(
        slot_id=slot.pk, status=TutoringBookingStatus.BOOKED).values_list("pk", flat=True))
    TutoringBooking.objects.filter(pk__in=booking_ids).update(
        status=TutoringBookingStatus.CANCELLED, cancelled_at=now, cancelled_by=actor,
        updated_at=now)
    TutoringSlot.objects.filter(pk=slot.pk).update(
        status=TutoringSlotStatus.CANCELLED, booked_count=0, updated_at=now)
    commitment = (volunteer_selectors.commitment_get(slot.commitment_id)
                  if slot.commitment_id else None)
    if commitment is not None:
        volunteer_services.commitment_cancel(commitment=commitment)
    slot.refresh_from_db()
    audit_log_record(actor=actor, action="tutoring.slot.cancel", obj=slot,
                     detail={"bookings_cancelled": booking_ids})
    # In this transaction, like every other notice: the outbox row commits with the
    # cancellation and the sweep delivers it even if the publish after commit is lost.
    for booking_id in booking_ids:
        notifications.booking_cancelled(booking_id=booking_id)
    return slot


# --- Booking -------------------------------------------------------------------------------------
def _lock_user(user_id: int) -> None:
    """Serialise one resident's bookings (PostgreSQL row lock; SQLite's IMMEDIATE
    transaction already holds the database write lock)."""
    list(get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk"))


def _doorstep_address(*, slot: TutoringSlot, user, address: str | None) -> str:
    """The address a doorstep booking goes to; "" for a slot at a venue. The service area
    is checked first, so a resident outside it is never asked for an address."""
    if not slot.doorstep:
        return ""
    community = account_selectors.community_get(user.community_id) if user.community_id else None
    if not in_service_area(slot, street_id=community.street_id if community else None):
        raise validation_error(
            "slot_id", _("上门辅导只在志愿者所在街道内提供，您的社区不在服务范围内。"),
            Code.OUTSIDE_SERVICE_AREA)
    address = (address or "").strip() or (user.address or "").strip()
    if not address:
        raise validation_error("address", _("上门辅导请填写您的地址。"), Code.ADDRESS_REQUIRED)
    return address[:200]


def _book(*, actor, user, slot_id: int, note: str, address: str | None) -> TutoringBooking:
    with transaction.atomic():
        _lock_user(user.pk)
        slot = (TutoringSlot.objects.select_related("tutor", "community")
                .filter(pk=slot_id).first())
        if slot is None:
            raise validation_error("slot_id", _("找不到这个辅导时段。"), Code.NOT_FOUND)
        now = timezone.now()
        if slot.status != TutoringSlotStatus.OPEN or now >= slot.starts_at - booking_cutoff():
            raise validation_error("slot_id", _("这个辅导时段已停止预约。"), Code.BOOKING_CLOSED)
        if slot.tutor.user_id == user.pk:
            raise validation_error("slot_id", _("不能预约自己发布的辅导时段。"), Code.INVALID)
        address = _doorstep_address(slot=slot, user=user, address=address)
        mine = TutoringBooking.objects.filter(user_id=user.pk, status=TutoringBookingStatus.BOOKED)
        if mine.filter(starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at).exists():
            raise validation_error("slot_id", _("您在这个时间已有其他辅导预约。"),
                                   Code.OVERLAPS_BOOKING)
        limit = open_booking_limit()
        if mine.filter(ends_at__gt=now).count() >= limit:
            raise validation_error(
                "slot_id", _("您最多同时预约%(n)d次辅导，请先完成或取消已有预约。") % {"n": limit},
                Code.BOOKING_LIMIT_REACHED)
        taken = TutoringSlot.objects.filter(
            pk=slot.pk, status=TutoringSlotStatus.OPEN, booked_count__lt=F("capacity"),
        ).update(booked_count=F("booked_count") + 1, updated_at=now)
        if taken != 1:
            raise validation_error("slot_id", _("这个辅导时段已约满。"), Code.SLOT_FULL)
        on_behalf = actor.pk != user.pk
        try:
            with transaction.atomic():
                booking = TutoringBooking.objects.create(
                    slot=slot, user=user, starts_at=slot.starts_at, ends_at=slot.ends_at,
                    note=(note or "").strip()[:200], booked_by=actor if on_behalf else None,
                    address=address)
        except IntegrityError:
            # PostgreSQL's exclusion constraint, or the one-per-slot rule: either way an
            # overlapping booking exists; the seat taken above rolls back with the raise.
            raise validation_error("slot_id", _("您在这个时间已有其他辅导预约。"),
                                   Code.OVERLAPS_BOOKING) from None
        audit_log_record(actor=actor, action="tutoring.booking.create", obj=booking,
                         detail={"slot_id": slot.pk, "user_id": user.pk,
                                 "on_behalf": on_behalf})
        notifications.tutoring_booked(booking)
        return booking


def tutoring_book(*, actor, user, slot_id: int, note: str = "", address: str | None = None,
                  idempotency_key: str | None = None,
                  consent_version: str | None = None) -> TutoringBooking:
    """Book a seat in a slot for `user` (the actor, or a resident staff book for at the
    counter: the "act for this person" rule, accounts.permissions.can_act_for). Her consent
    to the current privacy notice is needed (recorded from `consent_version` when she has
    none)."""
    if user.pk != actor.pk and not account_permissions.can_act_for(actor, user):
        raise PermissionDenied
    account_services.consent_ensure(actor=actor, user=user, consent_version=consent_version)
    return idempotent_call(
        user=actor, scope="courses.tutoringBook", key=idempotency_key,
        payload={"slot": slot_id, "user": user.pk, "note": note or "",
                 "address": (address or "").strip()},
        action=lambda: _book(actor=actor, user=user, slot_id=slot_id, note=note,
                             address=address),
        dump=lambda b: b.pk, load=lambda pk: TutoringBooking.objects.get(pk=pk))


def _booking_for_action(booking_id: int) -> TutoringBooking | None:
    return (TutoringBooking.objects
            .select_related("slot__tutor__user", "slot__community", "user__community")
            .filter(pk=booking_id).first())


@transaction.atomic
def tutoring_booking_cancel(*, actor, booking_id: int) -> TutoringBooking:
    """The resident (or staff for them) until the cancellation cutoff; the tutor and the
    slot's coordinators always, and then the resident is told."""
    booking = _booking_for_action(booking_id)
    role = permissions.tutoring_cancel_role(actor, booking) if booking else None
    if booking is None or role is None:
        raise PermissionDenied
    # The slot's row lock first, as every writer of a slot's bookings takes it (slot
    # cancel, marking): one lock order, no deadlock.
    list(TutoringSlot.objects.select_for_update().filter(pk=booking.slot_id).values_list("pk"))
    booking.refresh_from_db(fields=["status"])
    if booking.status == TutoringBookingStatus.CANCELLED:
        raise validation_error("booking_id", _("这个预约已经取消了。"), Code.ALREADY_CANCELLED)
    if booking.status != TutoringBookingStatus.BOOKED:
        raise validation_error("booking_id", _("已标记到场情况的预约不能取消。"),
                               Code.ALREADY_MARKED)
    now = timezone.now()
    if role == "resident" and now >= booking.slot.starts_at - cancellation_cutoff():
        raise validation_error("booking_id", cancellation_closed_message(),
                               Code.CANCELLATION_CLOSED)
    changed = TutoringBooking.objects.filter(
        pk=booking.pk, status=TutoringBookingStatus.BOOKED,
    ).update(status=TutoringBookingStatus.CANCELLED, cancelled_at=now, cancelled_by=actor,
             updated_at=now)
    if changed != 1:
        raise validation_error("booking_id", _("这个预约已经取消了。"), Code.ALREADY_CANCELLED)
    TutoringSlot.objects.filter(pk=booking.slot_id, booked_count__gt=0).update(
        booked_count=F("booked_count") - 1, updated_at=now)
    booking.refresh_from_db()
    audit_log_record(actor=actor, action="tutoring.booking.cancel", obj=booking,
                     detail={"slot_id": booking.slot_id, "user_id": booking.user_id,
                             "by": role})
    notifications.tutoring_cancelled_by_resident(booking, role)
    if role != "resident":  # the tutor or a coordinator cancelled: she is told, same commit
        notifications.booking_cancelled(booking_id=booking.pk)
    return booking


# --- After the session -----------------------------------------------------------------------
def _log_tutor_hours(slot: TutoringSlot) -> None:
    """Once per slot (the caller holds the slot's row lock): complete the commitment and log
    its hours PENDING in the tutor's name."""
    if slot.hours_logged_at is not None or slot.commitment_id is None:
        return
    commitment = volunteer_selectors.commitment_get(slot.commitment_id)
    if commitment is None:
        return
    if commitment.status == CommitmentStatus.CONFIRMED:
        commitment = volunteer_services.commitment_complete(commitment=commitment)
    if commitment.status != CommitmentStatus.COMPLETED:
        return
    minutes = Decimal(int((slot.ends_at - slot.starts_at).total_seconds() // 60))
    try:
        volunteer_services.service_hours_log(
            actor=slot.tutor.user, commitment=commitment,
            hours=(minutes / 60).quantize(Decimal("0.01")), note=_("微信辅导：%(topic)s")
            % {"topic": slot.topic})
    except ValidationError as exc:
        if not has_code(exc, VolunteerErrorCode.ALREADY_LOGGED):
            raise
    now = timezone.now()
    TutoringSlot.objects.filter(pk=slot.pk).update(hours_logged_at=now, updated_at=now)


@transaction.atomic
def tutoring_booking_mark(*, actor, booking_id: int, status: str) -> TutoringBooking:
    """The tutor (or a coordinator correcting) marks ATTENDED or NO_SHOW once the session
    has started; an attended session logs the tutor's hours."""
    booking = _booking_for_action(booking_id)
    if booking is None or not permissions.can_mark_booking(actor, booking):
        raise PermissionDenied
    if status not in (TutoringBookingStatus.ATTENDED, TutoringBookingStatus.NO_SHOW):
        raise validation_error("status", _("只能标记为已到场或未到场。"), Code.INVALID)
    if booking.status == TutoringBookingStatus.CANCELLED:
        raise validation_error("booking_id", _("这个预约已经取消了。"), Code.ALREADY_CANCELLED)
    now = timezone.now()
    if now < booking.slot.starts_at:
        raise validation_error("booking_id", _("辅导开始后才能标记到场情况。"),
                               Code.SESSION_NOT_STARTED)
    slot = TutoringSlot.objects.select_for_update().select_related("tutor__user").get(
        pk=booking.slot_id)
    previous = booking.status
    TutoringBooking.objects.filter(pk=booking.pk).exclude(
        status=TutoringBookingStatus.CANCELLED,
    ).update(status=status, marked_at=now, updated_at=now)
    if slot.status == TutoringSlotStatus.OPEN:
        TutoringSlot.objects.filter(pk=slot.pk).update(status=TutoringSlotStatus.DONE,
                                                       updated_at=now)
    if status == TutoringBookingStatus.ATTENDED:
        _log_tutor_hours(slot)
    booking.refresh_from_db()
    audit_log_record(actor=actor, action="tutoring.booking.mark", obj=booking,
                     detail={"status": status, "previous": previous})
    return booking


@transaction.atomic
def tutoring_tutor_no_show(*, actor, booking_id: int) -> TutoringBooking:
    """A coordinator records that the tutor did not come to this booking's session."""
    booking = _booking_for_action(booking_id)
    if booking is None or not permissions.can_mark_tutor_no_show(actor, booking):
        raise PermissionDenied
    if booking.status == TutoringBookingStatus.CANCELLED:
        raise validation_error("booking_id", _("这个预约已经取消了。"), Code.ALREADY_CANCELLED)
    if timezone.now() < booking.slot.starts_at:
        raise validation_error("booking_id", _("辅导开始后才能标记志愿者未到场。"),
                               Code.SESSION_NOT_STARTED)
    if not booking.tutor_no_show:
        TutoringBooking.objects.filter(pk=booking.pk).update(tutor_no_show=True,
                                                             updated_at=timezone.now())
        booking.refresh_from_db()
        audit_log_record(actor=actor, action="tutoring.tutor_no_show", obj=booking,
                         detail={"slot_id": booking.slot_id,
                                 "volunteer_id": booking.slot.tutor_id})
    return booking


@transaction.atomic
def tutoring_booking_rate(*, actor, booking_id: int, rating: int,
                          comment: str = "") -> TutoringBooking:
    booking = _booking_for_action(booking_id)
    if booking is None or not permissions.can_rate_booking(actor, booking):
        raise PermissionDenied
    if booking.status != TutoringBookingStatus.ATTENDED:
        raise validation_error("booking_id", _("辅导完成后才能评价。"), Code.NOT_ATTENDED)
    if rating is None or not 1 <= int(rating) <= 5:
        raise validation_error("rating", _("评分应为1到5。"), Code.INVALID)
    now = timezone.now()
    changed = TutoringBooking.objects.filter(pk=booking.pk, rating__isnull=True).update(
        rating=int(rating), comment=(comment or "").strip()[:500], rated_at=now,
        updated_at=now)
    if changed != 1:
        raise validation_error("booking_id", _("您已经评价过这次辅导了。"), Code.ALREADY_RATED)
    booking.refresh_from_db()
    return booking
