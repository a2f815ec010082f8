"""After the session: tutoringBookingMark, tutoringTutorNoShow, tutoringRate, service hours."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from graphql_relay import to_global_id

from courses.tutoring.models import TutoringBooking, TutoringSlot
from tests.factories.accounts import UserFactory
from tests.factories.courses import book
from volunteers.models import ServiceHours

pytestmark = pytest.mark.django_db

MARK = """
mutation M($id: ID!, $status: TutoringMarkStatus!) {
  tutoringBookingMark(bookingId: $id, status: $status) { booking { id status } errors { code } }
}"""
NO_SHOW = """
mutation N($id: ID!) {
  tutoringTutorNoShow(bookingId: $id) { booking { id tutorNoShow } errors { code } }
}"""
RATE = """
mutation R($id: ID!, $rating: Int!, $comment: String) {
  tutoringRate(bookingId: $id, rating: $rating, comment: $comment) {
    booking { id rating comment } errors { code }
  }
}"""


def _gid(booking):
    return to_global_id("TutoringBooking", booking.pk)


def _codes(result, name):
    assert result.errors is None, result.errors
    return [e["code"] for e in result.data[name]["errors"]]


@pytest.fixture
def booked(slot, resident):
    return book(slot, resident)


@pytest.fixture
def after_start(slot):
    with time_machine.travel(slot.ends_at + timedelta(minutes=5), tick=False):
        yield


def test_marking_waits_for_the_start(gql, tutor, booked):
    assert _codes(gql(MARK, {"id": _gid(booked), "status": "ATTENDED"}, user=tutor.user),
                  "tutoringBookingMark") == ["SESSION_NOT_STARTED"]
    booked.refresh_from_db()
    assert booked.status == "BOOKED"


def test_attended_logs_the_tutors_hours_once_per_slot(gql, tutor, booked, slot, community,
                                                      after_start):
    TutoringSlot.objects.filter(pk=slot.pk).update(capacity=2)
    second = book(slot, UserFactory(community=community))
    for booking in (booked, second, booked):
        assert _codes(gql(MARK, {"id": _gid(booking), "status": "ATTENDED"}, user=tutor.user),
                      "tutoringBookingMark") == []
    entry = ServiceHours.objects.get()
    assert entry.status == "PENDING" and entry.hours == Decimal("1.00")
    assert entry.volunteer == tutor and entry.commitment_id == slot.commitment_id
    slot.refresh_from_db()
    assert slot.status == "DONE" and slot.hours_logged_at is not None
    assert slot.commitment.status == "COMPLETED"


def test_no_show_logs_no_hours(gql, tutor, booked, after_start):
    assert _codes(gql(MARK, {"id": _gid(booked), "status": "NO_SHOW"}, user=tutor.user),
                  "tutoringBookingMark") == []
    booked.refresh_from_db()
    assert booked.status == "NO_SHOW"
    assert not ServiceHours.objects.exists()


def test_a_cancelled_booking_cannot_be_marked(gql, tutor, slot, resident, after_start):
    booking = book(slot, resident, status="CANCELLED")
    assert _codes(gql(MARK, {"id": _gid(booking), "status": "ATTENDED"}, user=tutor.user),
                  "tutoringBookingMark") == ["ALREADY_CANCELLED"]


def test_the_resident_rates_an_attended_session_once(gql, resident, booked, after_start):
    assert _codes(gql(RATE, {"id": _gid(booked), "rating": 5}, user=resident),
                  "tutoringRate") == ["NOT_ATTENDED"]
    TutoringBooking.objects.filter(pk=booked.pk).update(status="ATTENDED")
    assert _codes(gql(RATE, {"id": _gid(booked), "rating": 6}, user=resident),
                  "tutoringRate") == ["INVALID"]
    payload = gql(RATE, {"id": _gid(booked), "rating": 4, "comment": "耐心细致"},
                  user=resident).data["tutoringRate"]
    assert payload["errors"] == [] and payload["booking"]["rating"] == 4
    assert _codes(gql(RATE, {"id": _gid(booked), "rating": 1}, user=resident),
                  "tutoringRate") == ["ALREADY_RATED"]
    booked.refresh_from_db()
    assert (booked.rating, booked.comment) == (4, "耐心细致")


def test_a_coordinator_marks_the_tutor_no_show(gql, coordinator, booked, slot):
    assert _codes(gql(NO_SHOW, {"id": _gid(booked)}, user=coordinator),
                  "tutoringTutorNoShow") == ["SESSION_NOT_STARTED"]
    with time_machine.travel(slot.ends_at, tick=False):
        payload = gql(NO_SHOW, {"id": _gid(booked)}, user=coordinator).data["tutoringTutorNoShow"]
    assert payload["errors"] == [] and payload["booking"]["tutorNoShow"] is True


# --- Access matrices ------------------------------------------------------------------------
ROLES = ["anonymous", "resident", "volunteer", "community_staff", "other_coordinator",
         "coordinator", "district_admin"]
# `volunteer` is the slot's tutor (the tutor fixture); `resident` holds the booking
MARK_ALLOWED = {"volunteer", "coordinator", "district_admin"}
NO_SHOW_ALLOWED = {"coordinator", "district_admin"}
RATE_ALLOWED = {"resident"}


def _denied(result, role):
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert result.error_codes == [expected]


@pytest.mark.parametrize("role", ROLES)
def test_mark_access_matrix(gql, role_users, booked, after_start, role):
    result = gql(MARK, {"id": _gid(booked), "status": "ATTENDED"}, user=role_users[role])
    booked.refresh_from_db()
    if role in MARK_ALLOWED:
        assert _codes(result, "tutoringBookingMark") == [] and booked.status == "ATTENDED"
        return
    _denied(result, role)
    assert booked.status == "BOOKED" and not ServiceHours.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_tutor_no_show_access_matrix(gql, role_users, booked, after_start, role):
    result = gql(NO_SHOW, {"id": _gid(booked)}, user=role_users[role])
    booked.refresh_from_db()
    if role in NO_SHOW_ALLOWED:
        assert _codes(result, "tutoringTutorNoShow") == [] and booked.tutor_no_show
        return
    _denied(result, role)
    assert not booked.tutor_no_show


@pytest.mark.parametrize("role", ROLES)
def test_rate_access_matrix(gql, role_users, booked, after_start, role):
    TutoringBooking.objects.filter(pk=booked.pk).update(status="ATTENDED")
    result = gql(RATE, {"id": _gid(booked), "rating": 5}, user=role_users[role])
    booked.refresh_from_db()
    if role in RATE_ALLOWED:
        assert _codes(result, "tutoringRate") == [] and booked.rating == 5
        return
    _denied(result, role)
    assert booked.rating is None

