"""Times the way people say them: what pages and WeChat replies show a 75-year-old."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.core.formatting import clock_zh, day_zh, when_range_zh, when_zh

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SH)  # a Tuesday


def at(month, day, hour, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(("hour", "minute", "said"), [
    (0, 0, "凌晨0点"), (7, 0, "早上7点"), (9, 30, "上午9点半"), (12, 0, "中午12点"),
    (12, 30, "中午12点半"), (14, 0, "下午2点"), (17, 5, "下午5点05分"), (19, 15, "晚上7点15分"),
])
def test_the_clock_is_said_with_the_part_of_the_day(hour, minute, said):
    assert clock_zh(at(12, 1, hour, minute)) == said


def test_near_days_are_named():
    today = date(2026, 12, 1)
    assert day_zh(date(2026, 12, 1), today=today) == "今天"
    assert day_zh(date(2026, 12, 2), today=today) == "明天"
    assert day_zh(date(2026, 12, 3), today=today) == "后天"
    assert day_zh(date(2026, 11, 30), today=today) == "昨天"
    assert day_zh(date(2026, 12, 10), today=today) == "12月10日（周四）"
    assert day_zh(date(2027, 1, 4), today=today) == "2027年1月4日（周一）"


def test_when_is_day_then_clock():
    assert when_zh(at(12, 2, 14), now=NOW) == "明天下午2点"
    assert when_zh(at(12, 3, 9, 30), now=NOW) == "后天上午9点半"
    assert when_zh(at(12, 10, 9, 30), now=NOW) == "12月10日（周四）上午9点半"


def test_utc_times_are_said_in_local_time():
    utc = datetime(2026, 12, 2, 6, 0, tzinfo=ZoneInfo("UTC"))  # 14:00 in Shanghai
    assert when_zh(utc, now=NOW) == "明天下午2点"


def test_a_range_does_not_repeat_what_is_shared():
    assert when_range_zh(at(12, 2, 14), at(12, 2, 16), now=NOW) == "明天下午2点到4点"
    assert when_range_zh(at(12, 1, 11), at(12, 1, 13), now=NOW) == "今天上午11点到下午1点"
    assert (when_range_zh(at(12, 10, 20), at(12, 11, 8), now=NOW)
            == "12月10日（周四）晚上8点到12月11日（周五）早上8点")
