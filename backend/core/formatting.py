"""Chinese dates, times and numbers as people read them, in the platform's time zone.

The one formatter for notifications, certificates and WeChat replies. It builds the
strings from numbers instead of strftime's `%-d`, which only glibc understands.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def date_zh(value: date | datetime, *, year: bool = True) -> str:
    """2026年3月5日 (or 3月5日 without the year)."""
    if isinstance(value, datetime):
        value = _local(value).date()
    text = f"{value.month}月{value.day}日"
    return f"{value.year}年{text}" if year else text


def time_zh(value: datetime) -> str:
    """14:05 in local time."""
    value = _local(value)
    return f"{value.hour:02d}:{value.minute:02d}"


def datetime_zh(value: datetime, *, year: bool = True) -> str:
    """2026年3月5日 14:05 (or 3月5日 14:05 without the year)."""
    return f"{date_zh(value, year=year)} {time_zh(value)}"


def date_range_zh(start: date, end: date) -> str:
    """One date, or 2026年3月1日至2026年3月31日."""
    if start == end:
        return date_zh(start)
    return f"{date_zh(start)}至{date_zh(end)}"


def hours_zh(value: Decimal | float | int) -> str:
    """Hours without a trailing .0: 2, 2.5, 1.25."""
    text = f"{Decimal(str(value)).normalize():f}"
    return text
