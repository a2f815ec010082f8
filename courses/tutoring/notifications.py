"""What residents are told about their tutoring bookings. Called inside a transaction: the
outbox row commits with the change, delivery happens after commit, once per event."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.formatting import datetime_zh, time_zh
from backend.core.links import absolute_url
from backend.notifications.models import NotificationKind
from backend.notifications.services import notify

from .models import TutoringBooking, TutoringBookingStatus


@transaction.atomic
def booking_cancelled(*, booking_id: int) -> None:
    """Tell the resident their booking was cancelled by the tutor or a coordinator; nothing
    if it is not (or no longer) cancelled."""
    booking = (TutoringBooking.objects.select_related("user", "slot")
               .filter(pk=booking_id, status=TutoringBookingStatus.CANCELLED).first())
    if booking is None:
        return
    slot = booking.slot
    notify(
        user=booking.user, kind=NotificationKind.TUTORING_CANCELLED,
        dedup_key=f"tutoring-cancelled:{booking.pk}",
        title=_("辅导预约已取消"),
        body=_("您预约的“%(topic)s”（%(when)s）已被取消，可以在“辅导”里另约时间。") % {
            "topic": slot.topic, "when": datetime_zh(slot.starts_at, year=False)},
        url=absolute_url("page-bookings"),
        data={"keywords": [slot.topic, datetime_zh(slot.starts_at, year=False),
                           _("辅导志愿者取消")]},
    )


def tutoring_booked(booking: TutoringBooking) -> None:
    """Her booking is confirmed (she booked, or staff booked for her at the counter)."""
    slot = booking.slot
    when = datetime_zh(slot.starts_at, year=False)
    notify(
        user=booking.user, kind=NotificationKind.TUTORING_BOOKED,
        dedup_key=f"tutoring-booked:{booking.pk}",
        title=_("辅导预约成功"),
        body=_("您已预约“%(topic)s”，时间：%(when)s，地点：%(place)s。") % {
            "topic": slot.topic, "when": when, "place": slot.place},
        url=absolute_url("page-bookings"),
        data={"keywords": [slot.topic, when, slot.place], "booking_id": booking.pk},
    )


def tutoring_cancelled_by_resident(booking: TutoringBooking, role: str | None) -> None:
    """The other side of a cancellation: the resident (or staff for her) cancelled, so the
    tutor is told. No-op when the tutor or a coordinator cancelled (she is told instead)."""
    if role != "resident":
        return
    slot = booking.slot
    when = datetime_zh(slot.starts_at, year=False)
    notify(
        user=slot.tutor.user, kind=NotificationKind.TUTORING_CANCELLED,
        dedup_key=f"tutoring-cancelled:{booking.pk}:tutor",
        title=_("有居民取消了辅导预约"),
        body=_("“%(topic)s”（%(when)s）有一位居民取消了预约。") % {
            "topic": slot.topic, "when": when},
        url=absolute_url("page-commitments"),
        data={"keywords": [slot.topic, when, _("居民取消")]},
    )


@transaction.atomic
def reminders_for_day(day) -> int:
    """Tell everyone with a tutoring booking on `day` (local date). Keyed per booking, so a
    re-run of the daily task sends nothing twice."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    end = start + timedelta(days=1)
    sent = 0
    bookings = (TutoringBooking.objects
                .filter(starts_at__gte=start, starts_at__lt=end,
                        status=TutoringBookingStatus.BOOKED)
                .select_related("user", "slot__venue"))
    for booking in bookings:
        notify(user=booking.user, kind=NotificationKind.TUTORING_REMINDER,
               dedup_key=f"tutoring-reminder:{booking.pk}",
               title=_("明天辅导提醒"),
               body=_("明天 %(when)s 有微信辅导“%(topic)s”，地点：%(place)s。") % {
                   "when": time_zh(booking.starts_at),
                   "topic": booking.slot.topic, "place": booking.slot.place},
               url=absolute_url("page-bookings"),
               data={"keywords": [booking.slot.topic,
                                  datetime_zh(booking.starts_at, year=False),
                                  booking.slot.place]})
        sent += 1
    return sent
