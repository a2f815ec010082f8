"""Tutoring under real concurrency, through the real GraphQL endpoint (threads, each with its
own test Client and database connection), on PostgreSQL and SQLite:

- 30 simultaneous tutoringBook calls on one slot of capacity 1: exactly one BOOKED, 29
  SLOT_FULL, no 500 — and the same harness against a naive read-check-write overbooks;
- one resident booking overlapping slots at the same instant: one booking, the rest
  OVERLAPS_BOOKING.
"""

import os
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringBooking, TutoringBookingStatus, TutoringSlot
from tests.factories.accounts import UserFactory
from tests.factories.courses import make_tutor, publish_slot
from tests.helpers.concurrency import run_concurrently
from tests.helpers.graphql import gql, token_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

ROUNDS = int(os.environ.get("TUTORING_CONCURRENCY_ROUNDS", "5"))
N = 30

BOOK = """
mutation B($slotId: ID!) {
  tutoringBook(slotId: $slotId) { booking { id status } errors { code } }
}"""


@pytest.fixture
def residents(community):
    users = UserFactory.create_batch(N, community=community)
    for user in users:
        token_for(user)  # tokens up front, not inside the race
    return users


@pytest.fixture
def tutor_(community):
    return make_tutor(community)


def _race(users, slot_ids):
    """users[i] books slot_ids[i] (or the one slot), all at once."""
    def call(i):
        slot_id = slot_ids[i % len(slot_ids)]
        return gql(BOOK, {"slotId": to_global_id("TutoringSlot", slot_id)}, user=users[i],
                   client=Client())

    return run_concurrently(call, len(users))


def _outcomes(results) -> Counter:
    outcomes = Counter()
    for result in results:
        assert not isinstance(result, Exception), repr(result)
        assert result.status == 200 and result.errors is None, (result.status, result.raw)
        payload = result.data["tutoringBook"]
        if payload["errors"]:
            outcomes.update(e["code"] for e in payload["errors"])
        else:
            outcomes[payload["booking"]["status"]] += 1
    return outcomes


def test_thirty_simultaneous_bookings_of_one_seat_book_exactly_one(tutor_, residents):
    for round_ in range(ROUNDS):
        slot = publish_slot(tutor_, timezone.now() + timedelta(days=2, hours=2 * round_))
        outcomes = _outcomes(_race(residents, [slot.pk]))
        assert outcomes == {"BOOKED": 1, "SLOT_FULL": N - 1}, outcomes
        slot.refresh_from_db()
        assert slot.booked_count == 1
        assert TutoringBooking.objects.filter(slot=slot).count() == 1


def _naive_book(*, actor, user, slot_id, note, address=None):
    """Read-check-write without a lock or a conditional update, in autocommit (so even
    SQLite's IMMEDIATE transactions do not serialise it); the pause widens the race."""
    slot = TutoringSlot.objects.get(pk=slot_id)
    taken = TutoringBooking.objects.filter(slot_id=slot_id,
                                           status=TutoringBookingStatus.BOOKED).count()
    # Wide enough that requests spread out by a loaded CI machine still overlap.
    time.sleep(0.25)
    if taken >= slot.capacity:
        raise ValidationError({"slot_id": ValidationError("full", code="SLOT_FULL")})
    return TutoringBooking.objects.create(slot=slot, user=user, starts_at=slot.starts_at,
                                          ends_at=slot.ends_at)


def test_control_the_naive_read_check_write_overbooks(tutor_, residents, monkeypatch):
    monkeypatch.setattr(tutoring, "_book", _naive_book)
    booked = []
    for round_ in range(3):
        slot = publish_slot(tutor_, timezone.now() + timedelta(days=3, hours=2 * round_))
        outcomes = _outcomes(_race(residents, [slot.pk]))
        booked.append(outcomes["BOOKED"])
    # the harness catches the bug (every round would make the control depend on load)
    assert any(n > 1 for n in booked), booked


def test_one_resident_booking_two_overlapping_slots_at_once_gets_one(community, resident):
    token_for(resident)
    tutors = [make_tutor(community) for _ in range(2)]
    for round_ in range(ROUNDS * 2):
        start = timezone.now() + timedelta(days=2, hours=3 * round_)
        slots = [publish_slot(tutors[0], start),
                 publish_slot(tutors[1], start + timedelta(minutes=30))]
        outcomes = _outcomes(_race([resident, resident], [s.pk for s in slots]))
        assert outcomes == {"BOOKED": 1, "OVERLAPS_BOOKING": 1}, outcomes
        assert TutoringBooking.objects.filter(user=resident, slot__in=slots).count() == 1
        assert sum(TutoringSlot.objects.filter(pk__in=[s.pk for s in slots])
                   .values_list("booked_count", flat=True)) == 1
        TutoringBooking.objects.filter(user=resident).update(status="CANCELLED")


def test_one_resident_racing_for_six_overlapping_slots_gets_one(community, resident):
    token_for(resident)
    tutors = [make_tutor(community) for _ in range(6)]
    start = timezone.now() + timedelta(days=2)
    slots = [publish_slot(t, start + timedelta(minutes=5 * i)) for i, t in enumerate(tutors)]
    outcomes = _outcomes(_race([resident] * 6, [s.pk for s in slots]))
    assert outcomes == {"BOOKED": 1, "OVERLAPS_BOOKING": 5}, outcomes


def _naive_book_no_lock(*, actor, user, slot_id, note, address=None):
    """The overlap check without the resident's lock, in autocommit, with a pause between
    the check and the insert. A database refusal (PostgreSQL's exclusion constraint) is
    reported as INVALID so the test can see which layer stopped it."""
    slot = TutoringSlot.objects.get(pk=slot_id)
    overlapping = TutoringBooking.objects.filter(
        user_id=user.pk, status=TutoringBookingStatus.BOOKED, starts_at__lt=slot.ends_at,
        ends_at__gt=slot.starts_at).exists()
    time.sleep(0.05)
    if overlapping:
        raise ValidationError({"slot_id": ValidationError("overlap", code="OVERLAPS_BOOKING")})
    try:
        with transaction.atomic():
            return TutoringBooking.objects.create(slot=slot, user=user,
                                                  starts_at=slot.starts_at,
                                                  ends_at=slot.ends_at)
    except (IntegrityError, OperationalError):
        # PostgreSQL: the exclusion constraint's violation, or the deadlock two racing
        # inserts checking each other can hit — why the real service locks the resident
        raise ValidationError({"slot_id": ValidationError("db", code="INVALID")}) from None


def test_control_without_the_residents_lock_overlaps_slip_through(community, resident,
                                                                  monkeypatch):
    """SQLite: the naive check lets both bookings in. PostgreSQL: the exclusion constraint
    (the last line of defence) still refuses the second row."""
    monkeypatch.setattr(tutoring, "_book", _naive_book_no_lock)
    token_for(resident)
    tutors = [make_tutor(community) for _ in range(2)]
    outcomes_per_round = []
    for round_ in range(3):
        start = timezone.now() + timedelta(days=2, hours=3 * round_)
        slots = [publish_slot(tutors[0], start),
                 publish_slot(tutors[1], start + timedelta(minutes=30))]
        outcomes_per_round.append(_outcomes(_race([resident, resident],
                                                  [s.pk for s in slots])))
    if connection.vendor == "postgresql":
        assert all(o == {"BOOKED": 1, "INVALID": 1} for o in outcomes_per_round), \
            outcomes_per_round
    else:
        assert all(o == {"BOOKED": 2} for o in outcomes_per_round), outcomes_per_round


CANCEL = """
mutation C($id: ID!) { tutoringCancel(bookingId: $id) { booking { id status } errors { code } } }"""
SLOT_CANCEL = """
mutation S($id: ID!) { tutoringSlotCancel(slotId: $id) { slot { id status } errors { code } } }"""


def test_racing_cancellations_free_the_seat_once_and_never_deadlock(tutor_, residents):
    """The resident, the tutor and a slot withdrawal all at once, round after round."""
    token_for(tutor_.user)
    for round_ in range(ROUNDS):
        slot = publish_slot(tutor_, timezone.now() + timedelta(days=4, hours=2 * round_),
                            capacity=2)
        bookings = [tutoring.tutoring_book(actor=u, user=u, slot_id=slot.pk)
                    for u in residents[:2]]
        calls = [(CANCEL, {"id": to_global_id("TutoringBooking", bookings[0].pk)},
                  residents[0]),
                 (CANCEL, {"id": to_global_id("TutoringBooking", bookings[0].pk)},
                  tutor_.user),
                 (SLOT_CANCEL, {"id": to_global_id("TutoringSlot", slot.pk)}, tutor_.user)]
        results = run_concurrently(
            lambda i, calls=calls: gql(calls[i][0], calls[i][1], user=calls[i][2],
                                       client=Client()), len(calls))
        for result in results:
            assert not isinstance(result, Exception), repr(result)
            assert result.status == 200 and result.errors is None, result.raw
        cancel_codes = [r.data["tutoringCancel"]["errors"] for r in results[:2]]
        # at most one of the two booking cancellations did it (the slot withdrawal may have)
        assert sum(1 for codes in cancel_codes if codes == []) <= 1
        slot.refresh_from_db()
        assert slot.status == "CANCELLED" and slot.booked_count == 0
        assert set(TutoringBooking.objects.filter(slot=slot)
                   .values_list("status", flat=True)) == {"CANCELLED"}
