import logging

from celery import shared_task
from django.db import transaction

from . import completion
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
    """Tell the resident their booking was cancelled by the tutor or a coordinator. There is
    no WeChat channel yet: log it (ids only, no personal data). Idempotent."""
    booking = TutoringBooking.objects.filter(
        pk=booking_id, status=TutoringBookingStatus.CANCELLED).first()
    if booking is not None:
        logger.info(
            "tutoring booking %s cancelled: notify user %s", booking.pk, booking.user_id)
