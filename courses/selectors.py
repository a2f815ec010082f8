"""Course reads, each with the prefetches its API needs: the counts a list shows
(waitlist, position, progress, attendance) are annotations, never a query per row."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.calendar import CalendarItem, sequence_from

from . import permissions
from .models import (
    SEAT_HOLDING,
    Attendance,
    ClassSession,
    Course,
    CourseRun,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Question,
    Quiz,
    Venue,
)
from .tutoring import selectors as tutoring_selectors


def _count(qs: QuerySet, group: str) -> Coalesce:
    """A correlated COUNT(*) subquery, 0 when nothing matches."""
    subquery = qs.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


# The annotated bases are built once per process and cloned per use (`.all()`, as Django's
# own ListView does with its class-level queryset): resolving their correlated subqueries
# cost more than the rest of a `courseRuns` page's queryset work, on every request, even
# when the selection walker then dropped them.
@cache
def _enrollment_base() -> QuerySet[Enrollment]:
    return Enrollment.objects.annotate(
        waitlist_ahead=_count(Enrollment.objects.filter(
            run=OuterRef("run"), status=EnrollmentStatus.WAITLISTED,
            waitlist_seq__lt=OuterRef("waitlist_seq")), "run"),
        lessons_total=_count(Lesson.objects.filter(course=OuterRef("run__course")), "course"),
        lessons_done=_count(LessonProgress.objects.filter(enrollment=OuterRef("pk")),
                            "enrollment"),
        sessions_total=_count(ClassSession.objects.filter(run=OuterRef("run")), "run"),
        sessions_attended=_count(Attendance.objects.filter(enrollment=OuterRef("pk"),
                                                           present=True), "enrollment"),
    )


def enrollment_queryset() -> QuerySet[Enrollment]:
    """Enrolments annotated with what the API computes: waitlist_ahead (position - 1),
    lessons_total / lessons_done, sessions_total / sessions_attended."""
    return _enrollment_base().all()


@cache
def _run_rows_base() -> QuerySet[CourseRun]:
    return CourseRun.objects.annotate(waitlist_count=_count(Enrollment.objects.filter(
        run=OuterRef("pk"), status=EnrollmentStatus.WAITLISTED), "run"))


def run_rows() -> QuerySet[CourseRun]:
    """Runs annotated with their waitlist count: the base of any list of runs."""
    return _run_rows_base().all()


@cache
def _run_base() -> QuerySet[CourseRun]:
    return (run_rows().select_related("course", "venue__community__street")
            .prefetch_related(
                Prefetch("sessions", queryset=ClassSession.objects.order_by("starts_at", "id")),
                "instructors"))


def run_queryset(user) -> QuerySet[CourseRun]:
    """Runs with venue, course, sessions, instructors, waitlist count and the viewer's own
    enrolment (`my_enrollments`, annotated) in a fixed number of queries."""
    qs = _run_base().all()
    if user.is_authenticated:
        mine = enrollment_queryset().filter(user_id=user.pk)
    else:
        mine = enrollment_queryset().none()
    return qs.prefetch_related(Prefetch("enrollments", queryset=mine, to_attr="my_enrollments"))


def _visible_courses(user) -> QuerySet[Course]:
    qs = Course.objects.all()
    if not permissions.can_see_unpublished_courses(user):
        qs = qs.filter(published=True)
    return qs


def _course_queryset(user) -> QuerySet[Course]:
    return (_visible_courses(user).select_related("quiz").prefetch_related(
        Prefetch("lessons", queryset=Lesson.objects.order_by("order", "id")),
        Prefetch("runs", queryset=run_queryset(user).order_by("starts_at", "id")),
        Prefetch("quiz__questions",
                 queryset=Question.objects.order_by("order", "id").prefetch_related("choices")),
    ))


def course_list(*, user, audience: str | None = None, search: str | None = None
                ) -> QuerySet[Course]:
    qs = _course_queryset(user)
    if audience:
        qs = qs.filter(audience=audience)
    if search:
        search = search.strip()
        qs = qs.filter(Q(title__icontains=search) | Q(summary__icontains=search)
                       | Q(code__iexact=search))
    return qs.order_by("code", "id")


def course_get(*, user, pk: int) -> Course | None:
    return _course_queryset(user).filter(pk=pk).first()


def venue_list(*, community_id: int | None = None) -> QuerySet[Venue]:
    qs = Venue.objects.select_related("community__street").order_by(
        "community__street__sort_order", "community__sort_order", "name", "id")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs


def venue_get(pk: int) -> Venue | None:
    return Venue.objects.select_related("community__street").filter(pk=pk).first()


def run_list(*, user, course_id: int | None = None, community_id: int | None = None,
             starts_after: datetime | None = None,
             audiences: list[str] | None = None) -> QuerySet[CourseRun]:
    """`audiences`: only courses for these (`permissions.audiences_for`), filtered in the
    query so a slice of the list is not emptied by filtering afterwards."""
    qs = run_queryset(user)
    if not permissions.can_see_unpublished_courses(user):
        qs = qs.filter(course__published=True)
    if audiences is not None:
        qs = qs.filter(course__audience__in=audiences)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    if community_id is not None:
        qs = qs.filter(venue__community_id=community_id)
    if starts_after is not None:
        qs = qs.filter(starts_at__gte=starts_after)
    return qs.order_by("starts_at", "id")


def run_get(*, user, pk: int) -> CourseRun | None:
    qs = run_queryset(user)
    if not permissions.can_see_unpublished_courses(user):
        qs = qs.filter(course__published=True)
    return qs.filter(pk=pk).first()


def run_get_by_code(*, user, code: str) -> CourseRun | None:
    """For WeChat's "报名 <run code>": codes are typed by hand, so case does not matter."""
    qs = run_queryset(user)
    if not permissions.can_see_unpublished_courses(user):
        qs = qs.filter(course__published=True)
    return qs.filter(code__iexact=(code or "").strip()).first()


def my_enrollments(*, user) -> QuerySet[Enrollment]:
    return (enrollment_queryset().filter(user_id=user.pk)
            .prefetch_related(Prefetch("run", queryset=run_queryset(user)))
            .order_by("-run__starts_at", "-id"))


def enrollment_waitlist_position(enrollment: Enrollment) -> int | None:
    """1-based place on the waitlist for one enrolment (lists use the annotation)."""
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return None
    return Enrollment.objects.filter(
        run_id=enrollment.run_id, status=EnrollmentStatus.WAITLISTED,
        waitlist_seq__lt=enrollment.waitlist_seq).count() + 1


def run_waitlist_count(run: CourseRun) -> int:
    return Enrollment.objects.filter(run_id=run.pk, status=EnrollmentStatus.WAITLISTED).count()


def my_enrollment_in_run(*, user, run: CourseRun) -> Enrollment | None:
    return enrollment_queryset().filter(run_id=run.pk, user_id=user.pk).first()


def users_by_ids(pks: list[int]) -> list:
    return list(get_user_model().objects.filter(pk__in=pks))


def enrollment_progress(enrollment: Enrollment) -> tuple[int, int]:
    """(lessons in the course, lessons done) for one enrolment."""
    total = Lesson.objects.filter(course__runs=enrollment.run_id).count()
    return total, LessonProgress.objects.filter(enrollment_id=enrollment.pk).count()


def enrollment_attendance(enrollment: Enrollment) -> tuple[int, int]:
    """(sessions in the run, sessions attended) for one enrolment."""
    total = ClassSession.objects.filter(run_id=enrollment.run_id).count()
    return total, Attendance.objects.filter(enrollment_id=enrollment.pk, present=True).count()


def enrollment_get_plain(pk: int) -> Enrollment | None:
    """One enrolment with its run, for mutation payloads (counts resolved per field)."""
    return Enrollment.objects.select_related("run__course", "run__venue__community__street"
                                             ).filter(pk=pk).first()


def enrollment_get_counted(pk: int) -> Enrollment | None:
    """One enrolment with its run and every count the API shows in this one query (the
    enrolment payload right after courseEnroll: no query per count field)."""
    enrollment = (enrollment_queryset()
                  .select_related("run__course", "run__venue__community__street")
                  .annotate(run_waitlist_count=_count(Enrollment.objects.filter(
                      run=OuterRef("run"), status=EnrollmentStatus.WAITLISTED), "run"))
                  .filter(pk=pk).first())
    if enrollment is not None:
        enrollment.run.waitlist_count = enrollment.run_waitlist_count  # type: ignore[attr-defined]
    return enrollment


def session_get(pk: int) -> ClassSession | None:
    return ClassSession.objects.select_related("run__venue__community", "run__course").filter(
        pk=pk).first()


def lesson_get(pk: int) -> Lesson | None:
    return Lesson.objects.select_related("course").filter(pk=pk).first()


def quiz_get(pk: int) -> Quiz | None:
    return Quiz.objects.select_related("course").filter(pk=pk).first()


def attendance_get(pk: int) -> Attendance | None:
    return Attendance.objects.select_related("session", "marked_by").filter(pk=pk).first()


def run_roster(run_id: int) -> tuple[list[ClassSession], list[Enrollment], set[tuple[int, int]]]:
    """For the CSV export: sessions, enrolments with users, and (enrollment, session) pairs
    marked present."""
    sessions = list(ClassSession.objects.filter(run_id=run_id).order_by("starts_at", "id"))
    enrollments = list(enrollment_queryset().filter(run_id=run_id)
                       .select_related("user").order_by("status", "waitlist_seq", "id"))
    present = set(Attendance.objects.filter(enrollment__run_id=run_id, present=True)
                  .values_list("enrollment_id", "session_id"))
    return sessions, enrollments, present


# --- Calendar feed ----------------------------------------------------------------------------
CALENDAR_HISTORY = timedelta(days=90)


def calendar_items_for_user(user) -> list[CalendarItem]:
    """The person's class sessions (runs they hold a seat in), tutoring bookings and, for
    tutors, their published slots — three queries."""
    since = timezone.now() - CALENDAR_HISTORY
    items = []
    sessions = (ClassSession.objects
                .filter(run__enrollments__user_id=user.pk,
                        run__enrollments__status__in=SEAT_HOLDING,
                        ends_at__gte=since)
                .select_related("run__course", "run__venue"))
    for session in sessions:
        items.append(CalendarItem(
            uid=f"class-session-{session.pk}-u{user.pk}@linli",
            summary=_("课程：%(title)s") % {"title": session.run.course.title},
            starts_at=session.starts_at, ends_at=session.ends_at,
            sequence=sequence_from(max(session.updated_at, session.run.updated_at)),
            location=" ".join(filter(None, [session.run.venue.name,
                                            session.run.venue.address])),
            description=_("班期 %(code)s") % {"code": session.run.code}))
    items.extend(tutoring_selectors.calendar_items_for_user(user, since=since))
    return items
