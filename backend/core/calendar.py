"""iCalendar feeds: each domain lists a person's items, this module writes the file."""

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

# SEQUENCE must grow whenever an event changes; seconds since this instant do, and fit
# comfortably in the 32-bit integer some calendar clients assume.
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def sequence_from(updated_at: datetime) -> int:
    return max(0, int((updated_at - _SEQUENCE_EPOCH).total_seconds()))


@dataclass(frozen=True)
class CalendarItem:
    uid: str  # stable across feeds and edits, e.g. "class-session-12@linli"
    summary: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    location: str = ""
    description: str = ""
    cancelled: bool = False


def build_ics(items: list[CalendarItem], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Linli//邻里//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for item in sorted(items, key=lambda i: (i.starts_at, i.uid)):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(UTC))
        event.add("dtend", item.ends_at.astimezone(UTC))
        event.add("summary", item.summary)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        cal.add_component(event)
    return cal.to_ical()
