"""Course writes. Every state change of an enrolment takes the run's row lock first, so
seats, the waitlist and promotions for one run change one transaction at a time; the seat
counter itself only moves through conditional UPDATEs, and a CHECK constraint
(enrolled_count <= capacity) is the last line of defence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from backend.core.services import audit_log_record, enqueue_on_commit

from . import notifications, permissions
from .error_codes import CourseErrorCode
from .models import (
    SEAT_HOLDING,
    Attendance,
    AttendanceMethod,
    ClassSession,
    Course,
    CourseRun,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    QuestionKind,
    Quiz,
    QuizAttempt,
    Venue,
)

CHECKIN_SALT = "linli.courses.checkin"
CHECKIN_GRACE = timedelta(minutes=30)


def _error(field: str | None, message: str, code: CourseErrorCode) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code.value)
    return ValidationError({field: ValidationError(message, code=code.value)})


# --- Seats and the waitlist -----------------------------------------------------------------
def _lock_run(run_id: int) -> CourseRun:
    """Serialise every enrolment change of one run (PostgreSQL row lock; on SQLite the
    IMMEDIATE transaction already holds the database write lock)."""
    return (CourseRun.objects.select_for_update(of=("self",))
            .select_related("course", "venue__community").get(pk=run_id))


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


@transaction.atomic
def enrollment_create(*, actor, user, run_id: int) -> Enrollment:
    """Enrol `user` in the run: ENROLLED while seats are left, else WAITLISTED.

    `actor` is who asked: the user themself, or staff enrolling them at the counter (the
    caller has checked permissions.can_enroll_on_behalf for that case)."""
    run = _lock_run(run_id)
    now = timezone.now()
    if not run.course.published or not (
            run.enrollment_opens_at <= now < run.enrollment_closes_at):
        raise _error("run_id", _("该班期现在不接受报名。"), CourseErrorCode.ENROLLMENT_CLOSED)
    if not permissions.in_audience(user, run.course):
        raise _error("run_id", _("这门课程不面向您所在的人群。"), CourseErrorCode.NOT_IN_AUDIENCE)
    enrollment = Enrollment.objects.filter(run_id=run.pk, user_id=user.pk).first()
    if enrollment is not None and enrollment.status != EnrollmentStatus.CANCELLED:
        raise _error("run_id", _("已经报名了这个班期。"), CourseErrorCode.ALREADY_ENROLLED)
    if enrollment is None:
        # A cancelled place is reused: one row per person and run, never deleted.
        enrollment = Enrollment(run_id=run.pk, user=user)
    if _take_seat(run.pk):
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.waitlist_seq = None
    else:
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.waitlist_seq = _next_waitlist_seq(run.pk)
    on_behalf = actor is not None and actor.pk != user.pk
    enrollment.enrolled_by = actor if on_behalf else None
    enrollment.cancelled_at = None
    enrollment.save()
    audit_log_record(actor=actor, action="enrollment.create", obj=enrollment,
                     detail={"run_id": run.pk, "user_id": user.pk, "status": enrollment.status,
                             "on_behalf": on_behalf})
    if enrollment.status == EnrollmentStatus.ENROLLED:
        notifications.enrollment_confirmed(enrollment)
    notifications.enrollment_waitlisted(enrollment)
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
        raise _error("enrollment_id", _("这个报名已经取消了。"), CourseErrorCode.ALREADY_CANCELLED)
    if enrollment.status == EnrollmentStatus.COMPLETED:
        raise _error("enrollment_id", _("已结业的报名不能取消。"),
                     CourseErrorCode.ALREADY_COMPLETED)
    previous = enrollment.status
    now = timezone.now()
    changed = Enrollment.objects.filter(pk=enrollment.pk, status=previous).update(
        status=EnrollmentStatus.CANCELLED, cancelled_at=now, updated_at=now)
    if changed != 1:
        raise _error("enrollment_id", _("这个报名已经取消了。"), CourseErrorCode.ALREADY_CANCELLED)
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


# --- Runs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionInput:
    starts_at: datetime
    ends_at: datetime


def run_code_prefix(course: Course, starts_at: datetime) -> str:
    letters = re.match(r"[A-Za-z]*", course.code).group(0).upper()[:4] or "RUN"
    return f"{letters}{timezone.localtime(starts_at):%y%m}-"


def next_run_code(prefix: str) -> str:
    numbers = [int(code[len(prefix):]) for code in
               CourseRun.objects.filter(code__startswith=prefix).values_list("code", flat=True)
               if code[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _validate_run(*, starts_at, ends_at, opens_at, closes_at, capacity, sessions,
                  min_attendance_rate) -> None:
    if ends_at <= starts_at:
        raise _error("ends_at", _("结班时间必须晚于开班时间。"), CourseErrorCode.INVALID_WINDOW)
    if closes_at <= opens_at:
        raise _error("enrollment_closes_at", _("报名截止时间必须晚于报名开始时间。"),
                     CourseErrorCode.INVALID_WINDOW)
    if closes_at > ends_at:
        raise _error("enrollment_closes_at", _("报名截止时间不能晚于结班时间。"),
                     CourseErrorCode.INVALID_WINDOW)
    for session in sessions:
        if session.ends_at <= session.starts_at or session.starts_at < starts_at \
                or session.ends_at > ends_at:
            raise _error("sessions", _("每个课次须在班期时间之内，且结束晚于开始。"),
                         CourseErrorCode.INVALID_WINDOW)
    if capacity is None or capacity < 1:
        raise _error("capacity", _("名额至少为 1。"), CourseErrorCode.INVALID)
    if not (Decimal("0") <= min_attendance_rate <= Decimal("1")):
        raise _error("min_attendance_rate", _("最低出勤率须在 0 到 1 之间。"),
                     CourseErrorCode.INVALID)


@transaction.atomic
def run_create(
    *, actor, course: Course, venue: Venue, starts_at: datetime, ends_at: datetime,
    capacity: int, enrollment_opens_at: datetime, enrollment_closes_at: datetime,
    sessions: list[SessionInput], min_attendance_rate: Decimal = Decimal("0.8"),
    require_quiz: bool = True, instructors=(), code: str = "",
) -> CourseRun:
    if not permissions.can_create_runs(actor):
        raise PermissionDenied
    if not permissions.can_create_run_at(actor, venue):
        raise _error("venue_id", _("您只能在本单位管辖的场地开班。"),
                     CourseErrorCode.OUTSIDE_YOUR_UNIT)
    min_attendance_rate = Decimal(str(min_attendance_rate)).quantize(Decimal("0.001"))
    _validate_run(starts_at=starts_at, ends_at=ends_at, opens_at=enrollment_opens_at,
                  closes_at=enrollment_closes_at, capacity=capacity, sessions=sessions,
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
                raise _error("code", _("班期编号已被使用。"), CourseErrorCode.INVALID) from None
    else:  # pragma: no cover - five concurrent creators of one month's codes
        raise _error(None, _("班期编号生成冲突，请重试。"), CourseErrorCode.INVALID)
    ClassSession.objects.bulk_create(
        [ClassSession(run=run, starts_at=s.starts_at, ends_at=s.ends_at) for s in sessions])
    if instructors:
        run.instructors.set(instructors)
    audit_log_record(actor=actor, action="courserun.create", obj=run,
                     detail={"code": run.code, "course_id": course.pk, "venue_id": venue.pk,
                             "capacity": capacity})
    return run


# --- Check-in -------------------------------------------------------------------------------
def _step_seconds() -> int:
    return int(getattr(settings, "COURSES_CHECKIN_TOKEN_SECONDS", 30))


def _time_step(now: datetime) -> int:
    return int(now.timestamp()) // _step_seconds()


def _token_mac(session_id: int, step: int) -> str:
    return salted_hmac(CHECKIN_SALT, f"{session_id}:{step}").hexdigest()[:20]


def checkin_token(session_id: int, step: int) -> str:
    return f"{step}.{_token_mac(session_id, step)}"


@dataclass(frozen=True)
class CheckInCode:
    token: str
    expires_at: datetime
    check_in_url: str


def session_checkin_code(*, actor, session: ClassSession) -> CheckInCode:
    """The rotating token an instructor shows as a QR code: valid in its time step and
    the next one, so a code shown at a step boundary still works."""
    if not permissions.can_run_sessions(actor, session.run):
        raise PermissionDenied
    step = _time_step(timezone.now())
    token = checkin_token(session.pk, step)
    expires_at = datetime.fromtimestamp((step + 2) * _step_seconds(), tz=UTC)
    url = f"{settings.PUBLIC_BASE_URL}/checkin/{session.pk}?t={token}"
    return CheckInCode(token=token, expires_at=expires_at, check_in_url=url)


def _check_token(session_id: int, token: str, now: datetime) -> None:
    step_text, _sep, mac = (token or "").partition(".")
    if not step_text.isdigit() or not constant_time_compare(
            mac, _token_mac(session_id, int(step_text))):
        raise _error("token", _("签到码无效，请扫描本课次的二维码。"),
                     CourseErrorCode.TOKEN_INVALID)
    step, current = int(step_text), _time_step(now)
    if step > current:
        raise _error("token", _("签到码无效，请扫描本课次的二维码。"),
                     CourseErrorCode.TOKEN_INVALID)
    if step < current - 1:
        raise _error("token", _("签到码已过期，请扫描最新的二维码。"),
                     CourseErrorCode.TOKEN_EXPIRED)


def _seat_holding_enrollment(*, user, run_id: int) -> Enrollment | None:
    return Enrollment.objects.filter(run_id=run_id, user_id=user.pk,
                                     status__in=SEAT_HOLDING).first()


def _attendance_set(*, enrollment: Enrollment, session: ClassSession, present: bool,
                    method: str, actor) -> Attendance:
    now = timezone.now()
    attendance = (Attendance.objects.select_for_update()
                  .filter(enrollment=enrollment, session=session).first())
    created, previous = False, None
    if attendance is None:
        try:
            # Two simultaneous scans: the unique constraint lets one insert win.
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    enrollment=enrollment, session=session, present=present, method=method,
                    marked_by=actor, marked_at=now)
            created = True
        except IntegrityError:
            attendance = Attendance.objects.select_for_update().get(enrollment=enrollment,
                                                                    session=session)
    if not created:
        if method == AttendanceMethod.QR and attendance.present:
            return attendance  # scanning twice changes nothing
        previous = {"present": attendance.present, "method": attendance.method,
                    "marked_by_id": attendance.marked_by_id}
        attendance.present = present
        attendance.method = method
        attendance.marked_by = actor
        attendance.marked_at = now
        attendance.save(update_fields=["present", "method", "marked_by", "marked_at",
                                       "updated_at"])
    audit_log_record(actor=actor, action="attendance.mark", obj=attendance,
                     detail={"session_id": session.pk, "enrollment_id": enrollment.pk,
                             "present": present, "method": method, "previous": previous})
    if present:
        enrollment_check_completion(enrollment_id=enrollment.pk)
    return attendance


@transaction.atomic
def session_checkin(*, user, session: ClassSession, token: str) -> Attendance:
    now = timezone.now()
    _check_token(session.pk, token, now)
    enrollment = _seat_holding_enrollment(user=user, run_id=session.run_id)
    if enrollment is None:
        raise _error("session_id", _("您没有报名这个班期。"), CourseErrorCode.NOT_ENROLLED)
    if not (session.starts_at - CHECKIN_GRACE <= now <= session.ends_at):
        raise _error("session_id", _("现在不在本课次的签到时间内。"),
                     CourseErrorCode.OUTSIDE_SESSION_WINDOW)
    return _attendance_set(enrollment=enrollment, session=session, present=True,
                           method=AttendanceMethod.QR, actor=user)


@transaction.atomic
def attendance_mark(*, actor, session: ClassSession, user, present: bool) -> Attendance:
    if not permissions.can_run_sessions(actor, session.run):
        raise PermissionDenied
    enrollment = _seat_holding_enrollment(user=user, run_id=session.run_id)
    if enrollment is None:
        raise _error("user_id", _("这位学员没有报名这个班期。"), CourseErrorCode.NOT_ENROLLED)
    return _attendance_set(enrollment=enrollment, session=session, present=present,
                           method=AttendanceMethod.INSTRUCTOR, actor=actor)


# --- Progress and quizzes -------------------------------------------------------------------
def _course_enrollment(*, user, course_id: int, field: str) -> Enrollment:
    enrollment = (Enrollment.objects.filter(user_id=user.pk, run__course_id=course_id,
                                            status__in=SEAT_HOLDING)
                  .order_by("-run__starts_at", "-id").first())
    if enrollment is None:
        raise _error(field, _("请先报名这门课程的班期。"), CourseErrorCode.NOT_ENROLLED)
    return enrollment


@transaction.atomic
def lesson_complete(*, user, lesson: Lesson) -> Enrollment:
    enrollment = _course_enrollment(user=user, course_id=lesson.course_id, field="lesson_id")
    _progress, created = LessonProgress.objects.get_or_create(
        enrollment=enrollment, lesson=lesson, defaults={"completed_at": timezone.now()})
    if created:
        enrollment_check_completion(enrollment_id=enrollment.pk)
    return enrollment


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    choice_ids: list[int]


def _grade(quiz: Quiz, answers: list[AnswerInput]) -> tuple[int, dict]:
    questions = {q.pk: q for q in quiz.questions.prefetch_related("choices")}
    given: dict[int, set[int]] = {}
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None or answer.question_id in given:
            raise _error("answers", _("答案中的题目不属于这个测验，或重复作答。"),
                         CourseErrorCode.INVALID)
        choice_ids = set(answer.choice_ids)
        valid = {c.pk for c in question.choices.all()}
        if not choice_ids <= valid or (
                question.kind == QuestionKind.SINGLE and len(choice_ids) > 1):
            raise _error("answers", _("选项不属于该题目，或单选题选了多个选项。"),
                         CourseErrorCode.INVALID)
        given[question.pk] = choice_ids
    correct = sum(
        1 for q in questions.values()
        if given.get(q.pk, set()) == {c.pk for c in q.choices.all() if c.is_correct})
    score = round(100 * correct / len(questions)) if questions else 0
    return score, {str(k): sorted(v) for k, v in given.items()}


@transaction.atomic
def quiz_submit(*, user, quiz: Quiz, answers: list[AnswerInput]
                ) -> tuple[QuizAttempt, Enrollment]:
    enrollment = _course_enrollment(user=user, course_id=quiz.course_id, field="quiz_id")
    # Lock the enrolment so two simultaneous submissions count attempts one at a time.
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    used = QuizAttempt.objects.filter(enrollment=enrollment, quiz=quiz).count()
    if used >= quiz.max_attempts:
        raise _error("quiz_id", _("作答次数已用完。"), CourseErrorCode.NO_ATTEMPTS_LEFT)
    score, given = _grade(quiz, answers)
    attempt = QuizAttempt.objects.create(
        enrollment=enrollment, quiz=quiz, number=used + 1, score=score,
        passed=score >= quiz.pass_mark, answers=given)
    if attempt.passed:
        enrollment_check_completion(enrollment_id=enrollment.pk)
    return attempt, enrollment


# --- Completion -----------------------------------------------------------------------------
def completion_rule_met(enrollment: Enrollment) -> bool:
    run = enrollment.run
    sessions_total = ClassSession.objects.filter(run_id=run.pk).count()
    attended = Attendance.objects.filter(enrollment_id=enrollment.pk, present=True).count()
    if sessions_total:
        if Decimal(attended) < run.min_attendance_rate * sessions_total:
            return False
    elif run.min_attendance_rate > 0:
        return False
    required = set(Lesson.objects.filter(course_id=run.course_id, required=True)
                   .values_list("pk", flat=True))
    if required - set(LessonProgress.objects.filter(enrollment_id=enrollment.pk)
                      .values_list("lesson_id", flat=True)):
        return False
    if run.require_quiz and Quiz.objects.filter(course_id=run.course_id).exists():
        return QuizAttempt.objects.filter(enrollment_id=enrollment.pk, passed=True).exists()
    return True


@transaction.atomic
def enrollment_check_completion(*, enrollment_id: int) -> bool:
    """Complete the enrolment if its run's rule is met. The status moves ENROLLED ->
    COMPLETED by a conditional UPDATE, so whichever action tips it, the completion hook
    is enqueued exactly once."""
    enrollment = Enrollment.objects.select_related("run").filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != EnrollmentStatus.ENROLLED:
        return False
    if not completion_rule_met(enrollment):
        return False
    now = timezone.now()
    changed = Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.ENROLLED).update(
        status=EnrollmentStatus.COMPLETED, completed_at=now, updated_at=now)
    if changed != 1:
        return False
    from . import tasks  # tasks import the completion hook; keep the import graph flat

    enqueue_on_commit(tasks.enrollment_completed, enrollment.pk)
    return True
