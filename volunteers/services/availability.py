"""Weekly availability rules, the hour mask matching reads, and time off."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from backend.core.errors import validation_error

from .. import candidates, permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import WEEK_HOURS, AvailabilityRule, TimeOff, Volunteer

MAX_AVAILABILITY_RULES = 50


def hour_mask(rules) -> str:
    """Character (weekday-1)*24+h is "1" when some rule overlaps local hour h."""
    bits = ["0"] * WEEK_HOURS
    for rule in rules:
        start = rule.start_time.hour
        end_hour = rule.end_time.hour
        last = end_hour if (rule.end_time.minute or rule.end_time.second) else end_hour - 1
        for hour in range(start, last + 1):
            bits[(rule.weekday - 1) * 24 + hour] = "1"
    return "".join(bits)


def _parse_time(value) -> time:
    if isinstance(value, time):
        return value
    return time.fromisoformat(str(value))


@transaction.atomic
def availability_set(*, actor, volunteer: Volunteer, rules: list[dict]) -> Volunteer:
    """Replace the volunteer's weekly rules at once (nothing half-replaced)."""
    if not permissions.can_manage_availability(actor, volunteer):
        raise PermissionDenied
    if len(rules) > MAX_AVAILABILITY_RULES:
        raise validation_error(
            "rules", _("可服务时间最多%(n)d条。") % {"n": MAX_AVAILABILITY_RULES}, Code.INVALID)
    new_rules = []
    for index, raw in enumerate(rules):
        try:
            weekday = int(raw["weekday"])
            start, end = _parse_time(raw["start_time"]), _parse_time(raw["end_time"])
        except (KeyError, TypeError, ValueError):
            raise validation_error(
                "rules", _("第%(n)d条可服务时间格式不正确。") % {"n": index + 1}, Code.INVALID,
            ) from None
        if not 1 <= weekday <= 7:
            raise validation_error("rules", _("星期应为1（周一）到7（周日）。"),
                                   Code.INVALID_WINDOW)
        if start >= end:
            raise validation_error(
                "rules", _("第%(n)d条：开始时间须早于结束时间。") % {"n": index + 1},
                Code.INVALID_WINDOW)
        new_rules.append(AvailabilityRule(
            volunteer=volunteer, weekday=weekday, start_time=start, end_time=end,
            valid_from=raw.get("valid_from"), valid_until=raw.get("valid_until")))
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    # One refresh of the matching candidate rows for the whole replacement, not one per rule.
    with candidates.batch():
        AvailabilityRule.objects.filter(volunteer=volunteer).delete()
        AvailabilityRule.objects.bulk_create(new_rules)
        volunteer.hour_mask = hour_mask(new_rules)
        volunteer.save(update_fields=["hour_mask", "updated_at"])
    return volunteer


def time_off_add(*, actor, volunteer: Volunteer, starts_at: datetime, ends_at: datetime,
                 reason: str = "") -> TimeOff:
    if not permissions.can_manage_availability(actor, volunteer):
        raise PermissionDenied
    if starts_at >= ends_at:
        raise validation_error("ends_at", _("结束时间须晚于开始时间。"), Code.INVALID_WINDOW)
    return TimeOff.objects.create(volunteer=volunteer, starts_at=starts_at, ends_at=ends_at,
                                  reason=(reason or "")[:200])
