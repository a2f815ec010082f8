"""Enrolling with an idempotency key: the one call `courseEnroll` and the class page make,
so a double tap and a retried request enrol once whichever interface they came from."""

from backend.core.services import idempotent_call
from courses import services

ENROLL_SCOPE = "courses.enroll"


def enroll_idempotently(*, actor, learner, run, key: str | None) -> int:
    """Enrol `learner` in `run` (services.enrollment_create) once per (actor, key); returns
    the enrolment's pk. Raises the service's ValidationError codes, or
    IDEMPOTENCY_KEY_REUSED when the key came with another run or person."""
    result = idempotent_call(
        user=actor, scope=ENROLL_SCOPE, key=key,
        payload={"run": run.pk, "user": learner.pk},
        action=lambda: services.enrollment_create(actor=actor, user=learner, run_id=run.pk),
        dump=lambda e: e.pk, load=lambda pk: pk)
    return result if isinstance(result, int) else result.pk
