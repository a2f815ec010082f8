"""`stats` equals counts the test makes itself with raw SQL over a seeded random district."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from backend.accounts.models import Role
from backend.core.links import node_id
from frontend_api.stats.aggregate import period_bounds
from tests.factories.accounts import user_with_role
from tests.factories.volunteers import VolunteerFactory, commitment, skill
from tests.helpers.queries import assert_query_count
from volunteers.models import CommitmentKind, Offer, ServiceHours, ServiceRequest

from .dataset import PERIOD, build

pytestmark = pytest.mark.django_db

QUERY = """
query($from: Date!, $to: Date!, $street: ID, $community: ID) {
  stats(from: $from, to: $to, streetId: $street, communityId: $community) {
    enrollments completions volunteerHours dispatches
    hoursByMonth { month hours } hoursBySkill { skill hours }
    dispatchOutcomes { status count } averageMinutesToAcceptance
    funnel { enrolled attended completed } tutoringBookings tutoringNoShows
    credentialsExpiring { within30 within60 within90 }
  }
}"""


def _param(moment: datetime):
    if connection.vendor == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return moment


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _unit_sql(alias: str, kind: str | None, pk: int | None) -> tuple[str, list]:
    if kind == "community":
        return f" AND {alias}.id = %s", [pk]
    if kind == "street":
        return f" AND {alias}.street_id = %s", [pk]
    return "", []


def expected(kind: str | None, pk: int | None) -> dict:
    start, end = (_param(m) for m in period_bounds(*PERIOD))
    run_unit, run_params = _unit_sql("c", kind, pk)
    enrol_from = ("FROM courses_enrollment e JOIN courses_courserun r ON r.id = e.run_id "
                  "JOIN courses_venue v ON v.id = r.venue_id "
                  "JOIN accounts_community c ON c.id = v.community_id WHERE 1=1" + run_unit)
    created = " AND e.created_at >= %s AND e.created_at < %s"
    placed = created + " AND e.status IN ('ENROLLED', 'COMPLETED')"
    count = lambda where, extra=(): _fetch(  # noqa: E731
        "SELECT COUNT(*) " + enrol_from + where, [*run_params, *extra])[0][0]
    result = {
        "enrollments": count(created, (start, end)),
        "completions": count(" AND e.completed_at >= %s AND e.completed_at < %s", (start, end)),
        "funnel": {
            "enrolled": count(placed, (start, end)),
            "attended": count(placed + " AND EXISTS (SELECT 1 FROM courses_attendance a "
                              "WHERE a.enrollment_id = e.id)", (start, end)),
            "completed": count(placed + " AND e.status = 'COMPLETED'", (start, end)),
        },
    }
    slot_unit, slot_params = _unit_sql("c", kind, pk)
    bookings = _fetch(
        "SELECT b.status FROM courses_tutoringbooking b JOIN courses_tutoringslot s "
        "ON s.id = b.slot_id JOIN accounts_community c ON c.id = s.community_id "
        "WHERE b.starts_at >= %s AND b.starts_at < %s AND b.status <> 'CANCELLED'" + slot_unit,
        [start, end, *slot_params])
    result["tutoringBookings"] = len(bookings)
    result["tutoringNoShows"] = sum(1 for (status,) in bookings if status == "NO_SHOW")

    hours = _fetch(
        "SELECT m.starts_at, h.hours FROM volunteers_servicehours h "
        "JOIN volunteers_commitment m ON m.id = h.commitment_id "
        "JOIN volunteers_volunteer p ON p.id = h.volunteer_id "
        "JOIN accounts_community c ON c.id = p.community_id "
        "WHERE h.status = 'APPROVED' AND m.starts_at >= %s AND m.starts_at < %s" + slot_unit,
        [start, end, *slot_params])
    by_month = defaultdict(Decimal)
    for starts_at, value in hours:
        moment = parse_datetime(starts_at) if isinstance(starts_at, str) else starts_at
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        by_month[timezone.localtime(moment).strftime("%Y-%m-01")] += Decimal(str(value))
    result["volunteerHours"] = float(sum(by_month.values(), Decimal("0")))
    result["hoursByMonth"] = [{"month": m, "hours": float(h)} for m, h in sorted(by_month.items())]

    outcomes = _fetch(
        "SELECT r.status, COUNT(*) FROM volunteers_servicerequest r "
        "JOIN accounts_community c ON c.id = r.community_id "
        "WHERE r.created_at >= %s AND r.created_at < %s" + slot_unit
        + " GROUP BY r.status ORDER BY r.status", [start, end, *slot_params])
    result["dispatchOutcomes"] = [{"status": s, "count": n} for s, n in outcomes]
    result["dispatches"] = sum(n for _, n in outcomes)

    today = timezone.localdate()
    until = _fetch(
        "SELECT k.valid_until FROM volunteers_credential k "
        "JOIN volunteers_volunteer p ON p.id = k.volunteer_id "
        "JOIN accounts_community c ON c.id = p.community_id "
        "WHERE k.revoked_at IS NULL AND k.valid_until IS NOT NULL" + slot_unit, slot_params)
    days = [(_as_date(d) - today).days for (d,) in until]
    result["credentialsExpiring"] = {
        f"within{n}": sum(1 for d in days if 0 <= d <= n) for n in (30, 60, 90)}
    return result


def _as_date(value):
    return datetime.strptime(value, "%Y-%m-%d").date() if isinstance(value, str) else value


@pytest.fixture
def district():
    return build()


def _variables(kind=None, unit=None):
    variables = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}
    if kind == "street":
        variables["street"] = node_id("Street", unit.pk)
    if kind == "community":
        variables["community"] = node_id("Community", unit.pk)
    return variables


def _comparable(stats: dict) -> dict:
    return {k: v for k, v in stats.items()
            if k not in ("hoursBySkill", "averageMinutesToAcceptance")}


@pytest.mark.parametrize("kind", [None, "street", "community"])
def test_stats_equal_raw_sql_counts(gql, district, kind):
    admin = user_with_role(Role.DISTRICT_ADMIN)
    unit = {None: None, "street": district.streets[1],
            "community": district.communities[2]}[kind]
    result = gql(QUERY, _variables(kind, unit), user=admin)
    assert result.errors is None, result.errors
    stats = result.data["stats"]
    want = expected(kind, unit.pk if unit else None)
    assert _comparable(stats) == want
    assert want["enrollments"] > 0 and want["dispatches"] > 0 and want["volunteerHours"] > 0
    # Hours by skill split the same total.
    assert sum(row["hours"] for row in stats["hoursBySkill"]) == pytest.approx(
        want["volunteerHours"])


def test_average_minutes_to_acceptance_equals_raw_sql(gql, district):
    admin = user_with_role(Role.DISTRICT_ADMIN)
    start, end = (_param(m) for m in period_bounds(*PERIOD))
    rows = _fetch(
        "SELECT r.created_at, o.responded_at FROM volunteers_offer o "
        "JOIN volunteers_servicerequest r ON r.id = o.request_id "
        "WHERE o.status = 'ACCEPTED' AND r.created_at >= %s AND r.created_at < %s",
        [start, end])
    parse = lambda v: parse_datetime(v) if isinstance(v, str) else v  # noqa: E731
    waits = [(parse(b) - parse(a)) / timedelta(minutes=1) for a, b in rows]
    assert waits
    stats = gql(QUERY, _variables(), user=admin).data["stats"]
    assert stats["averageMinutesToAcceptance"] == pytest.approx(sum(waits) / len(waits),
                                                               abs=0.06)


def test_a_write_shows_at_once(gql, district):
    admin = user_with_role(Role.DISTRICT_ADMIN)
    before = gql(QUERY, _variables(), user=admin).data["stats"]["dispatches"]
    community = district.communities[0]
    moment = timezone.make_aware(datetime(2026, 3, 1, 10))
    made = ServiceRequest.objects.create(skill=skill("haircut"), community=community,
                                         starts_at=moment, ends_at=moment + timedelta(hours=1))
    ServiceRequest.objects.filter(pk=made.pk).update(created_at=moment)
    assert gql(QUERY, _variables(), user=admin).data["stats"]["dispatches"] == before + 1


def test_stats_query_count_is_constant(gql, district):
    admin = user_with_role(Role.DISTRICT_ADMIN)
    gql(QUERY, _variables(), user=admin)  # warm the token
    with assert_query_count("stats"):
        gql(QUERY, _variables("street", district.streets[0]), user=admin)


def test_dispatch_hours_count_under_the_requests_skill(gql, community):
    volunteer = VolunteerFactory(community=community)
    moment = timezone.make_aware(datetime(2026, 2, 3, 9))
    request = ServiceRequest.objects.create(skill=skill("haircut"), community=community,
                                            starts_at=moment, ends_at=moment + timedelta(hours=1))
    offer = Offer.objects.create(request=request, volunteer=volunteer, status="ACCEPTED",
                                 expires_at=moment, responded_at=moment)
    served = commitment(volunteer, moment, moment + timedelta(hours=1),
                        kind=CommitmentKind.DISPATCH, key=f"offer:{offer.pk}")
    ServiceHours.objects.create(commitment=served, volunteer=volunteer, served_on=moment,
                                hours=Decimal("1.5"), status="APPROVED")
    other = commitment(volunteer, moment + timedelta(days=1),
                       moment + timedelta(days=1, hours=2), kind=CommitmentKind.TUTORING)
    ServiceHours.objects.create(commitment=other, volunteer=volunteer, served_on=moment,
                                hours=Decimal("2"), status="APPROVED")
    admin = user_with_role(Role.DISTRICT_ADMIN)
    stats = gql(QUERY, _variables(), user=admin).data["stats"]
    assert stats["hoursBySkill"] == [{"skill": "学习辅导", "hours": 2.0},
                                     {"skill": "理发", "hours": 1.5}]
    assert stats["volunteerHours"] == 3.5
