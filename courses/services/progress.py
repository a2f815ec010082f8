"""Progress, quizzes and completion (exactly once, by a conditional UPDATE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import enqueue_on_commit

from .. import lessons, rules
from ..error_codes import CourseErrorCode as Code
from ..models import (
    SEAT_HOLDING,
    Attendance,
    ClassSession,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    QuestionKind,
    Quiz,
    QuizAttempt,
)
from ..tasks import enrollment_completed as enrollment_completed_task


# --- Progress and quizzes -------------------------------------------------------------------
def _course_enrollment(*, user, course_id: int, field: str) -> Enrollment:
    enrollment = (Enrollment.objects.filter(user_id=user.pk, run__course_id=course_id,
                                            status__in=SEAT_HOLDING)
                  .order_by("-run__starts_at", "-id").first())
    if enrollment is None:
        raise validation_error(field, _("请先报名这门课程的班期。"), Code.NOT_ENROLLED)
    return enrollment


@transaction.atomic
def lesson_complete(*, user, lesson: Lesson) -> Enrollment:
    enrollment = _course_enrollment(user=user, course_id=lesson.course_id, field="lesson_id")
    lessons.lesson_read_check(user=user, lesson=lesson)
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
            raise validation_error("answers", _("答案中的题目不属于这个测验，或重复作答。"),
                                   Code.INVALID)
        choice_ids = set(answer.choice_ids)
        valid = {c.pk for c in question.choices.all()}
        if not choice_ids <= valid or (
                question.kind == QuestionKind.SINGLE and len(choice_ids) > 1):
            raise validation_error("answers", _("选项不属于该题目，或单选题选了多个选项。"),
                                   Code.INVALID)
        given[question.pk] = choice_ids
    correct = sum(
        1 for q in questions.values()
        if rules.answer_is_right([c.pk for c in q.choices.all() if c.is_correct],
                                 given.get(q.pk, set())))
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
        raise validation_error("quiz_id", _("作答次数已用完。"), Code.NO_ATTEMPTS_LEFT)
    score, given = _grade(quiz, answers)
    attempt = QuizAttempt.objects.create(
        enrollment=enrollment, quiz=quiz, number=used + 1, score=score,
        passed=score >= quiz.pass_mark, answers=given)
    if attempt.passed:
        enrollment_check_completion(enrollment_id=enrollment.pk)
    return attempt, enrollment


# --- Completion -----------------------------------------------------------------------------
def run_finished_at(run) -> datetime:
    """When a run is over: its last session's end (the run's own end when it has none).
    Completion waits for it, and the certificate is dated then."""
    last = (ClassSession.objects.filter(run_id=run.pk).order_by("-ends_at")
            .values_list("ends_at", flat=True).first())
    return last or run.ends_at


def completion_rule_met(enrollment: Enrollment) -> bool:
    run = enrollment.run
    sessions_total = ClassSession.objects.filter(run_id=run.pk).count()
    attended = Attendance.objects.filter(enrollment_id=enrollment.pk, present=True).count()
    if sessions_total:
        if attended < rules.sessions_required(run.min_attendance_rate, sessions_total):
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


def finished_runs_complete(*, now: datetime | None = None,
                           lookback: timedelta = timedelta(days=30)) -> int:
    """Complete whoever meets the rule in runs whose last session ended in the last
    `lookback` (the beat task, every few minutes; later corrections complete through
    attendanceMark or the coordinators' re-issue). Returns how many completed."""
    now = now or timezone.now()
    last_end = (ClassSession.objects.filter(run_id=OuterRef("run_id")).order_by("-ends_at")
                .values("ends_at")[:1])
    ids = list(Enrollment.objects.filter(status=EnrollmentStatus.ENROLLED)
               .annotate(last_end=Subquery(last_end))
               .filter(last_end__lte=now, last_end__gt=now - lookback)
               .order_by("pk").values_list("pk", flat=True))
    return sum(enrollment_check_completion(enrollment_id=pk) for pk in ids)


@transaction.atomic
def enrollment_check_completion(*, enrollment_id: int) -> bool:
    """Complete the enrolment if its run's rule is met. The status moves ENROLLED ->
    COMPLETED by a conditional UPDATE, so whichever action tips it, the completion hook
    is enqueued exactly once."""
    enrollment = Enrollment.objects.select_related("run").filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != EnrollmentStatus.ENROLLED:
        return False
    now = timezone.now()
    finished_at = run_finished_at(enrollment.run)
    # Nobody completes before the last session ended; the beat task
    # (courses.complete_finished_runs) checks everyone once it has.
    if now < finished_at or not completion_rule_met(enrollment):
        return False
    changed = Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.ENROLLED).update(
        status=EnrollmentStatus.COMPLETED, completed_at=finished_at, updated_at=now)
    if changed != 1:
        return False
    enqueue_on_commit(enrollment_completed_task, enrollment.pk)
    return True
