"""Enrolment. Every state change of an enrolment takes the run's row lock first, so
seats, the waitlist and promotions for one run change one transaction at a time; the seat
counter itself only moves through conditional UPDATEs, and a CHECK constraint
(enrolled_count <= capacity) is the last line of defence."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.inserts import insert_unless_conflict
from backend.core.services import audit_log_record, idempotent_call

from .. import notifications, permissions
from ..error_codes import CourseErrorCode as Code
from ..models import (
    CourseRun,
    Enrollment,
    EnrollmentStatus,
)


# --- Seats and the waitlist -----------------------------------------------------------------
def _lock_run(run_id: int) -> CourseRun:
    """Serialise every enrolment change of one run (PostgreSQL row lock; on SQLite the
    IMMEDIATE transaction already holds the database write lock)."""
    run = (CourseRun.objects.select_for_update(of=("self",))
           .select_related("course", "venue__community").filter(pk=run_id).first())
    if run is None:
        raise validation_error("run_id", _("找不到这个班期，请检查编号。"), Code.NOT_FOUND)
    return run


def _take_seat(run_id: int) -> bool:
    return CourseRun.objects.filter(
        pk=run_id, enrolled_count__lt=F("capacity"),
    ).update(enrolled_count=F("enrolled_count") + 1) == 1


def _release_seat(run_id: int) -> None:
    CourseRun.objects.filter(pk=run_id, enrolled_count__gt=0).update(
        enrolled_count=F("enrolled_count") - 1)


def _next_waitlist_seq(run_id: int) -> int:
    CourseRun.objects.filter(pk=run_id).update(waitlist_counter=F("waitlist_counter") + 1)
    return CourseRun.objects.filter(pk=run_id).values_list("waitlist_counter", flat=True).get()


def _promote_waitlisted(*, run: CourseRun, actor) -> Enrollment | None:
    """Move the first waitlisted person up if a seat is free (caller holds the run lock)."""
    while True:
        first = (Enrollment.objects.filter(run_id=run.pk, status=EnrollmentStatus.WAITLISTED)
                 .order_by("waitlist_seq", "id").first())
        if first is None or not _take_seat(run.pk):
            return None
        moved = Enrollment.objects.filter(pk=first.pk, status=EnrollmentStatus.WAITLISTED).update(
            status=EnrollmentStatus.ENROLLED, updated_at=timezone.now())
        if moved == 1:
            first.refresh_from_db()
            audit_log_record(actor=actor, action="enrollment.promoted", obj=first,
                             detail={"run_id": run.pk, "user_id": first.user_id})
            notifications.waitlist_promoted(first)
            return first
        _release_seat(run.pk)


def enrollment_create(*, actor, user, run_id: int,
                      idempotency_key: str | None = None) -> Enrollment:
    """Enrol `user` in the run: ENROLLED while seats are left, else WAITLISTED.

    `actor` is who asked: the user themself, or staff enrolling them at the counter
    (permissions.can_enroll_user). With an `idempotency_key`, a repeated call (a double tap,
    a retried request) returns the first call's enrolment instead of enrolling again.
    An unknown run is NOT_FOUND on `run_id`."""
    on_behalf = actor is not None and actor.pk != user.pk
    if on_behalf and not permissions.can_enroll_user(actor, user):
        # Checked before the run is read: a refusal says nothing about the person or the run.
        raise PermissionDenied
    if not idempotency_key:
        with transaction.atomic():
            return _enroll(actor=actor, user=user, run_id=run_id)
    # The key's transaction is the enrolment's too (one savepoint, not two). Nothing is
    # stored with the key: one row per person and run, so the first result is found again.
    return idempotent_call(
        user=actor, scope="courses.enroll", key=idempotency_key,
        payload={"run": run_id, "user": user.pk},
        action=lambda: _enroll(actor=actor, user=user, run_id=run_id),
        dump=None, load=lambda _stored: Enrollment.objects.get(run_id=run_id, user_id=user.pk))


def _enroll(*, actor, user, run_id: int) -> Enrollment:
    """Caller holds a transaction. The seat is taken before the row goes in; the insert
    itself (unique person+run) tells whether she already had a row, and a refusal rolls
    the seat back with everything else."""
    run = _lock_run(run_id)
    now = timezone.now()
    if not run.course.published or not (
            run.enrollment_opens_at <= now < run.enrollment_closes_at):
        raise validation_error("run_id", _("该班期现在不接受报名。"), Code.ENROLLMENT_CLOSED)
    if not permissions.in_audience(user, run.course):
        raise validation_error("run_id", _("这门课程不面向您所在的人群。"), Code.NOT_IN_AUDIENCE)
    if _take_seat(run.pk):
        status, seq = EnrollmentStatus.ENROLLED, None
    else:
        status, seq = EnrollmentStatus.WAITLISTED, _next_waitlist_seq(run.pk)
    on_behalf = actor is not None and actor.pk != user.pk
    enrollment = Enrollment(run=run, user=user, status=status, waitlist_seq=seq,
                            enrolled_by=actor if on_behalf else None)
    if not insert_unless_conflict(enrollment):
        enrollment = _reuse_cancelled(run=run, user=user, fresh=enrollment)
    audit_log_record(actor=actor, action="enrollment.create", obj=enrollment,
                     detail={"run_id": run.pk, "user_id": user.pk, "status": enrollment.status,
                             "on_behalf": on_behalf})
    if enrollment.status == EnrollmentStatus.ENROLLED:
        notifications.enrollment_confirmed(enrollment)
    notifications.enrollment_waitlisted(enrollment)
    return enrollment


def _reuse_cancelled(*, run: CourseRun, user, fresh: Enrollment) -> Enrollment:
    """She already has a row for this run: a cancelled place is reused (one row per person
    and run, never deleted); any other status is ALREADY_ENROLLED."""
    enrollment = Enrollment.objects.filter(run_id=run.pk, user_id=user.pk).first()
    if enrollment is None:  # the insert was refused by another constraint (SQLite's OR IGNORE)
        raise IntegrityError("enrolment neither inserted nor found")
    if enrollment.status != EnrollmentStatus.CANCELLED:
        raise validation_error("run_id", _("已经报名了这个班期。"), Code.ALREADY_ENROLLED)
    enrollment.run, enrollment.user = run, user
    enrollment.status, enrollment.waitlist_seq = fresh.status, fresh.waitlist_seq
    enrollment.enrolled_by, enrollment.cancelled_at = fresh.enrolled_by, None
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_cancel(*, actor, enrollment_id: int) -> tuple[Enrollment, Enrollment | None]:
    """Cancel a place; a freed seat goes to the first waitlisted person, in this transaction."""
    enrollment = (Enrollment.objects.select_related("run__venue__community")
                  .filter(pk=enrollment_id).first())
    if enrollment is None or not permissions.can_cancel_enrollment(actor, enrollment):
        raise PermissionDenied
    run = _lock_run(enrollment.run_id)
    enrollment.refresh_from_db()
    if enrollment.status == EnrollmentStatus.CANCELLED:
        raise validation_error("enrollment_id", _("这个报名已经取消了。"), Code.ALREADY_CANCELLED)
    if enrollment.status == EnrollmentStatus.COMPLETED:
        raise validation_error("enrollment_id", _("已结业的报名不能取消。"),
                               Code.ALREADY_COMPLETED)
    previous = enrollment.status
    now = timezone.now()
    changed = Enrollment.objects.filter(pk=enrollment.pk, status=previous).update(
        status=EnrollmentStatus.CANCELLED, cancelled_at=now, updated_at=now)
    if changed != 1:
        raise validation_error("enrollment_id", _("这个报名已经取消了。"), Code.ALREADY_CANCELLED)
    promoted = None
    if previous == EnrollmentStatus.ENROLLED:
        _release_seat(run.pk)
        promoted = _promote_waitlisted(run=run, actor=actor)
    enrollment.refresh_from_db()
    audit_log_record(actor=actor, action="enrollment.cancel", obj=enrollment,
                     detail={"run_id": run.pk, "previous": previous,
                             "promoted_id": promoted.pk if promoted else None})
    return enrollment, promoted


@transaction.atomic
def run_fill_from_waitlist(*, actor, run_id: int) -> list[Enrollment]:
    """After capacity grew (admin edit): promote waitlisted people into the new seats."""
    run = _lock_run(run_id)
    promoted = []
    while (moved := _promote_waitlisted(run=run, actor=actor)) is not None:
        promoted.append(moved)
    return promoted
