"""Heavy course and tutoring mutations cost exactly their pinned number of SQL queries
(tests/query_pins.py), measured through the GraphQL endpoint as a client calls them."""

import pytest
from graphql_relay import to_global_id

from courses.models import EnrollmentStatus, TutoringBooking, TutoringSlot
from tests.factories.accounts import UserFactory
from tests.factories.courses import CourseRunFactory, make_tutor, publish_slot
from tests.factories.volunteers import set_availability
from tests.helpers.queries import assert_query_count, count_queries, pinned_count

pytestmark = pytest.mark.django_db

ENROLL = """
mutation E($runId: ID!, $key: String) {
  courseEnroll(runId: $runId, idempotencyKey: $key) {
    enrollment { id status waitlistPosition progressPercent attendanceRate
                 run { id code enrolledCount seatsLeft waitlistCount } }
    errors { field code message }
  }
}"""
BOOK = """
mutation B($slotId: ID!, $note: String, $key: String) {
  tutoringBook(slotId: $slotId, note: $note, idempotencyKey: $key) {
    booking { id status note bookedOnBehalf slot { id seatsLeft } }
    errors { field code message }
  }
}"""
BULK = """
mutation B($volunteerId: ID!, $weeks: Int!, $minutes: Int!, $topic: String!) {
  tutoringSlotsPublishFromAvailability(volunteerId: $volunteerId, weeks: $weeks,
      durationMinutes: $minutes, topic: $topic, place: "上门") {
    slots { id startsAt endsAt }
    counts { created skippedExisting skippedOverlap }
    errors { code }
  }
}"""


def _ok(result, name):
    assert result.errors is None, result.errors
    assert result.data[name]["errors"] == [], result.data[name]["errors"]
    return result.data[name]


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
def test_course_enroll_is_pinned(gql, run, resident, full):
    # given a run that has a seat, or is full so the enrolment goes to the waitlist
    if full:
        type(run).objects.filter(pk=run.pk).update(enrolled_count=run.capacity)
    gql("{ myEnrollments { id } }", user=resident)  # the API token exists from here on
    variables = {"runId": to_global_id("CourseRun", run.pk), "key": "enrol-1"}
    with assert_query_count("courseEnroll.waitlist" if full else "courseEnroll"):
        payload = _ok(gql(ENROLL, variables, user=resident), "courseEnroll")
    expected = EnrollmentStatus.WAITLISTED if full else EnrollmentStatus.ENROLLED
    assert payload["enrollment"]["status"] == expected.value


def test_course_enroll_costs_the_same_in_a_busy_run(gql, venue, resident):
    # the count does not grow with the enrolments already in the run
    run = CourseRunFactory(venue=venue, capacity=100)
    gql("{ myEnrollments { id } }", user=resident)
    for user in UserFactory.create_batch(50):
        run.enrollments.create(user=user, status=EnrollmentStatus.ENROLLED)
    type(run).objects.filter(pk=run.pk).update(enrolled_count=50)
    with assert_query_count("courseEnroll"):
        _ok(gql(ENROLL, {"runId": to_global_id("CourseRun", run.pk), "key": "enrol-2"},
                user=resident), "courseEnroll")


def test_tutoring_book_is_pinned(gql, community, resident):
    # given an open slot with two seats, one of them booked by someone else
    slot = publish_slot(make_tutor(community), capacity=2)
    gql("{ myTutoringBookings { id } }", user=resident)
    _ok(gql(BOOK, {"slotId": to_global_id("TutoringSlot", slot.pk)},
            user=UserFactory(community=community)), "tutoringBook")
    with assert_query_count("tutoringBook"):
        payload = _ok(gql(BOOK, {"slotId": to_global_id("TutoringSlot", slot.pk),
                                 "note": "想学视频通话", "key": "book-1"}, user=resident),
                      "tutoringBook")
    assert payload["booking"]["status"] == "BOOKED"
    assert TutoringBooking.objects.filter(slot=slot).count() == 2


def test_tutoring_slots_publish_from_availability_is_pinned(gql, tutor):
    # given a tutor free on Wednesdays 9-11: one week makes two one-hour slots
    set_availability(tutor, [(3, "09:00", "11:00")])
    gql("{ myTutoringSlots { id } }", user=tutor.user)
    variables = {"volunteerId": to_global_id("Volunteer", tutor.pk), "weeks": 1,
                 "minutes": 60, "topic": "微信入门"}
    with assert_query_count("tutoringSlotsPublishFromAvailability"):
        payload = _ok(gql(BULK, variables, user=tutor.user),
                      "tutoringSlotsPublishFromAvailability")
    assert payload["counts"]["created"] == 2 == TutoringSlot.objects.count()


def test_tutoring_slots_publish_from_availability_costs_a_pinned_amount_per_slot(gql, tutor):
    # each slot goes through the one-slot publishing path, so the bulk mutation grows with the
    # slots it makes: pin that growth too, since a query added there is paid once per slot
    gql("{ myTutoringSlots { id } }", user=tutor.user)
    variables = {"volunteerId": to_global_id("Volunteer", tutor.pk), "weeks": 1,
                 "minutes": 60, "topic": "微信入门"}
    counts = {}
    for weekday, slots in ((3, 2), (5, 6)):
        set_availability(tutor, [(weekday, "09:00", f"{9 + slots:02d}:00")])
        with count_queries() as ctx:
            payload = _ok(gql(BULK, variables, user=tutor.user),
                          "tutoringSlotsPublishFromAvailability")
        assert payload["counts"]["created"] == slots
        counts[slots] = len(ctx)
    assert counts[2] == pinned_count("tutoringSlotsPublishFromAvailability")
    per_slot = (counts[6] - counts[2]) / 4
    assert per_slot == pinned_count("tutoringSlotsPublishFromAvailability.perSlot"), counts
