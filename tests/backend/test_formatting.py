"""backend.core.formatting: Chinese dates, times and hours, built without strftime."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from backend.certificates.renderer import _fmt_date, _fmt_hours, body_lines
from backend.core.formatting import date_range_zh, date_zh, datetime_zh, hours_zh, time_zh
from frontend_api.wechat.commands import local


def test_date_has_no_leading_zeros_on_any_platform():
    # %-d / %-m are glibc-only; the formatter must not depend on them.
    assert date_zh(date(2026, 3, 5)) == "2026年3月5日"
    assert date_zh(date(2026, 12, 25)) == "2026年12月25日"
    assert date_zh(date(2026, 3, 5), year=False) == "3月5日"


def test_aware_datetimes_are_shown_in_shanghai_time():
    # 2026-03-04 17:05 UTC is 2026-03-05 01:05 in Asia/Shanghai: the local date wins.
    moment = datetime(2026, 3, 4, 17, 5, tzinfo=UTC)
    assert date_zh(moment) == "2026年3月5日"
    assert time_zh(moment) == "01:05"
    assert datetime_zh(moment) == "2026年3月5日 01:05"
    assert datetime_zh(moment, year=False) == "3月5日 01:05"


def test_naive_datetimes_are_taken_as_they_are():
    assert datetime_zh(datetime(2026, 3, 5, 9, 0)) == "2026年3月5日 09:00"


def test_date_range():
    assert date_range_zh(date(2026, 3, 1), date(2026, 3, 1)) == "2026年3月1日"
    assert date_range_zh(date(2026, 3, 1), date(2026, 3, 31)) == "2026年3月1日至2026年3月31日"


@pytest.mark.parametrize(("value", "text"), [
    (2, "2"), (2.0, "2"), (Decimal("2.50"), "2.5"), ("1.25", "1.25"), (Decimal("100"), "100"),
    (0, "0"),
])
def test_hours_without_trailing_zeros(value, text):
    assert hours_zh(value) == text


def test_certificate_pdf_dates_and_hours_use_the_formatter():
    assert _fmt_date("2026-03-05") == "2026年3月5日"
    assert _fmt_hours("12.50") == "12.5"
    assert _fmt_hours("not a number") == "not a number"
    lines = body_lines({"kind": "COURSE", "title": "智能手机入门", "hours": "8.0"})
    assert "共计8学时" in lines[0]


def test_wechat_replies_use_the_formatter():
    assert local(datetime(2026, 3, 4, 17, 5, tzinfo=UTC)) == "3月5日 01:05"


def test_no_glibc_only_strftime_directives_outside_the_domain_apps():
    root = Path(__file__).resolve().parents[2]
    formatter = root / "backend" / "core" / "formatting.py"  # names them in its docstring
    offenders = [
        str(path.relative_to(root))
        for folder in ("backend", "frontend_api")
        for path in (root / folder).rglob("*.py")
        if path != formatter
        and any(directive in path.read_text(encoding="utf-8") for directive in ("%-d", "%-m"))
    ]
    assert offenders == []
