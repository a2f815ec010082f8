"""Reads for the community desk (/desk/): what residents of the viewer's communities have
booked — tutoring bookings and class enrolments still ahead."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.permissions import desk_community_filter

from .models import Enrollment, EnrollmentStatus
from .tutoring.models import TutoringBooking, TutoringBookingStatus

DESK_LIST_LIMIT = 200


def desk_upcoming_bookings(viewer, *, now: datetime | None = None) -> QuerySet[TutoringBooking]:
    """Booked tutoring sessions not yet begun, soonest first."""
    return (TutoringBooking.objects
            .filter(desk_community_filter(viewer, "user__community"),
                    status=TutoringBookingStatus.BOOKED, starts_at__gte=now or timezone.now())
            .select_related("user", "slot__tutor__user", "slot__community")
            .order_by("starts_at", "id")[:DESK_LIST_LIMIT])


def desk_upcoming_enrollments(viewer, *, now: datetime | None = None) -> QuerySet[Enrollment]:
    """Places (and waitlist places) in classes that have not ended, soonest first."""
    return (Enrollment.objects
            .filter(desk_community_filter(viewer, "user__community"),
                    status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED],
                    run__ends_at__gte=now or timezone.now())
            .select_related("user", "run__course", "run__venue")
            .order_by("run__starts_at", "run_id", "id")[:DESK_LIST_LIMIT])
