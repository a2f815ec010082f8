"""The volunteer page's week grid: availability, time off and commitments for one week, by
the quarter hour, in local (Asia/Shanghai) time. Read-only; the rules are edited in the
availability inline below it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from backend.core.formatting import date_zh, datetime_zh

from . import availability_selectors

WEEKDAYS_ZH = "一二三四五六日"
QUARTERS = 96  # per day
FIRST_HOUR, LAST_HOUR = 7, 21  # always shown; rows widen to whatever the week holds


def monday_of(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


def _minutes(moment: datetime, day_start: datetime) -> int:
    return int((timezone.localtime(moment) - day_start).total_seconds() // 60)


def _mark(cells: list[str], start_min: int, end_min: int, state: str) -> None:
    first = max(start_min // 15, 0)
    last = min(-(-end_min // 15), QUARTERS)  # the quarter the span ends in, included
    for index in range(first, last):
        cells[index] = state


def _day_cells(day: date, rules, time_off, commitments) -> list[str]:
    cells = [""] * QUARTERS
    for rule in rules:
        in_force = ((rule.valid_from is None or rule.valid_from <= day)
                    and (rule.valid_until is None or rule.valid_until >= day))
        if rule.weekday == day.isoweekday() and in_force:
            end = rule.end_time.hour * 60 + rule.end_time.minute
            # A quarter is free only when the whole quarter is covered.
            first = -(-(rule.start_time.hour * 60 + rule.start_time.minute) // 15)
            for index in range(first, end // 15):
                cells[index] = "free"
    day_start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    for item in commitments:
        _mark(cells, _minutes(item.starts_at, day_start), _minutes(item.ends_at, day_start),
              "busy")
    for item in time_off:
        _mark(cells, _minutes(item.starts_at, day_start), _minutes(item.ends_at, day_start),
              "off")
    return cells


def week_grid_context(volunteer, week: str | None) -> dict:
    monday = monday_of(week)
    rules, time_off, commitments = availability_selectors.volunteer_week(volunteer, monday)
    days = [monday + timedelta(days=n) for n in range(7)]
    by_day = [_day_cells(day, rules, time_off, commitments) for day in days]
    used = [i // 4 for cells in by_day for i, state in enumerate(cells) if state]
    first = min([FIRST_HOUR, *used])
    last = max([LAST_HOUR, *used])
    rows = [{"hour": f"{hour:02d}:00",
             "days": [cells[hour * 4:hour * 4 + 4] for cells in by_day]}
            for hour in range(first, last + 1)]
    return {"week_grid": {
        "title": f"{date_zh(monday)} — {date_zh(days[-1])}",
        "days": [f"周{WEEKDAYS_ZH[n]} {day:%m-%d}" for n, day in enumerate(days)],
        "rows": rows,
        "previous": (monday - timedelta(days=7)).isoformat(),
        "next": (monday + timedelta(days=7)).isoformat(),
        "time_off": [f"{datetime_zh(t.starts_at)} — {datetime_zh(t.ends_at)} {t.reason}"
                     for t in time_off],
        "commitments": [f"{datetime_zh(c.starts_at)} — {datetime_zh(c.ends_at)} "
                        f"{c.title or c.get_kind_display()}（{c.get_status_display()}）"
                        for c in commitments],
    }}
