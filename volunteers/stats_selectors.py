"""Volunteer and dispatch numbers for the coordinator console, counted in the database.

Each function takes a period as aware datetimes [start, end) and a unit as
(street_id, community_id), both None meaning the whole district; access is the caller's
business (frontend_api/stats/permissions.py). Hours count for the volunteer's home
community, a service request for its own community.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncMonth

from .models import (
    CommitmentKind,
    Credential,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    ShiftSignUp,
)

EXPIRY_WINDOWS = (30, 60, 90)
# Hours that did not come from a dispatch or a shift with a skill are grouped by kind.
KIND_LABELS = {CommitmentKind.DISPATCH: "其他", CommitmentKind.SHIFT: "活动班次",
               CommitmentKind.TUTORING: "学习辅导", CommitmentKind.OTHER: "其他"}


def _unit_q(path: str, street_id: int | None, community_id: int | None) -> Q:
    if community_id is not None:
        return Q(**{f"{path}_id": community_id})
    if street_id is not None:
        return Q(**{f"{path}__street_id": street_id})
    return Q()


def _approved_hours(start, end, street_id, community_id):
    return ServiceHours.objects.filter(
        _unit_q("volunteer__community", street_id, community_id), status=HoursStatus.APPROVED,
        commitment__starts_at__gte=start, commitment__starts_at__lt=end)


def _source_key(prefix: str):
    return Concat(Value(prefix), Cast("pk", CharField()), output_field=CharField())


def _source_skill():
    """The skill a dispatch or shift was served in, found from the commitment's source key."""
    offer_skill = (Offer.objects.annotate(key=_source_key("offer:"))
                   .filter(key=OuterRef("commitment__source_key"))
                   .values("request__skill__name")[:1])
    shift_skill = (ShiftSignUp.objects.annotate(key=_source_key("shift_signup:"))
                   .filter(key=OuterRef("commitment__source_key"))
                   .values("shift__required_skill__name")[:1])
    return Case(
        When(commitment__kind=CommitmentKind.DISPATCH,
             then=Subquery(offer_skill, output_field=CharField())),
        default=Subquery(shift_skill, output_field=CharField()), output_field=CharField())


def hours_by_month(*, start, end, street_id=None, community_id=None) -> list[dict]:
    """[{"month": date (first of the local month), "hours": Decimal}], oldest first."""
    rows = (_approved_hours(start, end, street_id, community_id)
            .annotate(month=TruncMonth("commitment__starts_at")).values("month")
            .annotate(total=Sum("hours")).order_by("month"))
    return [{"month": _as_date(r["month"]), "hours": r["total"]} for r in rows]


def hours_by_skill(*, start, end, street_id=None, community_id=None) -> list[dict]:
    """[{"skill": name, "hours": Decimal}], most hours first.

    Two queries: hours of kinds without a skill grouped by the kind column (the bulk of the
    rows, a plain GROUP BY), and dispatch and shift hours grouped by the skill their source
    names, looked up only for those rows.
    """
    hours = _approved_hours(start, end, street_id, community_id)
    with_skill = [CommitmentKind.DISPATCH, CommitmentKind.SHIFT]
    totals: dict[str, Decimal] = {}
    by_kind = (hours.exclude(commitment__kind__in=with_skill)
               .values("commitment__kind").annotate(total=Sum("hours")).order_by())
    by_source = (hours.filter(commitment__kind__in=with_skill)
                 .annotate(skill=_source_skill()).values("commitment__kind", "skill")
                 .annotate(total=Sum("hours")).order_by())
    for row in [*by_kind, *by_source]:
        label = row.get("skill") or KIND_LABELS.get(row["commitment__kind"], "其他")
        totals[label] = totals.get(label, Decimal("0")) + row["total"]
    return [{"skill": skill, "hours": total}
            for skill, total in sorted(totals.items(), key=lambda item: (-item[1], item[0]))]


def dispatch_outcomes(*, start, end, street_id=None, community_id=None) -> list[dict]:
    """Service requests created in the period, by their status now: [{"status", "count"}]."""
    rows = (ServiceRequest.objects
            .filter(_unit_q("community", street_id, community_id),
                    created_at__gte=start, created_at__lt=end)
            .values("status").annotate(count=Count("pk")).order_by("status"))
    return [{"status": r["status"], "count": r["count"]} for r in rows]


def average_minutes_to_acceptance(*, start, end, street_id=None,
                                  community_id=None) -> float | None:
    """Mean minutes from a request's creation to the offer its volunteer accepted.

    An average, not a median: both databases compute it in one aggregate. None when no
    request created in the period has been accepted.
    """
    waited = ExpressionWrapper(F("responded_at") - F("request__created_at"),
                               output_field=DurationField())
    mean = (Offer.objects
            .filter(_unit_q("request__community", street_id, community_id),
                    status=OfferStatus.ACCEPTED, responded_at__isnull=False,
                    request__created_at__gte=start, request__created_at__lt=end)
            .aggregate(mean=Avg(waited)))["mean"]
    if mean is None:
        return None
    if isinstance(mean, timedelta):
        return round(mean.total_seconds() / 60, 1)
    return round(float(mean) / 60_000_000, 1)  # SQLite: microseconds


def credentials_expiring(*, today: date, street_id=None, community_id=None) -> dict:
    """Unrevoked credentials whose validity ends within 30/60/90 days of today (cumulative)."""
    base = Credential.objects.filter(
        _unit_q("volunteer__community", street_id, community_id),
        revoked_at__isnull=True, valid_until__gte=today,
        valid_until__lte=today + timedelta(days=max(EXPIRY_WINDOWS)))
    return base.aggregate(**{
        f"within{days}": Count("pk", filter=Q(valid_until__lte=today + timedelta(days=days)))
        for days in EXPIRY_WINDOWS})


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value
