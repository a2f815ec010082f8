"""Reads for the coordinators' dispatch board: a period's doorstep jobs in her units,
grouped into the board's columns, each with its offer timeline. A fixed number of queries
whatever the number of jobs (pinned in tests/query_pins.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts.models import Community
from backend.accounts.permissions import coordinated_community_filter

from .models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus, Skill

S = ServiceRequestStatus
# REQUESTED and DECLINED belong to help requests (API v1.1); the board shows them when
# such rows exist and does not depend on them otherwise.
COLUMNS = (
    ("REQUESTED", gettext_lazy("待处理")),
    (S.OFFERED, gettext_lazy("已派单")),
    (S.ACCEPTED, gettext_lazy("已接单")),
    (S.COMPLETED, gettext_lazy("已完成")),
    (S.ESCALATED, gettext_lazy("已上报")),
)
CLOSED = (S.CANCELLED, S.UNFULFILLED, "DECLINED")
OPEN = ("REQUESTED", S.OFFERED, S.ACCEPTED, S.ESCALATED)
RANGES = {"today": (gettext_lazy("今天"), 1), "week": (gettext_lazy("7天内"), 7)}


@dataclass
class Column:
    status: str
    title: str
    requests: list = field(default_factory=list)


def period(range_name: str, today: date | None = None) -> tuple[datetime, datetime]:
    """The board's window in local days: today, or today and the six days after."""
    today = today or timezone.localdate()
    days = RANGES.get(range_name, RANGES["week"])[1]
    start = timezone.make_aware(datetime.combine(today, time.min))
    return start, start + timedelta(days=days)


def board_requests(*, user, range_name: str = "week", closed: bool = False
                   ) -> QuerySet[ServiceRequest]:
    start, end = period(range_name)
    statuses = CLOSED if closed else tuple(status for status, _title in COLUMNS)
    return (ServiceRequest.objects
            .filter(coordinated_community_filter(user, "community"),
                    starts_at__gte=start, starts_at__lt=end, status__in=statuses)
            .select_related("skill", "community")
            .prefetch_related(Prefetch("offers", queryset=Offer.objects.select_related(
                "volunteer__user").order_by("id")))
            .order_by("created_at", "id"))


def board_columns(*, user, range_name: str = "week", closed: bool = False) -> list[Column]:
    if closed:
        columns = {"closed": Column("closed", str(_("已关闭（已取消、未能满足、已拒绝）")))}
    else:
        columns = {status: Column(status, str(title)) for status, title in COLUMNS}
    now = timezone.now()
    for request in board_requests(user=user, range_name=range_name, closed=closed):
        # Display-only attributes for the template.
        request.in_progress = (  # type: ignore[attr-defined]
            request.status == S.ACCEPTED and request.starts_at <= now)
        request.timeline = timeline(request)  # type: ignore[attr-defined]
        key = "closed" if closed else request.status
        columns[key].requests.append(request)
    return list(columns.values())


def timeline(request: ServiceRequest) -> list[str]:
    """One line per offer, oldest first: to whom, when, and how it ended."""
    lines = []
    for offer in request.offers.all():
        when = timezone.localtime(offer.created_at).strftime("%H:%M")
        line = _("%(time)s 派给 %(name)s") % {"time": when, "name": offer.volunteer}
        if offer.status == OfferStatus.DECLINED:
            reason = f"（{offer.reason}）" if offer.reason else ""
            line += _(" → 拒绝%(reason)s") % {"reason": reason}
        elif offer.status == OfferStatus.EXPIRED:
            line += _(" → 超时未答复")
        elif offer.status == OfferStatus.WITHDRAWN:
            reason = f"（{offer.reason}）" if offer.reason else ""
            line += _(" → 已撤回%(reason)s") % {"reason": reason}
        elif offer.status == OfferStatus.ACCEPTED:
            line += _(" → 已接单")
        else:
            until = timezone.localtime(offer.expires_at).strftime("%H:%M")
            line += _(" → 等待答复（%(until)s前）") % {"until": until}
        lines.append(line)
    return lines


def board_communities(user) -> QuerySet[Community]:
    """Where she may create a job from the board."""
    return (Community.objects.filter(coordinated_community_filter(user, ""))
            .select_related("street").order_by("street_id", "id"))


def board_skills() -> QuerySet[Skill]:
    return Skill.objects.order_by("id")
