"""The single completion hook: what happens once an enrolment became COMPLETED.

Called by courses.tasks.enrollment_completed after the completing transaction committed.
It may run more than once (acks_late, retries), so every effect is idempotent. The
certificates work extends this function (issue the course-completion certificate)."""

from backend.core.models import AuditLog
from backend.core.services import audit_log_record

from .models import Enrollment

COMPLETED_ACTION = "enrollment.completed"


def on_enrollment_completed(enrollment: Enrollment) -> None:
    object_type = Enrollment._meta.label_lower
    if AuditLog.objects.filter(action=COMPLETED_ACTION, object_type=object_type,
                               object_id=str(enrollment.pk)).exists():
        return
    audit_log_record(actor=None, action=COMPLETED_ACTION, obj=enrollment,
                     detail={"run_id": enrollment.run_id, "user_id": enrollment.user_id})
