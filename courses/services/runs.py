"""Course runs: codes, validation and creation (the mutation and the admin call the same
service)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import permissions
from ..error_codes import CourseErrorCode as Code
from ..models import (
    ClassSession,
    Course,
    CourseRun,
    Venue,
)


# --- Runs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionInput:
    starts_at: datetime
    ends_at: datetime


def run_code_prefix(course: Course, starts_at: datetime) -> str:
    leading = re.match(r"[A-Za-z]*", course.code)  # always matches, perhaps empty
    letters = (leading.group(0) if leading else "").upper()[:4] or "RUN"
    return f"{letters}{timezone.localtime(starts_at):%y%m}-"


def next_run_code(prefix: str) -> str:
    numbers = [int(code[len(prefix):]) for code in
               CourseRun.objects.filter(code__startswith=prefix).values_list("code", flat=True)
               if code[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _validate_run(*, starts_at, ends_at, opens_at, closes_at, capacity, sessions,
                  min_attendance_rate) -> None:
    if ends_at <= starts_at:
        raise validation_error("ends_at", _("结班时间必须晚于开班时间。"), Code.INVALID_WINDOW)
    if closes_at <= opens_at:
        raise validation_error("enrollment_closes_at", _("报名截止时间必须晚于报名开始时间。"),
                               Code.INVALID_WINDOW)
    if closes_at > ends_at:
        raise validation_error("enrollment_closes_at", _("报名截止时间不能晚于结班时间。"),
                               Code.INVALID_WINDOW)
    for session in sessions:
        if session.ends_at <= session.starts_at or session.starts_at < starts_at \
                or session.ends_at > ends_at:
            raise validation_error("sessions", _("每个课次须在班期时间之内，且结束晚于开始。"),
                                   Code.INVALID_WINDOW)
    if capacity is None or capacity < 1:
        raise validation_error("capacity", _("名额至少为 1。"), Code.INVALID)
    if not (Decimal("0") <= min_attendance_rate <= Decimal("1")):
        raise validation_error("min_attendance_rate", _("最低出勤率须在 0 到 1 之间。"),
                               Code.INVALID)


def run_create_check(
    *, actor, venue: Venue, starts_at: datetime, ends_at: datetime, capacity: int,
    enrollment_opens_at: datetime, enrollment_closes_at: datetime,
    sessions: list[SessionInput], min_attendance_rate: Decimal,
) -> None:
    """What run_create refuses, checked without writing: a form that saves the run with
    its sessions in one step (the admin) shows these errors before it saves."""
    if not permissions.can_create_runs(actor):
        raise PermissionDenied
    if not permissions.can_create_run_at(actor, venue):
        raise validation_error("venue_id", _("您只能在本单位管辖的场地开班。"),
                               Code.OUTSIDE_YOUR_UNIT)
    _validate_run(starts_at=starts_at, ends_at=ends_at, opens_at=enrollment_opens_at,
                  closes_at=enrollment_closes_at, capacity=capacity, sessions=sessions,
                  min_attendance_rate=Decimal(str(min_attendance_rate)))


@transaction.atomic
def run_create(
    *, actor, course: Course, venue: Venue, starts_at: datetime, ends_at: datetime,
    capacity: int, enrollment_opens_at: datetime, enrollment_closes_at: datetime,
    sessions: list[SessionInput], min_attendance_rate: Decimal = Decimal("0.8"),
    require_quiz: bool = True, instructors=(), code: str = "",
) -> CourseRun:
    min_attendance_rate = Decimal(str(min_attendance_rate)).quantize(Decimal("0.001"))
    run_create_check(actor=actor, venue=venue, starts_at=starts_at, ends_at=ends_at,
                     capacity=capacity, enrollment_opens_at=enrollment_opens_at,
                     enrollment_closes_at=enrollment_closes_at, sessions=sessions,
                     min_attendance_rate=min_attendance_rate)
    prefix = run_code_prefix(course, starts_at)
    for _attempt in range(5):
        run = CourseRun(
            course=course, venue=venue, street_id=venue.community.street_id,
            community=venue.community, capacity=capacity, starts_at=starts_at,
            ends_at=ends_at, enrollment_opens_at=enrollment_opens_at,
            enrollment_closes_at=enrollment_closes_at, min_attendance_rate=min_attendance_rate,
            require_quiz=require_quiz, code=code or next_run_code(prefix))
        try:
            with transaction.atomic():
                run.save()
            break
        except IntegrityError:
            if code:
                raise validation_error("code", _("班期编号已被使用。"), Code.INVALID) from None
    else:  # pragma: no cover - five concurrent creators of one month's codes
        raise validation_error(None, _("班期编号生成冲突，请重试。"), Code.INVALID)
    ClassSession.objects.bulk_create(
        [ClassSession(run=run, starts_at=s.starts_at, ends_at=s.ends_at) for s in sessions])
    if instructors:
        run.instructors.set(instructors)
    audit_log_record(actor=actor, action="courserun.create", obj=run,
                     detail={"code": run.code, "course_id": course.pk, "venue_id": venue.pk,
                             "capacity": capacity})
    return run
