"""The .ics feed's content: exactly the person's own class sessions, tutoring bookings,
published tutoring slots and (from volunteers) commitments; stable UIDs, SEQUENCE bumps."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from backend.accounts import services as account_services
from courses.models import EnrollmentStatus
from courses.selectors import calendar_items_for_user
from courses.tutoring import services as tutoring
from tests.factories.accounts import UserFactory
from tests.factories.courses import (
    ClassSessionFactory,
    CourseRunFactory,
    VenueFactory,
    book,
    make_tutor,
    publish_slot,
)
from tests.factories.volunteers import commitment
from tests.helpers.queries import assert_query_count
from volunteers.models import CommitmentKind

pytestmark = pytest.mark.django_db


def _feed(user) -> dict[str, dict]:
    token = user.calendar_token or account_services.calendar_token_regenerate(user=user)
    response = Client().get(f"/api/calendar/{token}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def run(community):
    return CourseRunFactory(venue=VenueFactory(community=community, name="金口路活动室"))


def test_a_resident_sees_their_classes_and_bookings_only(resident, community, run):
    # given two sessions of a run the resident is enrolled in, a booking, a cancelled one
    sessions = [ClassSessionFactory(run=run),
                ClassSessionFactory(run=run, starts_at=run.starts_at + timedelta(days=7))]
    run.enrollments.create(user=resident, status=EnrollmentStatus.ENROLLED)
    tutor = make_tutor(community)
    booking = book(publish_slot(tutor), resident)
    cancelled = book(publish_slot(tutor, timezone.now() + timedelta(days=4)), resident,
                     status="CANCELLED")
    # and someone else's class, booking and a waitlisted place of the resident
    other = UserFactory(community=community)
    other_run = CourseRunFactory(venue=run.venue)
    ClassSessionFactory(run=other_run)
    other_run.enrollments.create(user=other, status=EnrollmentStatus.ENROLLED)
    waitlisted_run = CourseRunFactory(venue=run.venue)
    ClassSessionFactory(run=waitlisted_run)
    waitlisted_run.enrollments.create(user=resident, status=EnrollmentStatus.WAITLISTED,
                                      waitlist_seq=1)
    book(publish_slot(tutor, timezone.now() + timedelta(days=5)), other)
    # then the feed holds exactly the resident's own events
    events = _feed(resident)
    assert set(events) == {
        f"class-session-{sessions[0].pk}-u{resident.pk}@linli",
        f"class-session-{sessions[1].pk}-u{resident.pk}@linli",
        f"tutoring-booking-{booking.pk}@linli",
        f"tutoring-booking-{cancelled.pk}@linli",
    }
    event = events[f"tutoring-booking-{booking.pk}@linli"]
    assert "微信辅导" in str(event["summary"]) and str(event["location"]) == "上门"
    assert event.decoded("dtstart") == booking.starts_at  # slots start on the minute
    assert str(events[f"tutoring-booking-{cancelled.pk}@linli"]["status"]) == "CANCELLED"
    assert str(events[f"class-session-{sessions[0].pk}-u{resident.pk}@linli"]["location"]) \
        .startswith("金口路活动室")


def test_a_tutor_sees_their_slots_once_and_their_other_commitments(community):
    tutor = make_tutor(community)
    slot = publish_slot(tutor)
    shift = commitment(tutor, slot.starts_at + timedelta(days=1),
                       slot.starts_at + timedelta(days=1, hours=2), kind=CommitmentKind.SHIFT)
    events = _feed(tutor.user)
    # the slot's TUTORING commitment is not listed a second time by the volunteers source
    assert set(events) == {f"tutoring-slot-{slot.pk}@linli", f"commitment-{shift.pk}@linli"}
    assert "0/1" in str(events[f"tutoring-slot-{slot.pk}@linli"]["summary"])


def test_uids_are_stable_and_sequence_grows_on_change(resident, community):
    tutor = make_tutor(community)
    slot = publish_slot(tutor)
    booking = tutoring.tutoring_book(actor=resident, user=resident, slot_id=slot.pk)
    before = _feed(resident)[f"tutoring-booking-{booking.pk}@linli"]
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        tutoring.tutoring_booking_cancel(actor=tutor.user, booking_id=booking.pk)
    after = _feed(resident)[f"tutoring-booking-{booking.pk}@linli"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert str(after["status"]) == "CANCELLED"


def test_the_courses_source_costs_the_same_for_1_and_many_items(resident, community, run):
    tutor = make_tutor(community)
    ClassSessionFactory(run=run)
    run.enrollments.create(user=resident, status=EnrollmentStatus.ENROLLED)
    book(publish_slot(tutor), resident)
    with assert_query_count("courses.calendarItemsForUser") as one:
        calendar_items_for_user(resident)
    for i in range(10):
        ClassSessionFactory(run=run, starts_at=run.starts_at + timedelta(days=i + 1))
        book(publish_slot(tutor, timezone.now() + timedelta(days=3, hours=2 * i)), resident)
    assert len(calendar_items_for_user(resident)) == 22
    with assert_query_count("courses.calendarItemsForUser") as many:
        calendar_items_for_user(resident)
    assert len(many) == len(one)
