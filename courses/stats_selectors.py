"""Course and tutoring numbers for the coordinator console, counted in the database.

Each function takes a period as aware datetimes [start, end) and a unit as
(street_id, community_id), both None meaning the whole district; access is the caller's
business (frontend_api/stats/permissions.py). A run counts for its venue's community, a
tutoring booking for its slot's community.
"""

from django.db.models import Count, Exists, OuterRef, Q

from .models import Attendance, Enrollment, EnrollmentStatus
from .tutoring.models import TutoringBooking, TutoringBookingStatus


def _unit_q(path: str, street_id: int | None, community_id: int | None) -> Q:
    if community_id is not None:
        return Q(**{f"{path}_id": community_id})
    if street_id is not None:
        return Q(**{f"{path}__street_id": street_id})
    return Q()


def enrollment_stats(*, start, end, street_id=None, community_id=None) -> dict:
    """Enrolments created in the period (any status), completions dated in it, and the funnel.

    The funnel follows the enrolments created in the period that got a place (ENROLLED or
    COMPLETED now): how many of them attended at least one session, how many completed.
    """
    unit = _unit_q("run__venue__community", street_id, community_id)
    created = Q(created_at__gte=start, created_at__lt=end)
    placed = created & Q(status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED])
    attended = Exists(Attendance.objects.filter(enrollment_id=OuterRef("pk")))
    return (Enrollment.objects.filter(unit)
            .annotate(has_attended=attended)
            .aggregate(
                enrollments=Count("pk", filter=created),
                completions=Count("pk", filter=Q(completed_at__gte=start, completed_at__lt=end)),
                enrolled=Count("pk", filter=placed),
                attended=Count("pk", filter=placed & Q(has_attended=True)),
                completed=Count("pk", filter=placed & Q(status=EnrollmentStatus.COMPLETED))))


def tutoring_stats(*, start, end, street_id=None, community_id=None) -> dict:
    """Bookings of sessions starting in the period (cancelled ones left out) and no-shows."""
    unit = _unit_q("slot__community", street_id, community_id)
    return (TutoringBooking.objects
            .filter(unit, starts_at__gte=start, starts_at__lt=end)
            .exclude(status=TutoringBookingStatus.CANCELLED)
            .aggregate(bookings=Count("pk"),
                       no_shows=Count("pk", filter=Q(status=TutoringBookingStatus.NO_SHOW))))
