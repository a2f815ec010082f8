"""The single completion hook: what happens once an enrolment became COMPLETED.

Run by the task courses.enrollment_completed after the completing transaction committed.
It may run more than once (acks_late, retries, a bulk re-issue), so every effect is
idempotent: the audit entry is written once, the certificate is keyed by the enrolment,
and the credential by the certificate's code."""

from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from backend.certificates.models import CertificateKind
from backend.certificates.services import certificate_issue
from backend.core.formatting import date_range_zh
from backend.core.models import AuditLog
from backend.core.services import audit_log_record, enqueue_on_commit
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services

from .models import Enrollment, EnrollmentStatus
from .services import enrollment_check_completion
from .tasks import reissue_run_certificates as reissue_run_certificates_task

COMPLETED_ACTION = "enrollment.completed"


def certificate_source_key(enrollment_id: int) -> str:
    return f"enrollment:{enrollment_id}"


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # The 31st of a short month becomes its last day.
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _snapshot(enrollment: Enrollment) -> dict:
    run = enrollment.run
    start, end = timezone.localdate(run.starts_at), timezone.localdate(run.ends_at)
    period = date_range_zh(start, end)
    return {
        "holder_name": enrollment.user.display_name or enrollment.user.username,
        "title": run.course.title,
        "hours": str(run.course.hours),
        "period": period,
        "course_code": run.course.code,
        "run_code": run.code,
    }


def issue_course_certificate(enrollment: Enrollment):
    """Issue (once) the completion certificate, and the credential the course grants."""
    run = enrollment.run
    course = run.course
    credential_type = (volunteer_selectors.credential_type_get(course.grants_credential_type)
                       if course.grants_credential_type else None)
    valid_until = None
    # Dated when the run's last session ended: the day the course was really finished,
    # whenever the check that completed it ran.
    issued_at = enrollment.completed_at or timezone.now()
    if credential_type is not None and credential_type.validity_months:
        valid_until = _add_months(timezone.localdate(issued_at), credential_type.validity_months)
    certificate, _created = certificate_issue(
        kind=CertificateKind.COURSE_COMPLETION, holder=enrollment.user,
        source_key=certificate_source_key(enrollment.pk), snapshot=_snapshot(enrollment),
        issuer_street=None if run.community_id else run.street,
        issuer_community=run.community, valid_until=valid_until, issued_at=issued_at,
    )
    if credential_type is not None:
        volunteer = volunteer_selectors.volunteer_for_user(enrollment.user)
        if volunteer is not None:
            volunteer_services.credential_grant(
                volunteer=volunteer, type_code=credential_type.code, number=certificate.code,
                valid_from=timezone.localdate(certificate.issued_at),
                valid_until=certificate.valid_until, source=f"certificate:{certificate.code}")
    return certificate


def on_enrollment_completed(enrollment: Enrollment) -> None:
    enrollment = (Enrollment.objects
                  .select_related("user", "run__course", "run__street", "run__community__street")
                  .get(pk=enrollment.pk))
    object_type = Enrollment._meta.label_lower
    if not AuditLog.objects.filter(action=COMPLETED_ACTION, object_type=object_type,
                                   object_id=str(enrollment.pk)).exists():
        audit_log_record(actor=None, action=COMPLETED_ACTION, obj=enrollment,
                         detail={"run_id": enrollment.run_id, "user_id": enrollment.user_id})
    issue_course_certificate(enrollment)


@transaction.atomic
def enrollment_completion_hook_run(*, enrollment_id: int) -> bool:
    """What the task runs: the hook for a COMPLETED enrolment, under its row lock so two
    deliveries of the task take turns; False if the enrolment is not COMPLETED."""
    enrollment = (Enrollment.objects.select_for_update()
                  .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED).first())
    if enrollment is None:
        return False
    on_enrollment_completed(enrollment)
    return True


# --- Bulk (re)issue for a run: a coordinator's one action, run in the background ---------
def _progress_key(run_id: int) -> str:
    return f"courses:run:{run_id}:certificates"


def run_certificates_progress(run_id: int) -> dict | None:
    return cache.get(_progress_key(run_id))


def run_certificates_reissue_start(*, actor, run_ids: list[int]) -> None:
    """A coordinator's bulk action: re-check and issue the certificates of these runs in the
    background (after commit), audit-logged as one entry."""
    for run_id in run_ids:
        enqueue_on_commit(reissue_run_certificates_task, run_id)
    audit_log_record(actor=actor, action="courserun.certificates_reissue",
                     object_type="courses.courserun",
                     object_id=",".join(map(str, run_ids))[:64])


def run_certificates_reissue(*, run_id: int) -> dict:
    """Re-check completion of every enrolled learner of the run (attendance may have been
    corrected since) and issue every due certificate. Safe to repeat: each step is
    idempotent. Progress is kept in the cache for the admin to show."""
    ids = list(Enrollment.objects.filter(
        run_id=run_id, status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED])
        .order_by("pk").values_list("pk", flat=True))
    progress: dict[str, Any] = {"total": len(ids), "done": 0, "issued": 0, "state": "running",
                "started_at": timezone.now().isoformat()}
    cache.set(_progress_key(run_id), progress, timeout=86400)
    for number, enrollment_id in enumerate(ids, start=1):
        enrollment_check_completion(enrollment_id=enrollment_id)
        enrollment = (Enrollment.objects
                      .select_related("user", "run__course", "run__street",
                                      "run__community__street")
                      .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED).first())
        if enrollment is not None:
            issue_course_certificate(enrollment)
            progress["issued"] += 1
        progress["done"] = number
        if number % 10 == 0 or number == len(ids):
            cache.set(_progress_key(run_id), progress, timeout=86400)
    progress["state"] = "finished"
    progress["finished_at"] = timezone.now().isoformat()
    cache.set(_progress_key(run_id), progress, timeout=86400)
    return progress
