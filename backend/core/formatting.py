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


# --- Times the way people say them (pages, WeChat replies) ---------------------------------
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_NEAR_DAYS = {-1: "昨天", 0: "今天", 1: "明天", 2: "后天"}


def part_of_day_zh(hour: int) -> str:
    """凌晨 0–5, 早上 6–8, 上午 9–11, 中午 12, 下午 13–17, 晚上 18–23."""
    if hour < 6:
        return "凌晨"
    if hour < 9:
        return "早上"
    if hour < 12:
        return "上午"
    if hour < 13:
        return "中午"
    if hour < 18:
        return "下午"
    return "晚上"


def clock_zh(value: datetime) -> str:
    """下午2点, 上午9点半, 晚上7点15分 — a 12-hour clock after the part of the day."""
    value = _local(value)
    hour = value.hour if value.hour <= 12 else value.hour - 12
    if value.minute == 0:
        minutes = "点"
    elif value.minute == 30:
        minutes = "点半"
    else:
        minutes = f"点{value.minute:02d}分"
    return f"{part_of_day_zh(value.hour)}{hour}{minutes}"


def day_zh(value: date | datetime, *, today: date | None = None) -> str:
    """今天 / 明天 / 后天 / 昨天, else 12月3日（周四）, with the year when it is not this year's."""
    if isinstance(value, datetime):
        value = _local(value).date()
    today = today or timezone.localdate()
    near = _NEAR_DAYS.get((value - today).days)
    if near:
        return near
    return f"{date_zh(value, year=value.year != today.year)}（{WEEKDAYS_ZH[value.weekday()]}）"


def when_zh(value: datetime, *, now: datetime | None = None) -> str:
    """明天下午2点, 12月3日（周四）上午9点半: a moment as people say it."""
    today = _local(now).date() if now else None
    return f"{day_zh(value, today=today)}{clock_zh(value)}"


def when_range_zh(start: datetime, end: datetime, *, now: datetime | None = None) -> str:
    """明天下午2点到4点; 今天上午11点到下午1点; across days, both days in full."""
    start_local, end_local = _local(start), _local(end)
    if start_local.date() != end_local.date():
        return f"{when_zh(start, now=now)}到{when_zh(end, now=now)}"
    end_clock = clock_zh(end)
    if part_of_day_zh(start_local.hour) == part_of_day_zh(end_local.hour):
        end_clock = end_clock[2:]  # the same part of the day is not said twice
    return f"{when_zh(start, now=now)}到{end_clock}"
