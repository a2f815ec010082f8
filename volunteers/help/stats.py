"""Help-request numbers for the console: requests by service and outcome, time from asking
to dispatch and to done, ratings. Two queries for any unit and period; a request counts in
the period it was asked, for its own community."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from ..models import ServiceRequest

OTHER = "其他"


def _unit_q(street_id, community_id) -> Q:
    if community_id is not None:
        return Q(community_id=community_id)
    if street_id is not None:
        return Q(community__street_id=street_id)
    return Q()


def _minutes(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 60, 1)
    return round(float(value) / 60_000_000, 1)  # SQLite: microseconds


def help_stats(*, start, end, street_id=None, community_id=None) -> dict:
    rows = ServiceRequest.objects.filter(_unit_q(street_id, community_id),
                                         requester__isnull=False, created_at__gte=start,
                                         created_at__lt=end)
    by_service = [
        {"service": r["skill__name"] or OTHER, "status": r["status"], "count": r["count"]}
        for r in rows.values("skill__name", "status").annotate(count=Count("pk"))
        .order_by("skill__name", "status")]
    to_dispatch = ExpressionWrapper(F("dispatched_at") - F("created_at"),
                                    output_field=DurationField())
    to_done = ExpressionWrapper(F("completed_at") - F("created_at"),
                                output_field=DurationField())
    totals = rows.aggregate(
        to_dispatch=Avg(to_dispatch), to_done=Avg(to_done),
        rated_count=Count("pk", filter=Q(rating__isnull=False)), mean_rating=Avg("rating"),
        low_count=Count("pk", filter=Q(rating__lte=2)))
    return {
        "by_service": by_service,
        "total": sum(r["count"] for r in by_service),
        "average_minutes_to_dispatch": _minutes(totals["to_dispatch"]),
        "average_minutes_to_done": _minutes(totals["to_done"]),
        "ratings": {"count": totals["rated_count"],
                    "average": round(float(totals["mean_rating"]), 2)
                    if totals["mean_rating"] is not None else None,
                    "low": totals["low_count"]},
    }
