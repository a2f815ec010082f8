"""Reads for reports: service-hours certificates and CSV exports of the roster, hours and
dispatches."""


from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import permissions as accounts_permissions
from backend.core.formatting import hours_zh

from .models import (
    CommitmentKind,
    HoursStatus,
    ServiceHours,
    ServiceRequest,
    Volunteer,
)
from .selectors import service_request_queryset


# --- Service-hours certificates --------------------------------------------------------------
def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _service_item(entry: ServiceHours) -> str:
    """What was served, in Chinese: the skill for a doorstep job, the event for a shift,
    otherwise the kind of commitment."""
    commitment = entry.commitment
    if commitment.kind == CommitmentKind.DISPATCH:
        offer = getattr(commitment, "offer", None)
        if offer is not None:
            return _("上门服务·%(skill)s") % {"skill": offer.request.skill.name}
        return _("上门服务")
    if commitment.kind == CommitmentKind.SHIFT:
        signup = getattr(commitment, "shift_signup", None)
        if signup is not None:
            return _("活动值守·%(event)s") % {"event": signup.shift.event.title}
        return _("活动值守")
    if commitment.kind == CommitmentKind.TUTORING:
        return _("微信一对一辅导")
    return commitment.title or str(CommitmentKind(commitment.kind).label)


def service_hours_summary(*, volunteer: Volunteer, period_start: date, period_end: date
                          ) -> tuple[Decimal, list[str]]:
    """Approved hours served in [period_start, period_end] (local dates, inclusive) and the
    service content, e.g. ["上门服务·理发 3次 6小时", ...], largest first. One query."""
    entries = (ServiceHours.objects
               .filter(volunteer_id=volunteer.pk, status=HoursStatus.APPROVED,
                       served_on__gte=_local_midnight(period_start),
                       served_on__lt=_local_midnight(period_end + timedelta(days=1)))
               .select_related("commitment__offer__request__skill",
                               "commitment__shift_signup__shift__event")
               .order_by("served_on", "id"))
    total = Decimal("0")
    items: dict[str, list] = {}
    for entry in entries:
        total += entry.hours
        item = items.setdefault(_service_item(entry), [0, Decimal("0")])
        item[0] += 1
        item[1] += entry.hours
    ordered = sorted(items.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    content = [_("%(item)s %(n)d次 %(hours)s小时") % {
        "item": name, "n": n, "hours": hours_zh(hours)} for name, (n, hours) in ordered]
    return total, content


# --- Roster export -------------------------------------------------------------------------------
VOLUNTEERS_EXPORT_COLUMNS = ["id", "username", "display_name", "phone", "community", "street",
                             "status", "skills"]


def volunteers_export_rows(queryset: QuerySet[Volunteer]) -> Iterator[list]:
    """One row per volunteer in `queryset`, phones masked, in the order of
    VOLUNTEERS_EXPORT_COLUMNS: three queries at any size (the volunteers, their skill
    levels, the skills), composable with a queryset that already prefetches "skills"."""
    for v in queryset.select_related("user", "community__street").prefetch_related(
            "skills__skill"):
        yield [v.pk, v.user.username, v.user.display_name, v.user.phone_masked,
               v.community.name, v.community.street.name, v.status,
               ";".join(f"{s.skill.code}:{s.level}" for s in v.skills.all())]


def _period_bounds(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    return _local_midnight(period_start), _local_midnight(period_end + timedelta(days=1))


def service_hours_for_export(*, user, period_start: date, period_end: date
                             ) -> QuerySet[ServiceHours]:
    """Hours served in the period (local days, both ends included) by the volunteers of
    the units the user coordinates, oldest first."""
    start, end = _period_bounds(period_start, period_end)
    return (ServiceHours.objects
            .filter(accounts_permissions.coordinated_community_filter(user, "volunteer__community"),
                    served_on__gte=start, served_on__lt=end)
            .select_related("volunteer__user", "volunteer__community", "reviewed_by")
            .order_by("served_on", "id"))


def service_requests_for_export(*, user, period_start: date, period_end: date
                                ) -> QuerySet[ServiceRequest]:
    """Doorstep jobs starting in the period in the user's units, with their offers."""
    start, end = _period_bounds(period_start, period_end)
    return (service_request_queryset()
            .filter(accounts_permissions.coordinated_community_filter(user, "community"),
                    starts_at__gte=start, starts_at__lt=end)
            .order_by("starts_at", "id"))
