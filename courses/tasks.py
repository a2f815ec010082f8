import logging

from celery import shared_task
from django.db import transaction

from . import completion, notifications
from .models import Enrollment, EnrollmentStatus, TutoringBooking, TutoringBookingStatus

logger = logging.getLogger(__name__)


@shared_task(name="courses.enrollment_completed")
def enrollment_completed(enrollment_id: int) -> None:
    """After an enrolment became COMPLETED: run the completion hook (idempotent)."""
    with transaction.atomic():
        enrollment = (Enrollment.objects.select_for_update()
                      .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED).first())
        if enrollment is not None:
            completion.on_enrollment_completed(enrollment)


@shared_task(name="courses.run_certificates_reissue")
def run_certificates_reissue(run_id: int) -> dict:
    """The admin's bulk action: issue all due certificates of a run (idempotent)."""
    return completion.run_certificates_reissue(run_id=run_id)


@shared_task(name="courses.tutoring_booking_cancelled_notify")
def tutoring_booking_cancelled_notify(booking_id: int) -> None:
    """Tell the resident their booking was cancelled by the tutor or a coordinator
    (idempotent: one notification per booking)."""
    booking = (TutoringBooking.objects.select_related("user", "slot")
               .filter(pk=booking_id, status=TutoringBookingStatus.CANCELLED).first())
    if booking is not None:
        with transaction.atomic():
            notifications.tutoring_cancelled(booking)


@shared_task(name="courses.send_reminders")
def send_reminders() -> int:
    """Daily: remind everyone of tomorrow's classes and tutoring (safe to run twice)."""
    from datetime import timedelta

    from django.utils import timezone

    with transaction.atomic():
        return notifications.reminders_for_day(timezone.localdate() + timedelta(days=1))
