"""Service hours: logged for a finished commitment, reviewed by a coordinator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.formatting import date_zh, hours_zh
from backend.core.services import audit_log_record, idempotent_call
from backend.notifications import services as notification_services
from backend.notifications.models import NotificationKind

from .. import permissions
from ..error_codes import VolunteerErrorCode as Code
from ..help import lifecycle as help_lifecycle
from ..models import Commitment, CommitmentStatus, HoursStatus, ServiceHours, Volunteer
from .calendar import commitment_complete

# Hours may run a little over the planned time (a haircut that took longer), not more.
HOURS_GRACE = timedelta(minutes=30)


def _parse_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise validation_error("hours", _("时长格式不正确。"), Code.INVALID) from None
    if not Decimal("0") < value <= Decimal("24"):
        raise validation_error("hours", _("时长应大于0且不超过24小时。"), Code.INVALID)
    return value


def max_hours_for(commitment: Commitment) -> Decimal:
    """The most hours that can be logged: the commitment's length plus HOURS_GRACE."""
    seconds = (commitment.ends_at - commitment.starts_at + HOURS_GRACE).total_seconds()
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(Decimal("0.01"))


def _check_within_commitment(commitment: Commitment, value: Decimal) -> None:
    limit = max_hours_for(commitment)
    if value > limit:
        raise validation_error(
            "hours", _("登记的时长不能超过这次服务的时长加半小时（最多%(max)s小时）。")
            % {"max": hours_zh(limit)}, Code.HOURS_EXCEED_COMMITMENT)


def service_hours_log(*, actor, commitment: Commitment, hours, note: str = "",
                      idempotency_key: str | None = None) -> ServiceHours:
    """The volunteer or a coordinator logs hours for a finished commitment (PENDING), at
    most the commitment's length plus HOURS_GRACE (HOURS_EXCEED_COMMITMENT)."""
    if not permissions.can_log_hours(actor, commitment):
        raise PermissionDenied
    value = _parse_hours(hours)
    _check_within_commitment(commitment, value)

    def action():
        with transaction.atomic():
            current = Commitment.objects.get(pk=commitment.pk)
            if current.status == CommitmentStatus.CONFIRMED and current.ends_at <= timezone.now():
                commitment_complete(commitment=current)
            if current.status != CommitmentStatus.COMPLETED:
                raise validation_error("commitment_id", _("日程完成后才能登记服务时长。"),
                                       Code.NOT_COMPLETED)
            if ServiceHours.objects.filter(commitment=current).exclude(
                    status=HoursStatus.DECLINED).exists():
                raise validation_error("commitment_id", _("这次服务的时长已经登记过了。"),
                                       Code.ALREADY_LOGGED)
            try:
                with transaction.atomic():
                    entry = ServiceHours.objects.create(
                        commitment=current, volunteer_id=current.volunteer_id, hours=value,
                        served_on=current.starts_at, note=(note or "")[:200], logged_by=actor)
            except IntegrityError:
                raise validation_error("commitment_id", _("这次服务的时长已经登记过了。"),
                                       Code.ALREADY_LOGGED) from None
            # A help request's visit is done once its hours are logged.
            help_lifecycle.complete_for_hours(current, actor)
            return entry

    return idempotent_call(
        user=actor, scope="volunteers.serviceHoursLog", key=idempotency_key,
        payload={"commitment": commitment.pk, "hours": str(value), "note": note},
        action=action, dump=lambda e: e.pk, load=lambda pk: ServiceHours.objects.get(pk=pk))


def service_hours_review(*, actor, entry: ServiceHours, approve: bool,
                         reason: str = "") -> ServiceHours:
    if not permissions.can_review_hours(actor, entry):
        raise PermissionDenied
    if not approve and not (reason or "").strip():
        raise validation_error("reason", _("不通过时请填写原因。"), Code.REQUIRED)
    with transaction.atomic():
        updated = ServiceHours.objects.filter(pk=entry.pk, status=HoursStatus.PENDING).update(
            status=HoursStatus.APPROVED if approve else HoursStatus.DECLINED,
            reviewed_by=actor, reviewed_at=timezone.now(), review_reason=(reason or "")[:200],
            updated_at=timezone.now())
        if not updated:
            raise validation_error("entry_id", _("这条服务时长已经审核过了。"),
                                   Code.ALREADY_REVIEWED)
        entry.refresh_from_db()
        audit_log_record(actor=actor, action="service_hours.review", obj=entry,
                         detail={"approve": bool(approve)})
        _notify_hours_reviewed(entry)
        return entry


def _notify_hours_reviewed(entry: ServiceHours) -> None:
    approved = entry.status == HoursStatus.APPROVED
    day = date_zh(entry.served_on)
    hours = hours_zh(entry.hours)
    if approved:
        title = _("您的服务时长已审核通过")
        body = _("%(day)s的服务时长%(hours)s小时已审核通过，计入您的志愿服务总时长。") % {
            "day": day, "hours": hours}
    else:
        title = _("您的服务时长未通过审核")
        body = _("%(day)s的服务时长%(hours)s小时未通过审核。原因：%(reason)s") % {
            "day": day, "hours": hours, "reason": entry.review_reason}
    user = Volunteer.objects.select_related("user").get(pk=entry.volunteer_id).user
    notification_services.notify(
        user=user, kind=NotificationKind.HOURS_REVIEWED, dedup_key=f"hours:{entry.pk}:reviewed",
        title=title, body=body,
        data={"keywords": [day, hours, str(entry.get_status_display())],
              "service_hours_id": entry.pk, "approved": approved})
