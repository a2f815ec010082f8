"""The 志愿服务证明: a certificate of a volunteer's approved hours in a period."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.certificates import services as certificate_services
from backend.certificates.models import Certificate, CertificateKind
from backend.core.errors import validation_error
from backend.core.formatting import date_zh
from backend.core.services import audit_log_record

from .. import permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import Volunteer
from ..report_selectors import service_hours_summary

SERVICE_HOURS_CERTIFICATE_TITLE = "邻里365便民服务队"
MAX_CERTIFICATE_PERIOD_DAYS = 366 * 5


def service_hours_certificate_issue(*, actor, volunteer: Volunteer, period_start: date,
                                    period_end: date) -> Certificate:
    """Issue the 志愿服务证明 for the volunteer's APPROVED hours in the period.

    "谁记录谁证明": the unit whose coordinators approve the hours — the street of the
    volunteer's home community — issues it, and its coordinators (or an admin) may do so.
    The source key names volunteer and period, so asking twice returns the first
    certificate (later approvals in that period do not change a printed certificate).
    Rendered synchronously: one page, tens of milliseconds.
    """
    if not permissions.can_issue_service_hours_certificate(actor, volunteer):
        raise PermissionDenied
    today = timezone.localdate()
    if period_start > period_end:
        raise validation_error("period_end", _("证明期间的结束日期不能早于开始日期。"),
                               Code.INVALID_WINDOW)
    if period_start > today:
        raise validation_error("period_start", _("证明期间不能从将来开始。"), Code.INVALID_WINDOW)
    if (period_end - period_start).days > MAX_CERTIFICATE_PERIOD_DAYS:
        raise validation_error("period_end", _("证明期间最长五年。"), Code.INVALID_WINDOW)
    total, content = service_hours_summary(volunteer=volunteer, period_start=period_start,
                                           period_end=period_end)
    if total <= 0:
        raise validation_error("period_start", _("该期间内没有已审核通过的服务时长。"),
                               Code.NO_APPROVED_HOURS)
    user = volunteer.user
    street = volunteer.community.street
    snapshot = {
        "holder_name": user.display_name or user.username,
        "title": SERVICE_HOURS_CERTIFICATE_TITLE,
        "hours": float(total),
        "period": _("%(start)s至%(end)s") % {"start": date_zh(period_start),
                                             "end": date_zh(period_end)},
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "content": content,
        "community_name": volunteer.community.name,
    }
    certificate, created = certificate_services.certificate_issue(
        kind=CertificateKind.SERVICE_HOURS, holder=user,
        source_key=f"service_hours:{volunteer.pk}:{period_start.isoformat()}:"
                   f"{period_end.isoformat()}",
        snapshot=snapshot, issuer_street=street)
    if created:
        audit_log_record(actor=actor, action="service_hours_certificate.issue", obj=certificate,
                         detail={"volunteer_id": volunteer.pk, "hours": str(total),
                                 "period": [period_start.isoformat(), period_end.isoformat()]})
    return certificate
