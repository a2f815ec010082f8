"""CSV exports of a period's service hours and doorstep jobs for a coordinator's units.

Each export is audited. Phones are shown only to whom may see them
(`can_view_personal_data`), masked otherwise. The text has no BOM: the HTTP layer adds
one so Excel on Chinese Windows reads UTF-8."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from backend.accounts.permissions import can_view_personal_data
from backend.core import audit
from backend.core.services import audit_log_record

from .. import permissions, report_selectors
from ..models import OfferStatus

HOURS_COLUMNS = ["志愿者", "手机号", "社区", "服务日期", "时长（小时）", "状态", "说明",
                 "审核人", "审核时间", "审核意见"]
DISPATCH_COLUMNS = ["编号", "技能", "社区", "开始", "结束", "状态", "接单志愿者", "手机号",
                    "派出次数", "拒绝或超时", "外部编号", "派单时间"]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _phone(actor, user) -> str:
    if user.phone and can_view_personal_data(actor, user):
        audit.personal_data_read(actor=actor, subject=user, what="phone", why="export:csv")
        return user.phone
    return user.phone_masked


def _write(columns: list[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _check(actor, period_start: date, period_end: date) -> None:
    if not permissions.can_export_reports(actor):
        raise PermissionDenied
    if period_end < period_start:
        raise ValueError("period_end before period_start")


def service_hours_export_csv(*, actor, period_start: date, period_end: date) -> str:
    _check(actor, period_start, period_end)
    entries = list(report_selectors.service_hours_for_export(
        user=actor, period_start=period_start, period_end=period_end))
    rows = [[str(e.volunteer), _phone(actor, e.volunteer.user), e.volunteer.community.name,
             timezone.localtime(e.served_on).strftime("%Y-%m-%d"), str(e.hours),
             e.get_status_display(), e.note, str(e.reviewed_by or ""), _local(e.reviewed_at),
             e.review_reason] for e in entries]
    audit_log_record(actor=actor, action="service_hours.export", detail={
        "period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
        "rows": len(rows)})
    return _write(HOURS_COLUMNS, rows)


def _dispatch_row(actor, request) -> list:
    offers = list(request.offers.all())
    accepted = next((o for o in offers if o.status in (OfferStatus.ACCEPTED,)), None)
    # A completed job keeps its volunteer on the ACCEPTED offer.
    volunteer = accepted.volunteer if accepted else None
    missed = sum(1 for o in offers if o.status in (OfferStatus.DECLINED, OfferStatus.EXPIRED))
    # A help request not triaged yet has no skill ("other").
    skill = request.skill.name if request.skill_id else "其他"
    return [request.pk, skill, request.community.name, _local(request.starts_at),
            _local(request.ends_at), request.get_status_display(),
            str(volunteer) if volunteer else "",
            _phone(actor, volunteer.user) if volunteer else "", len(offers), missed,
            request.external_ref, _local(request.created_at)]


def dispatches_export_csv(*, actor, period_start: date, period_end: date) -> str:
    _check(actor, period_start, period_end)
    rows = [_dispatch_row(actor, r) for r in report_selectors.service_requests_for_export(
        user=actor, period_start=period_start, period_end=period_end)]
    audit_log_record(actor=actor, action="dispatch.export", detail={
        "period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
        "rows": len(rows)})
    return _write(DISPATCH_COLUMNS, rows)
