from celery import shared_task
from django.db import transaction

from . import completion
from .models import Enrollment, EnrollmentStatus


@shared_task(name="courses.enrollment_completed")
def enrollment_completed(enrollment_id: int) -> None:
    """After an enrolment became COMPLETED: run the completion hook (idempotent)."""
    with transaction.atomic():
        enrollment = (Enrollment.objects.select_for_update()
                      .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED).first())
        if enrollment is not None:
            completion.on_enrollment_completed(enrollment)
