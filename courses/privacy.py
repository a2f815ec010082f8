"""Courses' part of anonymising an account (backend.accounts.anonymise): the free text she
wrote goes; enrolments, attendance and bookings stay for the statistics."""

from django.db.models import Q
from django.utils import timezone

from backend.accounts import anonymise

from .models import Enrollment, EnrollmentStatus
from .tutoring.models import TutoringBooking, TutoringBookingStatus


def clean_tutoring_bookings(user) -> int:
    return TutoringBooking.objects.filter(user=user).filter(~Q(note="") | ~Q(address="")) \
        .update(note="", address="")


def open_obligations(user_ids: list[int]) -> set[int]:
    """A seat in a run not yet over, or a tutoring booking still ahead."""
    now = timezone.now()
    seated = Enrollment.objects.filter(
        user_id__in=user_ids, run__ends_at__gt=now,
        status__in=(EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED),
    ).values_list("user_id", flat=True)
    booked = TutoringBooking.objects.filter(
        user_id__in=user_ids, status=TutoringBookingStatus.BOOKED, slot__starts_at__gt=now,
    ).values_list("user_id", flat=True)
    return set(seated) | set(booked)


def connect() -> None:
    anonymise.register("tutoring_bookings", clean_tutoring_bookings)
    anonymise.register_blocker("courses", open_obligations)
