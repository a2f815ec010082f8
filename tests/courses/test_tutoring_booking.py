"""tutoringBook and tutoringCancel: seats, windows, limits, overlaps, idempotency, access."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core.models import AuditLog
from backend.notifications.models import Notification, NotificationKind
from courses.tutoring.models import TutoringBooking, TutoringSlot
from tests.factories.accounts import UserFactory
from tests.factories.courses import book, make_tutor, publish_slot

pytestmark = pytest.mark.django_db

BOOK = """
mutation B($slotId: ID!, $note: String, $key: String, $userId: ID) {
  tutoringBook(slotId: $slotId, note: $note, idempotencyKey: $key, userId: $userId) {
    booking { id status note bookedOnBehalf slot { id seatsLeft } }
    errors { field code message }
  }
}"""
CANCEL = """
mutation C($id: ID!) {
  tutoringCancel(bookingId: $id) { booking { id status slot { seatsLeft } } errors { code } }
}"""


@pytest.fixture
def other_tutor(community):
    return make_tutor(community)


@pytest.fixture
def open_slot(other_tutor):
    return publish_slot(other_tutor)


def _book(gql, user, slot, **extra):
    variables = {"slotId": to_global_id("TutoringSlot", slot.pk), **extra}
    return gql(BOOK, variables, user=user)


def _codes(result, name="tutoringBook"):
    assert result.errors is None, result.errors
    return [e["code"] for e in result.data[name]["errors"]]


def _slot_at(tutor, base, hours):
    return publish_slot(tutor, base + timedelta(hours=hours))


def test_a_resident_books_a_seat(gql, resident, open_slot):
    result = _book(gql, resident, open_slot, note="想学视频通话")
    payload = result.data["tutoringBook"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "BOOKED"
    assert payload["booking"]["note"] == "想学视频通话"
    assert payload["booking"]["slot"]["seatsLeft"] == 0
    assert payload["booking"]["bookedOnBehalf"] is False
    open_slot.refresh_from_db()
    assert open_slot.booked_count == 1


def test_a_full_slot_answers_slot_full(gql, resident, open_slot, community):
    book(open_slot, UserFactory(community=community))
    assert _codes(_book(gql, resident, open_slot)) == ["SLOT_FULL"]
    assert TutoringBooking.objects.count() == 1


def test_a_tutor_cannot_book_their_own_slot(gql, other_tutor, open_slot):
    assert _codes(_book(gql, other_tutor.user, open_slot)) == ["INVALID"]


@pytest.mark.parametrize(("minutes_before", "closed"), [(121, False), (120, True), (30, True)])
def test_booking_closes_two_hours_before_the_start(gql, resident, open_slot, minutes_before,
                                                   closed):
    with time_machine.travel(open_slot.starts_at - timedelta(minutes=minutes_before), tick=False):
        codes = _codes(_book(gql, resident, open_slot))
    assert codes == (["BOOKING_CLOSED"] if closed else [])


@override_settings(LINLI_TUTORING_BOOKING_CUTOFF_MINUTES=15)
def test_the_booking_cutoff_is_a_setting_read_at_call_time(gql, resident, open_slot):
    with time_machine.travel(open_slot.starts_at - timedelta(minutes=30), tick=False):
        assert _codes(_book(gql, resident, open_slot)) == []


def test_a_cancelled_slot_cannot_be_booked(gql, resident, open_slot):
    TutoringSlot.objects.filter(pk=open_slot.pk).update(status="CANCELLED")
    assert _codes(_book(gql, resident, open_slot)) == ["BOOKING_CLOSED"]


def test_a_resident_holds_at_most_three_open_bookings(gql, resident, other_tutor):
    base = timezone.now() + timedelta(days=3)
    slots = [_slot_at(other_tutor, base, 2 * i) for i in range(4)]
    for slot in slots[:3]:
        assert _codes(_book(gql, resident, slot)) == []
    assert _codes(_book(gql, resident, slots[3])) == ["BOOKING_LIMIT_REACHED"]
    # a cancelled or past booking no longer counts
    first = TutoringBooking.objects.filter(user=resident).order_by("starts_at").first()
    assert _codes(gql(CANCEL, {"id": to_global_id("TutoringBooking", first.pk)},
                      user=resident), "tutoringCancel") == []
    assert _codes(_book(gql, resident, slots[3])) == []
    with time_machine.travel(slots[1].ends_at + timedelta(minutes=1), tick=False):
        later = _slot_at(other_tutor, base, 30)
        assert _codes(_book(gql, resident, later)) == []


@override_settings(LINLI_TUTORING_MAX_OPEN_BOOKINGS=1)
def test_the_open_booking_limit_is_a_setting(gql, resident, other_tutor):
    base = timezone.now() + timedelta(days=3)
    first, second = _slot_at(other_tutor, base, 0), _slot_at(other_tutor, base, 2)
    assert _codes(_book(gql, resident, first)) == []
    assert _codes(_book(gql, resident, second)) == ["BOOKING_LIMIT_REACHED"]


def test_a_resident_never_holds_two_overlapping_bookings(gql, resident, open_slot, community):
    another = make_tutor(community)
    overlapping = publish_slot(another, open_slot.starts_at + timedelta(minutes=30))
    assert _codes(_book(gql, resident, open_slot)) == []
    assert _codes(_book(gql, resident, overlapping)) == ["OVERLAPS_BOOKING"]
    assert TutoringBooking.objects.filter(user=resident).count() == 1
    overlapping.refresh_from_db()
    assert overlapping.booked_count == 0


def test_the_same_idempotency_key_returns_the_first_booking(gql, resident, other_tutor):
    slot = publish_slot(other_tutor, capacity=3)
    first = _book(gql, resident, slot, key="k1").data["tutoringBook"]
    again = _book(gql, resident, slot, key="k1").data["tutoringBook"]
    assert again == first
    assert TutoringBooking.objects.count() == 1
    reused = _book(gql, resident, slot, key="k1", note="不同的备注")
    assert _codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]


def test_staff_book_on_behalf_of_a_resident_and_it_is_audited(gql, community_staff, resident,
                                                              open_slot):
    result = _book(gql, community_staff, open_slot,
                   userId=to_global_id("User", resident.pk))
    assert result.data["tutoringBook"]["booking"]["bookedOnBehalf"] is True
    booking = TutoringBooking.objects.get()
    assert booking.user == resident and booking.booked_by == community_staff
    entry = AuditLog.objects.get(action="tutoring.booking.create")
    assert entry.actor == community_staff and entry.detail["on_behalf"] is True


# --- Cancelling ---------------------------------------------------------------------------
def _cancel(gql, user, booking):
    return gql(CANCEL, {"id": to_global_id("TutoringBooking", booking.pk)}, user=user)


def test_the_resident_cancels_before_the_cutoff_and_the_seat_is_freed(gql, resident, open_slot):
    booking = book(open_slot, resident)
    payload = _cancel(gql, resident, booking).data["tutoringCancel"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "CANCELLED"
    assert payload["booking"]["slot"]["seatsLeft"] == 1
    assert _codes(_cancel(gql, resident, booking), "tutoringCancel") == ["ALREADY_CANCELLED"]
    open_slot.refresh_from_db()
    assert open_slot.booked_count == 0


def test_the_resident_cannot_cancel_after_the_cutoff_but_the_tutor_can(
        gql, resident, open_slot, other_tutor, django_capture_on_commit_callbacks):
    booking = book(open_slot, resident)
    with time_machine.travel(open_slot.starts_at - timedelta(minutes=60), tick=False):
        assert _codes(_cancel(gql, resident, booking), "tutoringCancel") == \
            ["CANCELLATION_CLOSED"]
        booking.refresh_from_db()
        assert booking.status == "BOOKED"
        with django_capture_on_commit_callbacks(execute=True):
            payload = _cancel(gql, other_tutor.user, booking).data["tutoringCancel"]
    assert payload["errors"] == [] and payload["booking"]["status"] == "CANCELLED"
    # the resident is told (the outbox row commits with the cancellation)
    assert Notification.objects.filter(
        user=resident, kind=NotificationKind.TUTORING_CANCELLED,
        dedup_key=f"tutoring-cancelled:{booking.pk}").count() == 1
    assert AuditLog.objects.get(action="tutoring.booking.cancel").detail["by"] == "tutor"


def test_a_coordinator_cancels_any_time(gql, coordinator, resident, open_slot):
    booking = book(open_slot, resident)
    with time_machine.travel(open_slot.starts_at - timedelta(minutes=5), tick=False):
        assert _codes(_cancel(gql, coordinator, booking), "tutoringCancel") == []


def test_an_attended_booking_cannot_be_cancelled(gql, resident, open_slot):
    booking = book(open_slot, resident, status="ATTENDED")
    assert _codes(_cancel(gql, resident, booking), "tutoringCancel") == ["ALREADY_MARKED"]


# --- Access matrices ------------------------------------------------------------------------
ROLES = ["anonymous", "resident", "volunteer", "community_staff", "other_coordinator",
         "coordinator", "district_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_book_for_yourself_access_matrix(gql, role_users, open_slot, role):
    result = _book(gql, role_users[role], open_slot)
    if role == "anonymous":
        assert result.error_codes == ["UNAUTHENTICATED"]
        assert not TutoringBooking.objects.exists()
        return
    assert _codes(result) == []  # anyone logged in books for themself
    assert TutoringBooking.objects.get().user == role_users[role]


BOOK_FOR_OTHERS = {"community_staff", "coordinator", "district_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_book_on_behalf_access_matrix(gql, role_users, open_slot, community, role):
    target = UserFactory(community=community)
    result = _book(gql, role_users[role], open_slot, userId=to_global_id("User", target.pk))
    if role in BOOK_FOR_OTHERS:
        assert _codes(result) == []
        assert TutoringBooking.objects.get().user == target
        return
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert result.error_codes == [expected]
    assert not TutoringBooking.objects.exists()
    open_slot.refresh_from_db()
    assert open_slot.booked_count == 0


# the booking's resident is `resident`; the slot's tutor is someone else
CANCEL_ALLOWED = {"resident", "community_staff", "coordinator", "district_admin"}


@pytest.mark.parametrize("role", [*ROLES, "tutor"])
def test_cancel_access_matrix(gql, role_users, resident, open_slot, other_tutor, role):
    booking = book(open_slot, resident)
    user = other_tutor.user if role == "tutor" else role_users[role]
    result = _cancel(gql, user, booking)
    booking.refresh_from_db()
    if role in CANCEL_ALLOWED or role == "tutor":
        assert _codes(result, "tutoringCancel") == []
        assert booking.status == "CANCELLED"
        return
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert result.error_codes == [expected]
    assert booking.status == "BOOKED"
    open_slot.refresh_from_db()
    assert open_slot.booked_count == 1


def test_postgresql_refuses_overlapping_booked_rows_at_the_database(resident, open_slot,
                                                                    community):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only (migration 0003)")
    other = publish_slot(make_tutor(community), open_slot.starts_at + timedelta(minutes=30))
    book(open_slot, resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        book(other, resident)
    # a cancelled booking does not count
    book(other, resident, status="CANCELLED")


# --- Who is told ---------------------------------------------------------------------------
def test_booking_tells_the_resident_and_her_cancelling_tells_the_tutor(gql, resident,
                                                                       open_slot, other_tutor):
    assert _codes(_book(gql, resident, open_slot)) == []
    booking = TutoringBooking.objects.get(user=resident, slot=open_slot)
    booked = Notification.objects.get(kind=NotificationKind.TUTORING_BOOKED)
    assert booked.user == resident and open_slot.topic in booked.body
    assert booked.data["keywords"][0] == open_slot.topic

    assert _cancel(gql, resident, booking).data["tutoringCancel"]["errors"] == []
    told = Notification.objects.get(kind=NotificationKind.TUTORING_CANCELLED)
    assert told.user == other_tutor.user  # the other side: her tutor
