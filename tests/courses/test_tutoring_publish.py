"""tutoringSlotPublish and tutoringSlotsPublishFromAvailability: tutors only, one calendar."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringSlot
from tests.factories.courses import VenueFactory, make_tutor, publish_slot
from tests.factories.volunteers import ALL_WEEK, VolunteerFactory, commitment, set_availability
from tests.volunteers.conftest import next_local
from volunteers import services as volunteer_services
from volunteers.models import Commitment, CommitmentKind

pytestmark = pytest.mark.django_db

PUBLISH = """
mutation P($startsAt: DateTime!, $minutes: Int!, $place: String, $venueId: ID, $topic: String!,
           $capacity: Int) {
  tutoringSlotPublish(startsAt: $startsAt, durationMinutes: $minutes, place: $place,
                      venueId: $venueId, topic: $topic, capacity: $capacity) {
    slot { id tutor { id displayName } startsAt endsAt place topic capacity seatsLeft status }
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


def _vars(starts_at, **extra):
    return {"startsAt": starts_at.isoformat(), "minutes": 60, "place": "上门",
            "topic": "微信视频通话", **extra}


def test_a_tutor_publishes_a_slot_and_it_is_a_commitment_in_their_calendar(gql, tutor):
    starts_at = next_local(3, 15)
    result = gql(PUBLISH, _vars(starts_at, capacity=2), user=tutor.user)
    payload = result.data["tutoringSlotPublish"]
    assert payload["errors"] == []
    slot = payload["slot"]
    assert slot["place"] == "上门" and slot["capacity"] == 2 and slot["seatsLeft"] == 2
    assert slot["tutor"] == {"id": to_global_id("Volunteer", tutor.pk),
                             "displayName": tutor.user.display_name}
    row = TutoringSlot.objects.get()
    assert row.ends_at - row.starts_at == timedelta(hours=1)
    assert row.commitment.kind == CommitmentKind.TUTORING
    assert row.commitment.source_key == f"tutoring_slot:{row.pk}"
    assert (row.commitment.starts_at, row.commitment.ends_at) == (row.starts_at, row.ends_at)


def test_a_venue_slot_belongs_to_the_venues_community(gql, tutor, other_community):
    venue = VenueFactory(community=other_community, name="湛山活动室")
    result = gql(PUBLISH, _vars(next_local(3, 15), venueId=to_global_id("Venue", venue.pk)),
                 user=tutor.user)
    assert result.data["tutoringSlotPublish"]["slot"]["place"] == "湛山活动室"
    assert TutoringSlot.objects.get().community == other_community


@pytest.mark.parametrize("setup", ["no_skill", "no_credential", "expired_credential"])
def test_only_a_qualified_tutor_may_publish(gql, community, user_factory, setup):
    if setup == "no_skill":
        volunteer = VolunteerFactory(community=community)
    elif setup == "no_credential":
        volunteer = make_tutor(community, credential=False)
    else:
        volunteer = make_tutor(community,
                               valid_until=timezone.localdate() - timedelta(days=1))
    result = gql(PUBLISH, _vars(next_local(3, 15)), user=volunteer.user)
    assert [e["code"] for e in result.data["tutoringSlotPublish"]["errors"]] == ["NOT_A_TUTOR"]
    assert not TutoringSlot.objects.exists() and not Commitment.objects.exists()


def test_a_tutor_cannot_publish_over_an_existing_commitment(gql, tutor):
    starts_at = next_local(3, 15)
    commitment(tutor, starts_at + timedelta(minutes=30), starts_at + timedelta(hours=2),
               kind=CommitmentKind.DISPATCH)
    result = gql(PUBLISH, _vars(starts_at), user=tutor.user)
    assert [e["code"] for e in result.data["tutoringSlotPublish"]["errors"]] == \
        ["OVERLAPS_COMMITMENT"]
    assert not TutoringSlot.objects.exists()
    assert Commitment.objects.count() == 1


def test_the_same_slot_twice_is_an_overlap_not_a_duplicate(tutor):
    starts_at = next_local(3, 15)
    publish_slot(tutor, starts_at)
    with pytest.raises(ValidationError) as exc:
        publish_slot(tutor, starts_at)
    assert exc.value.error_dict["starts_at"][0].code == "OVERLAPS_COMMITMENT"
    assert TutoringSlot.objects.count() == 1


def test_a_dispatched_job_cannot_land_on_a_published_slot(tutor, coordinator, community):
    # given a published slot
    starts_at = next_local(3, 15)
    slot = publish_slot(tutor, starts_at)
    # when the calendar is asked to hold the tutor for a job overlapping it
    with pytest.raises(ValidationError) as exc:
        volunteer_services.commitment_create(
            volunteer=tutor, starts_at=starts_at + timedelta(minutes=30),
            ends_at=starts_at + timedelta(hours=2), kind=CommitmentKind.DISPATCH,
            source_key="offer:test")
    assert exc.value.error_dict["starts_at"][0].code == "OVERLAPS_COMMITMENT"
    # and the dispatch service passes over the (otherwise available) tutor then ...
    set_availability(tutor, ALL_WEEK)
    request = volunteer_services.dispatch_create(
        actor=coordinator, skill_code="wechat_tutoring", starts_at=starts_at,
        duration_minutes=60, community=community)
    assert not request.offers.filter(volunteer=tutor).exists()
    assert Commitment.objects.filter(volunteer=tutor).count() == 1
    # ... while a day later the same job goes to them (control)
    later = volunteer_services.dispatch_create(
        actor=coordinator, skill_code="wechat_tutoring", starts_at=starts_at + timedelta(days=1),
        duration_minutes=60, community=community)
    assert later.offers.filter(volunteer=tutor).exists()
    assert slot.commitment.status == "CONFIRMED"


def test_invalid_input_is_refused(gql, tutor):
    past = timezone.now() - timedelta(hours=1)
    codes = lambda v: [e["code"] for e in  # noqa: E731
                       gql(PUBLISH, v, user=tutor.user).data["tutoringSlotPublish"]["errors"]]
    assert codes(_vars(past)) == ["INVALID_WINDOW"]
    assert codes(_vars(next_local(3, 15), minutes=5)) == ["INVALID_WINDOW"]
    assert codes(_vars(next_local(3, 15), capacity=0)) == ["INVALID"]
    assert codes(_vars(next_local(3, 15), topic=" ")) == ["REQUIRED"]
    assert not TutoringSlot.objects.exists()


# --- Bulk from weekly availability -----------------------------------------------------------
def _bulk(gql, user, tutor, weeks=2, minutes=60):
    return gql(BULK, {"volunteerId": to_global_id("Volunteer", tutor.pk), "weeks": weeks,
                      "minutes": minutes, "topic": "微信入门"}, user=user)


def test_bulk_publish_fills_the_weekly_availability_and_is_idempotent(gql, tutor):
    set_availability(tutor, [(2, "14:00", "16:00"), (4, "09:00", "10:30")])
    first = _bulk(gql, tutor.user, tutor).data["tutoringSlotsPublishFromAvailability"]
    assert first["errors"] == []
    # two Tuesday slots (14-15, 15-16) and one Thursday slot (9-10; 10:00-10:30 too short)
    # per week, for two weeks
    assert first["counts"] == {"created": 6, "skippedExisting": 0, "skippedOverlap": 0}
    starts = sorted(timezone.localtime(s.starts_at) for s in TutoringSlot.objects.all())
    assert {(s.isoweekday(), s.hour) for s in starts} == {(2, 14), (2, 15), (4, 9)}
    assert Commitment.objects.filter(volunteer=tutor, kind=CommitmentKind.TUTORING).count() == 6
    # when run again, nothing new
    again = _bulk(gql, tutor.user, tutor).data["tutoringSlotsPublishFromAvailability"]
    assert again["counts"] == {"created": 0, "skippedExisting": 6, "skippedOverlap": 0}
    assert again["slots"] == []
    assert TutoringSlot.objects.count() == 6


def test_bulk_publish_skips_windows_taken_by_other_commitments(gql, tutor, coordinator):
    set_availability(tutor, [(2, "14:00", "16:00")])
    tuesday = next_local(2, 14, weeks_ahead=0)
    if tuesday <= timezone.now() + timedelta(days=1):
        tuesday += timedelta(days=7)
    commitment(tutor, tuesday + timedelta(minutes=30), tuesday + timedelta(minutes=50),
               kind=CommitmentKind.SHIFT)
    payload = _bulk(gql, coordinator, tutor, weeks=3).data["tutoringSlotsPublishFromAvailability"]
    assert payload["errors"] == []
    assert payload["counts"]["skippedOverlap"] == 1
    assert payload["counts"]["created"] + 1 == len(tutoring.availability_windows(
        list(tutor.availability_rules.all()), weeks=3, duration_minutes=60,
        now=timezone.now()))
    assert not TutoringSlot.objects.filter(starts_at=tuesday).exists()


# --- Access matrix -------------------------------------------------------------------------
PUBLISH_ALLOWED = {"volunteer"}  # the tutor: only a roster member publishes their own slots


@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "community_staff",
                                  "other_coordinator", "coordinator", "district_admin"])
def test_publish_access_matrix(gql, role_users, tutor, role):
    result = gql(PUBLISH, _vars(next_local(3, 15)), user=role_users[role])
    if role in PUBLISH_ALLOWED:
        assert result.data["tutoringSlotPublish"]["errors"] == []
        assert TutoringSlot.objects.count() == 1
        return
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert result.error_codes == [expected]
    assert not TutoringSlot.objects.exists() and not Commitment.objects.exists()


BULK_ALLOWED = {"volunteer", "coordinator", "district_admin"}


@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "community_staff",
                                  "other_coordinator", "coordinator", "district_admin"])
def test_bulk_publish_access_matrix(gql, role_users, tutor, role):
    set_availability(tutor, [(3, "09:00", "11:00")])
    result = _bulk(gql, role_users[role], tutor, weeks=1)
    if role in BULK_ALLOWED:
        payload = result.data["tutoringSlotsPublishFromAvailability"]
        assert payload["errors"] == [] and payload["counts"]["created"] == 2
        return
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert result.error_codes == [expected]
    assert not TutoringSlot.objects.exists() and not Commitment.objects.exists()


def test_bulk_publish_skips_windows_in_the_tutors_time_off(gql, tutor, coordinator):
    # Given a tutor free Tuesdays 14-16 who takes one Tuesday afternoon off
    set_availability(tutor, [(2, "14:00", "16:00")])
    tuesday = next_local(2, 14, weeks_ahead=0)
    if tuesday <= timezone.now() + timedelta(days=1):
        tuesday += timedelta(days=7)
    volunteer_services.time_off_add(actor=coordinator, volunteer=tutor,
                                    starts_at=tuesday + timedelta(minutes=70),
                                    ends_at=tuesday + timedelta(hours=3), reason="看病")
    windows = tutoring.availability_windows(list(tutor.availability_rules.all()), weeks=3,
                                            duration_minutes=60, now=timezone.now())

    # When the coordinator publishes from availability
    result = gql(BULK.replace("skippedOverlap }", "skippedOverlap skippedTimeOff }"),
                 {"volunteerId": to_global_id("Volunteer", tutor.pk), "weeks": 3, "minutes": 60,
                  "topic": "微信入门"}, user=coordinator)
    payload = result.data["tutoringSlotsPublishFromAvailability"]

    # Then the 15:00 window (overlapping the time off) is skipped and counted, the rest made
    assert payload["errors"] == []
    assert payload["counts"]["skippedTimeOff"] == 1
    assert payload["counts"]["created"] + 1 == len(windows)
    assert TutoringSlot.objects.filter(starts_at=tuesday).exists()
    assert not TutoringSlot.objects.filter(starts_at=tuesday + timedelta(hours=1)).exists()
    assert not Commitment.objects.filter(volunteer=tutor,
                                         starts_at=tuesday + timedelta(hours=1)).exists()


def test_bulk_publish_time_off_check_is_one_query(tutor, coordinator):
    set_availability(tutor, ALL_WEEK)
    with CaptureQueriesContext(connection) as queries:
        tutoring.tutoring_slots_publish_from_availability(
            actor=coordinator, volunteer=tutor, weeks=1, duration_minutes=60, topic="手机")
    assert sum("volunteers_timeoff" in q["sql"] for q in queries.captured_queries) == 1
