from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.tutoring.models import TutoringBooking, TutoringSlot
from volunteers.models import Commitment, CommitmentKind

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_tutoring_slots_and_books_one_for_the_resident(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    slots = TutoringSlot.objects.all()
    assert slots.values("community").distinct().count() >= 3
    assert slots.filter(tutor__user__username="volunteer").exists()
    now = timezone.now()
    upcoming, past = slots.filter(status="OPEN"), slots.exclude(status="OPEN")
    assert upcoming.exists() and past.exists()  # the demo has a tutoring history too
    assert all(now < s.starts_at < now + timedelta(days=15) for s in upcoming)
    assert all(s.status == "DONE" and s.ends_at < now for s in past)
    # every slot is a commitment in its tutor's calendar
    assert Commitment.objects.filter(kind=CommitmentKind.TUTORING).count() == slots.count()
    booking = TutoringBooking.objects.get(user__username="resident", status="BOOKED")
    assert booking.status == "BOOKED" and booking.slot.booked_count == 1
    assert not TutoringBooking.objects.filter(status="BOOKED", starts_at__lt=now).exists()
    # a second run changes nothing
    slot_count, booking_count = slots.count(), TutoringBooking.objects.count()
    call_command("seed_demo")
    assert TutoringSlot.objects.count() == slot_count
    assert TutoringBooking.objects.count() == booking_count
