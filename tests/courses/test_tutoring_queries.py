"""tutoringSlots, myTutoringBookings, myTutoringSlots: content, order, access, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories.accounts import CommunityFactory, UserFactory
from tests.factories.courses import TutoringSlotFactory, book, make_tutor
from tests.helpers.queries import assert_query_count

pytestmark = pytest.mark.django_db

SLOTS = """
query S($after: DateTime, $before: DateTime, $communityId: ID) {
  tutoringSlots(startsAfter: $after, startsBefore: $before, communityId: $communityId,
                first: 100) {
    edges { node { id tutor { id displayName } startsAt endsAt place topic capacity seatsLeft
                   status venue { name } } } } }"""
MINE = """
query { myTutoringBookings { id status note rating comment tutorNoShow bookedOnBehalf
  slot { id tutor { id displayName } startsAt endsAt place topic capacity seatsLeft } } }"""
TUTOR = """
query { myTutoringSlots { id startsAt seatsLeft bookings { id status residentName } } }"""


def _ids(result):
    assert result.errors is None, result.errors
    return [e["node"]["id"] for e in result.data["tutoringSlots"]["edges"]]


def _gid(slot):
    return to_global_id("TutoringSlot", slot.pk)


def test_open_future_slots_nearest_community_first(gql, resident, community, street,
                                                   other_community):
    here, there, far = (make_tutor(community), make_tutor(CommunityFactory(street=street)),
                        make_tutor(other_community))
    base = timezone.now() + timedelta(days=1)
    far_early = TutoringSlotFactory(tutor=far, starts_at=base)
    there_slot = TutoringSlotFactory(tutor=there, starts_at=base + timedelta(hours=1))
    here_late = TutoringSlotFactory(tutor=here, starts_at=base + timedelta(hours=5))
    here_early = TutoringSlotFactory(tutor=here, starts_at=base + timedelta(hours=2))
    # not listed: full, cancelled, past, inside the booking cutoff
    full = TutoringSlotFactory(tutor=here, starts_at=base + timedelta(hours=8))
    book(full, UserFactory(community=community))
    TutoringSlotFactory(tutor=here, starts_at=base + timedelta(hours=9), status="CANCELLED")
    TutoringSlotFactory(tutor=here, starts_at=timezone.now() - timedelta(hours=3))
    TutoringSlotFactory(tutor=here, starts_at=timezone.now() + timedelta(minutes=60))
    expected = [_gid(s) for s in (here_early, here_late, there_slot, far_early)]
    assert _ids(gql(SLOTS, user=resident)) == expected
    # anonymous: by time
    assert _ids(gql(SLOTS)) == [_gid(s) for s in (far_early, there_slot, here_early,
                                                  here_late)]
    # filters
    assert _ids(gql(SLOTS, {"communityId": to_global_id("Community", other_community.pk)},
                    user=resident)) == [_gid(far_early)]
    assert _ids(gql(SLOTS, {"after": (base + timedelta(minutes=30)).isoformat(),
                            "before": (base + timedelta(hours=3)).isoformat()},
                    user=resident)) == [_gid(here_early), _gid(there_slot)]


def test_slot_fields(gql, resident, community):
    tutor = make_tutor(community)
    slot = TutoringSlotFactory(tutor=tutor, capacity=3, topic="微信挂号")
    book(slot, UserFactory(community=community))
    node = gql(SLOTS, user=resident).data["tutoringSlots"]["edges"][0]["node"]
    assert node["tutor"] == {"id": to_global_id("Volunteer", tutor.pk),
                             "displayName": tutor.user.display_name}
    assert (node["place"], node["topic"], node["capacity"], node["seatsLeft"]) == \
        ("上门", "微信挂号", 3, 2)
    assert node["status"] == "OPEN" and node["venue"] is None


def test_my_tutoring_bookings_are_only_mine(gql, resident, community):
    tutor = make_tutor(community)
    mine = book(TutoringSlotFactory(tutor=tutor), resident)
    book(TutoringSlotFactory(tutor=tutor), UserFactory(community=community))
    result = gql(MINE, user=resident)
    assert [b["id"] for b in result.data["myTutoringBookings"]] == \
        [to_global_id("TutoringBooking", mine.pk)]


def test_a_tutor_sees_their_slots_with_bookings_others_do_not(gql, resident, community):
    tutor = make_tutor(community)
    slot = TutoringSlotFactory(tutor=tutor)
    booking = book(slot, resident)
    result = gql(TUTOR, user=tutor.user)
    assert result.data["myTutoringSlots"][0]["bookings"] == [
        {"id": to_global_id("TutoringBooking", booking.pk), "status": "BOOKED",
         "residentName": resident.display_name}]
    assert gql(TUTOR, user=resident).data["myTutoringSlots"] == []
    # bookings are never shown through the public list
    assert "bookings" not in SLOTS


# --- Access ------------------------------------------------------------------------------
ROLES = ["anonymous", "resident", "volunteer", "community_staff", "other_coordinator",
         "coordinator", "district_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_tutoring_slots_access_matrix(gql, role_users, community, role):
    slot = TutoringSlotFactory(tutor=make_tutor(community))
    assert _ids(gql(SLOTS, user=role_users[role])) == [_gid(slot)]  # public


@pytest.mark.parametrize("query,name", [(MINE, "myTutoringBookings"), (TUTOR, "myTutoringSlots")])
@pytest.mark.parametrize("role", ROLES)
def test_my_queries_access_matrix(gql, role_users, community, role, query, name):
    tutor = make_tutor(community)
    slot = TutoringSlotFactory(tutor=tutor)
    book(slot, UserFactory(community=community))  # someone else's booking
    result = gql(query, user=role_users[role])
    if role == "anonymous":
        assert result.error_codes == ["UNAUTHENTICATED"]
        return
    assert result.errors is None and result.data[name] == []  # never another person's


# --- Query counts ----------------------------------------------------------------------------
def _make_slots(n, resident, community, tutor=None):
    tutor = tutor or make_tutor(CommunityFactory(street=community.street))
    for _ in range(n):
        slot = TutoringSlotFactory(tutor=tutor, capacity=2)
        book(slot, resident)
    return tutor


@pytest.mark.parametrize("query, name", [(SLOTS, "tutoringSlots"), (MINE, "myTutoringBookings"),
                                         (TUTOR, "myTutoringSlots")],
                         ids=["tutoringSlots", "myTutoringBookings", "myTutoringSlots"])
def test_list_queries_cost_the_same_at_1_and_50_rows(gql, query, name, resident, community):
    tutor = make_tutor(community, user=None)
    viewer = tutor.user if query is TUTOR else resident
    _make_slots(1, resident, community, tutor)
    gql(query, user=viewer)  # creates the API token: not part of the count
    with assert_query_count(name) as one:
        gql(query, user=viewer)
    _make_slots(49, resident, community, tutor)
    result = gql(query, user=viewer)
    assert result.errors is None, result.errors
    assert len(next(iter(result.data.values())) if query is not SLOTS
               else result.data["tutoringSlots"]["edges"]) == 50
    with assert_query_count(name) as fifty:
        gql(query, user=viewer)
    assert len(one) == len(fifty), (len(one), len(fifty))
