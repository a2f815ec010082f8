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
               url=absolute_url("page-bookings"))
        sent += 1
    return sent
