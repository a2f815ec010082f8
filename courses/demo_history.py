"""A past for the demo catalogue: a finished run of WX02 at 金口路社区 (three sessions some
weeks ago) with its residents' attendance, the completers' enrolments COMPLETED and their
completion certificates.

Direct ORM inserts with explicit past times: `enrollment_create` refuses runs whose
enrolment has closed, and check-in and completion stamp "now". The certificates go through
`certificate_issue` (it renders the PDF) with `issued_at` the day the run ended and a
`demo:` source key, so `demo_certificate_rerender` may re-print them when the public
address changes and they never collide with a real enrolment's key. WX02 at the 金口路
venue is a pair the upcoming demo runs (demo._runs, one run per course and venue) never
use, so this past run is not taken for one of them. Idempotent: found by its run code.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from backend.accounts.models import User
from backend.certificates.models import CertificateKind
from backend.certificates.services import DEMO_SOURCE_PREFIX, certificate_issue

from .completion import _snapshot
from .models import (
    Attendance,
    AttendanceMethod,
    ClassSession,
    Course,
    CourseRun,
    Enrollment,
    EnrollmentStatus,
    Venue,
)

RUN_CODE = "DEMO-WX02-PAST"
VENUE = "金口路社区党群服务中心"
# username -> which of the three sessions she came to
PRESENCE = {"resident": (1, 1, 1), "demo_learner01": (1, 0, 1), "demo_learner02": (1, 1, 1),
            "demo_learner03": (1, 1, 0), "demo_learner04": (1, 0, 0)}


def seed_history() -> tuple[int, int]:
    """(runs created, certificates created)."""
    if CourseRun.objects.filter(code=RUN_CODE).exists():
        return 0, 0
    course = Course.objects.filter(code="WX02").first()
    venue = Venue.objects.filter(name=VENUE).select_related("community").first()
    learners = {u.username: u for u in User.objects.filter(username__in=PRESENCE)}
    if course is None or venue is None or not learners:
        return 0, 0
    instructor = User.objects.filter(username="instructor").first()
    first = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0) \
        - timedelta(weeks=6)
    sessions_at = [first + timedelta(weeks=n) for n in range(3)]
    run = CourseRun.objects.create(
        course=course, venue=venue, code=RUN_CODE, street_id=venue.community.street_id,
        community=venue.community, capacity=15, starts_at=sessions_at[0],
        ends_at=sessions_at[-1] + timedelta(hours=2),
        enrollment_opens_at=first - timedelta(weeks=3),
        enrollment_closes_at=first - timedelta(hours=12),
        min_attendance_rate=Decimal("0.67"), require_quiz=False)
    if instructor is not None:
        run.instructors.add(instructor)
    sessions = ClassSession.objects.bulk_create([
        ClassSession(run=run, starts_at=at, ends_at=at + timedelta(hours=2))
        for at in sessions_at])
    attendances, completed = [], []
    for username, presence in PRESENCE.items():
        user = learners.get(username)
        if user is None:
            continue
        done = sum(presence) >= 2
        enrollment = Enrollment.objects.create(
            run=run, user=user,
            status=EnrollmentStatus.COMPLETED if done else EnrollmentStatus.ENROLLED,
            completed_at=run.ends_at if done else None)
        attendances += [Attendance(enrollment=enrollment, session=session, present=True,
                                   method=AttendanceMethod.QR,
                                   marked_at=session.starts_at + timedelta(minutes=5))
                        for session, came in zip(sessions, presence, strict=True) if came]
        if done:
            completed.append(enrollment)
    Attendance.objects.bulk_create(attendances)
    CourseRun.objects.filter(pk=run.pk).update(enrolled_count=len(PRESENCE))
    certificates = 0
    for enrollment in completed:
        _certificate, created = certificate_issue(
            kind=CertificateKind.COURSE_COMPLETION, holder=enrollment.user,
            source_key=f"{DEMO_SOURCE_PREFIX}enrollment:{RUN_CODE}:{enrollment.user.username}",
            snapshot=_snapshot(enrollment), issuer_community=run.community,
            issued_at=enrollment.completed_at)
        certificates += created
    return 1, certificates
