"""Reads for the people who run sessions (instructors and coordinators): the runs they
teach, one session's roster with its attendance, who has checked in (the projector page's
live list) and each learner's progress. Each read owns its prefetch and costs a fixed
number of queries; access is decided by `permissions.can_run_sessions` in the caller."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from backend.accounts.models import Community
from backend.accounts.permissions import coordinated_community_filter

from .models import (
    SEAT_HOLDING,
    Attendance,
    ClassSession,
    CourseRun,
    Enrollment,
    Lesson,
    QuizAttempt,
)
from .permissions import is_coordinator

# A coordinator's list: runs with a session this close to today.
COORDINATOR_WINDOW = timedelta(days=30)


def _run_queryset() -> QuerySet[CourseRun]:
    return (CourseRun.objects.select_related("course", "venue__community__street")
            .prefetch_related(
                Prefetch("sessions", queryset=ClassSession.objects.order_by("starts_at", "id")),
                "instructors"))


def runs_taught(*, user, now: datetime | None = None) -> list[CourseRun]:
    """The runs whose sessions `user` runs: those she teaches, and for coordinators the
    runs of their unit with a session within 30 days of today; soonest first."""
    now = now or timezone.now()
    mine = Q(instructors=user)
    if is_coordinator(user):
        communities = Community.objects.filter(coordinated_community_filter(user, ""))
        mine |= Q(venue__community__in=communities,
                  sessions__ends_at__gte=now - COORDINATOR_WINDOW,
                  sessions__starts_at__lte=now + COORDINATOR_WINDOW)
    ids = CourseRun.objects.filter(mine).values("pk")
    return list(_run_queryset().filter(pk__in=ids).order_by("-starts_at", "id")[:50])


def run_for_teaching(pk: int) -> CourseRun | None:
    return _run_queryset().filter(pk=pk).first()


def session_for_teaching(pk: int) -> ClassSession | None:
    """A session with its run, course, venue and the run's instructors (for the rule)."""
    return (ClassSession.objects.select_related("run__course", "run__venue__community__street")
            .prefetch_related("run__instructors").filter(pk=pk).first())


def session_roster(session: ClassSession) -> list[Enrollment]:
    """Everyone holding a seat in the session's run, by name, each with `attendance` (this
    session's row or None). Two queries."""
    enrollments = list(Enrollment.objects.filter(run_id=session.run_id, status__in=SEAT_HOLDING)
                       .select_related("user").order_by("user__display_name", "id"))
    rows = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    for enrollment in enrollments:
        enrollment.attendance = rows.get(enrollment.pk)  # type: ignore[attr-defined]
    return enrollments


def session_checked_in(session: ClassSession) -> list[Attendance]:
    """Who is marked present at the session, latest first (the projector's live list)."""
    return list(Attendance.objects.filter(session=session, present=True)
                .select_related("enrollment__user").order_by("-marked_at", "-id"))


def run_progress(run: CourseRun) -> tuple[list[Enrollment], int, int]:
    """Each seat-holding learner with `lessons_done`, `sessions_attended` and `quiz_passed`
    annotated, plus the numbers of required lessons and sessions. Three queries."""
    required = Lesson.objects.filter(course_id=run.course_id, required=True).count()
    sessions = ClassSession.objects.filter(run_id=run.pk).count()
    enrollments = list(
        Enrollment.objects.filter(run=run, status__in=SEAT_HOLDING).select_related("user")
        .annotate(
            lessons_done=Count("lesson_progress__lesson", distinct=True,
                               filter=Q(lesson_progress__lesson__required=True)),
            sessions_attended=Count("attendances", distinct=True,
                                    filter=Q(attendances__present=True)),
            quiz_passed=Exists(QuizAttempt.objects.filter(enrollment=OuterRef("pk"),
                                                          passed=True)))
        .order_by("user__display_name", "id"))
    return enrollments, required, sessions  # type: ignore[return-value]
