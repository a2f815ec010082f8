"""Courses' Celery tasks: thin — take ids, call one service, safe to run twice.

Each task imports its service inside its body, so a service can import the task it
enqueues at module top without an import cycle. The registered names (`name=`) are the
contract with queued messages and the beat schedule: keep them when renaming functions."""

from celery import shared_task

# Celery's autodiscovery imports only `courses.tasks`; the worker learns tutoring's tasks here.
from .tutoring.tasks import booking_cancelled_notify  # noqa: F401


@shared_task(name="courses.enrollment_completed")
def enrollment_completed(enrollment_id: int) -> None:
    """After an enrolment became COMPLETED: run the completion hook (idempotent)."""
    from .completion import enrollment_completion_hook_run

    enrollment_completion_hook_run(enrollment_id=enrollment_id)


@shared_task(name="courses.run_certificates_reissue")
def reissue_run_certificates(run_id: int) -> dict:
    """The admin's bulk action: issue all due certificates of a run (idempotent)."""
    from .completion import run_certificates_reissue

    return run_certificates_reissue(run_id=run_id)


@shared_task(name="courses.complete_finished_runs")
def complete_finished_runs() -> int:
    """Every few minutes: complete those who meet the rule in runs whose last session has
    just ended (completion waits for it; safe to run twice)."""
    from .services import finished_runs_complete

    return finished_runs_complete()


@shared_task(name="courses.send_reminders")
def send_reminders() -> int:
    """Daily: remind everyone of tomorrow's classes and tutoring (safe to run twice)."""
    from datetime import timedelta

    from django.utils import timezone

    from .notifications import reminders_for_day
    from .tutoring.notifications import reminders_for_day as tutoring_reminders_for_day

    tomorrow = timezone.localdate() + timedelta(days=1)
    return reminders_for_day(tomorrow) + tutoring_reminders_for_day(tomorrow)
