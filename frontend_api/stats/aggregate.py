"""The coordinator console's numbers: one call over each domain's stats selectors.

Shared by the `stats` GraphQL query and the admin dashboard, so both show the same numbers.
Never cached: a write shows at once.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from backend.accounts.models import Community, Street
from courses import stats_selectors as course_stats
from volunteers import stats_selectors as volunteer_stats
from volunteers.help.stats import help_stats

from .permissions import can_view_stats


@dataclass
class Stats:
    unit: Street | Community | None
    date_from: date
    date_to: date
    enrollments: int = 0
    completions: int = 0
    volunteer_hours: Decimal = Decimal("0")
    dispatches: int = 0
    hours_by_month: list = field(default_factory=list)
    hours_by_skill: list = field(default_factory=list)
    dispatch_outcomes: list = field(default_factory=list)
    average_minutes_to_acceptance: float | None = None
    funnel: dict = field(default_factory=dict)
    tutoring_bookings: int = 0
    tutoring_no_shows: int = 0
    credentials_expiring: dict = field(default_factory=dict)
    help_requests: dict = field(default_factory=dict)


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """Local dates [from, to] as aware datetimes [start of from, start of the day after to)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def unit_ids(unit) -> tuple[int | None, int | None]:
    if isinstance(unit, Community):
        return None, unit.pk
    if isinstance(unit, Street):
        return unit.pk, None
    return None, None


def district_stats(user, *, date_from: date, date_to: date, unit=None,
                   today: date | None = None) -> Stats:
    """Raises PermissionDenied unless the user may see the unit (None: the whole district)."""
    if not can_view_stats(user, unit):
        raise PermissionDenied
    start, end = period_bounds(date_from, date_to)
    street_id, community_id = unit_ids(unit)
    scope = {"street_id": street_id, "community_id": community_id}
    period = {"start": start, "end": end, **scope}
    courses = course_stats.enrollment_stats(**period)
    tutoring = course_stats.tutoring_stats(**period)
    outcomes = volunteer_stats.dispatch_outcomes(**period)
    by_month = volunteer_stats.hours_by_month(**period)
    return Stats(
        unit=unit, date_from=date_from, date_to=date_to,
        enrollments=courses["enrollments"], completions=courses["completions"],
        # The months partition the period: their sum is the total, without a second scan.
        volunteer_hours=sum((row["hours"] for row in by_month), Decimal("0")),
        dispatches=sum(row["count"] for row in outcomes),
        hours_by_month=by_month,
        hours_by_skill=volunteer_stats.hours_by_skill(**period),
        dispatch_outcomes=outcomes,
        average_minutes_to_acceptance=volunteer_stats.average_minutes_to_acceptance(**period),
        funnel={k: courses[k] for k in ("enrolled", "attended", "completed")},
        tutoring_bookings=tutoring["bookings"], tutoring_no_shows=tutoring["no_shows"],
        credentials_expiring=volunteer_stats.credentials_expiring(
            today=today or timezone.localdate(), **scope),
        help_requests=help_stats(**period),
    )
