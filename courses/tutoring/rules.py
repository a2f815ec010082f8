"""Tutoring windows and limits, read from settings at call time (operators and tests can
change them without a restart). Defaults: booking and cancelling close 2 hours before the
start; a resident holds at most 3 open bookings."""

from datetime import timedelta

from django.conf import settings


def booking_cutoff() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "LINLI_TUTORING_BOOKING_CUTOFF_MINUTES", 120)))


def cancellation_cutoff() -> timedelta:
    minutes = getattr(settings, "LINLI_TUTORING_CANCELLATION_CUTOFF_MINUTES", None)
    return booking_cutoff() if minutes is None else timedelta(minutes=int(minutes))


def open_booking_limit() -> int:
    return int(getattr(settings, "LINLI_TUTORING_MAX_OPEN_BOOKINGS", 3))


def duration_zh(value: timedelta) -> str:
    """A cutoff as people say it: 2小时, 90分钟."""
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}小时" if minutes % 60 == 0 else f"{minutes}分钟"


def cancellation_closed_message() -> str:
    """Why a resident cannot cancel any more, and what to do instead (pages, API, WeChat)."""
    return (f"离开始不到{duration_zh(cancellation_cutoff())}，不能在这里取消，"
            "请联系辅导志愿者或社区。")


def in_service_area(slot, *, street_id: int | None) -> bool:
    """Whether a resident living in street `street_id` may book `slot`: a doorstep slot
    serves its community's street (the tutor's, since a doorstep slot has no venue)."""
    return not slot.doorstep or (street_id is not None and street_id == slot.community.street_id)
