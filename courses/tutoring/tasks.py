"""Tutoring's Celery tasks (registered with the worker through courses/tasks.py): thin,
each imports its service inside its body, safe to run twice."""

from celery import shared_task


@shared_task(name="courses.tutoring_booking_cancelled_notify")
def booking_cancelled_notify(booking_id: int) -> None:
    """Tell the resident their booking was cancelled by the tutor or a coordinator
    (idempotent: one notification per booking). The services now write this notice in
    their own transaction; the task stays registered for messages queued before that."""
    from .notifications import booking_cancelled

    booking_cancelled(booking_id=booking_id)
