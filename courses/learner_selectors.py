"""Reads for a person's own view of classes — what the phone pages (and WeChat replies)
show: classes open near her, her next class, one enrolment's lessons, attendance and quiz.
Each read owns its prefetch; list reads cost a fixed number of queries."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from . import permissions, rules
from .models import (
    SEAT_HOLDING,
    Attendance,
    ClassSession,
    CourseRun,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Question,
    Quiz,
    QuizAttempt,
)
from .selectors import enrollment_queryset, run_queryset


def _proximity(user, community_field: str):
    """0 same community, 1 same street, 2 elsewhere (0 for everyone without a community)."""
    community = getattr(user, "community", None) if user.is_authenticated else None
    if community is None:
        return Value(0, output_field=IntegerField())
    return Case(
        When(**{f"{community_field}_id": community.pk}, then=Value(0)),
        When(**{f"{community_field}__street_id": community.street_id}, then=Value(1)),
        default=Value(2), output_field=IntegerField())


def runs_open_for_enrolment(*, user, now: datetime | None = None) -> QuerySet[CourseRun]:
    """Published runs whose enrolment window is open now and whose course is for the
    person's audience: her community first, then her street, then the rest, each by start."""
    now = now or timezone.now()
    return (run_queryset(user)
            .filter(course__published=True, enrollment_opens_at__lte=now,
                    enrollment_closes_at__gt=now,
                    course__audience__in=permissions.audiences_for(user))
            .annotate(proximity=_proximity(user, "venue__community"))
            .order_by("proximity", "starts_at", "id"))


def my_current_enrollments(*, user) -> QuerySet[Enrollment]:
    """Enrolled or waitlisted places in runs not yet over, soonest first, annotated with
    progress and waitlist place (enrollment_queryset)."""
    return (enrollment_queryset()
            .filter(user_id=user.pk,
                    status__in=(EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED),
                    run__ends_at__gte=timezone.now())
            .select_related("run__course", "run__venue")
            .order_by("run__starts_at", "id"))


def my_next_class(*, user, now: datetime | None = None) -> ClassSession | None:
    """The next session (or the one under way) of a run she holds a seat in, with
    `enrollment_id` set for the link to her learning page."""
    now = now or timezone.now()
    session = (ClassSession.objects
               .filter(run__enrollments__user_id=user.pk,
                       run__enrollments__status=EnrollmentStatus.ENROLLED, ends_at__gt=now)
               .select_related("run__course", "run__venue")
               .order_by("starts_at", "id").first())
    if session is not None:
        session.enrollment_id = (Enrollment.objects  # type: ignore[attr-defined]
                                 .filter(run_id=session.run_id, user_id=user.pk)
                                 .values_list("pk", flat=True).first())
    return session


def enrollment_for_page(pk: int) -> Enrollment | None:
    """One enrolment with its counts, run, course, venue and the run's sessions."""
    return (enrollment_queryset()
            .select_related("run__course", "run__venue__community")
            .prefetch_related(Prefetch("run__sessions",
                                       queryset=ClassSession.objects.order_by("starts_at", "id")))
            .filter(pk=pk).first())


def enrollment_attendance_summary(enrollment: Enrollment) -> dict:
    """What is still missing for the certificate, from the enrolment's annotations: sessions
    attended of those required (rules.sessions_required), lessons, the quiz."""
    run = enrollment.run
    # annotations of enrollment_queryset(), which mypy does not see on the model
    total = enrollment.sessions_total  # type: ignore[attr-defined]
    return {
        "sessions_total": total,
        "sessions_attended": enrollment.sessions_attended,  # type: ignore[attr-defined]
        "sessions_required": rules.sessions_required(run.min_attendance_rate, total),
    }


def attended_session_ids(enrollment: Enrollment) -> set[int]:
    return set(Attendance.objects.filter(enrollment_id=enrollment.pk, present=True)
               .values_list("session_id", flat=True))


def course_lessons(course_id: int) -> list[Lesson]:
    return list(Lesson.objects.filter(course_id=course_id).order_by("order", "id"))


def lesson_in_course(*, course_id: int, pk: int) -> Lesson | None:
    return Lesson.objects.filter(course_id=course_id, pk=pk).first()


def done_lesson_ids(enrollment: Enrollment) -> set[int]:
    return set(LessonProgress.objects.filter(enrollment_id=enrollment.pk)
               .values_list("lesson_id", flat=True))


def quiz_for_course(course_id: int) -> Quiz | None:
    """The course's quiz with its questions and options (never which are correct on a page)."""
    return (Quiz.objects.filter(course_id=course_id)
            .prefetch_related(Prefetch("questions", queryset=Question.objects
                                       .order_by("order", "id").prefetch_related("choices")))
            .first())


def quiz_attempts(*, enrollment: Enrollment, quiz: Quiz) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(enrollment_id=enrollment.pk, quiz_id=quiz.pk)
                .order_by("number"))


def questions_to_review(*, attempt: QuizAttempt, quiz: Quiz) -> list[Question]:
    """The questions answered wrongly (or not at all) in an attempt, judged by the same rule
    as grading; `quiz` comes from quiz_for_course (prefetched)."""
    given = {int(k): v for k, v in (attempt.answers or {}).items()}
    return [q for q in quiz.questions.all()
            if not rules.answer_is_right([c.pk for c in q.choices.all() if c.is_correct],
                                         given.get(q.pk, []))]


def holds_seat(enrollment: Enrollment) -> bool:
    return enrollment.status in SEAT_HOLDING
