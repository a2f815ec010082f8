"""Nested paths of the access matrix: personal data must not leak through a relation that
a root field's own rule allows. Each case walks from a field the role may call to a phone,
an address or a note it may not see, and asserts the clear value appears nowhere in the
answer; a control shows the same path does carry the value for someone entitled to it.
"""

import json

import pytest
from graphql_relay import to_global_id

from backend.accounts.models import Role
from tests.factories.accounts import user_with_role

from .runner import post
from .world import build_world

pytestmark = pytest.mark.django_db

SLOT_PATH = """query { tutoringSlots(first: 20) { edges { node {
  id tutor { id displayName } bookings { id note address residentName } } } } }"""
VOLUNTEER_BY_ID = """query($id: ID!) { volunteer(id: $id) { id phone phoneMasked } }"""
JOB_PATH = """query($id: ID!) { serviceRequest(id: $id) { id address note
  offers { id volunteer { id displayName phone phoneMasked } } } }"""
OFFER_PATH = """query { myOffers { id serviceRequest { id address note
  offers { id volunteer { id displayName phone availability { weekday } } } } } }"""
RUN_PATH = """query($id: ID!) { courseRun(id: $id) { id instructors { id phone address } } }"""


@pytest.fixture
def world(db):
    world = build_world()
    world.users["other_staff"] = user_with_role(Role.COMMUNITY_STAFF,
                                                community=world.objects["other_community"])
    return world


def _text(world, role, query, variables=None) -> str:
    call = post(query, variables, world.users[role])
    assert call.status == 200, call.body
    return json.dumps(call.body, ensure_ascii=False)


def test_a_resident_cannot_reach_the_tutors_phone_through_a_slot(world):
    tutor = world.objects["tutor"]
    via_slot = _text(world, "resident", SLOT_PATH)
    assert tutor.user.display_name in via_slot  # the path is real: the tutor is there
    tutor_id = json.loads(via_slot)["data"]["tutoringSlots"]["edges"][0]["node"]["tutor"]["id"]
    via_id = _text(world, "resident", VOLUNTEER_BY_ID, {"id": tutor_id})
    assert tutor.user.phone not in via_slot + via_id
    # control: the tutor's coordinator reaches it by the same id
    assert tutor.user.phone in _text(world, "coordinator", VOLUNTEER_BY_ID, {"id": tutor_id})


def test_a_resident_cannot_reach_the_volunteers_phone_through_an_offer(world):
    phone = world.objects["tutor"].user.phone
    answer = _text(world, "resident", JOB_PATH, {"id": world.ids["serviceRequestId"]})
    assert phone not in answer and "金口一路1号" not in answer
    assert phone in _text(world, "coordinator", JOB_PATH, {"id": world.ids["serviceRequestId"]})


def test_an_offered_volunteer_sees_no_other_volunteer_and_no_address_before_accepting(world):
    answer = json.loads(_text(world, "volunteer", OFFER_PATH))["data"]["myOffers"]
    assert len(answer) == 1
    offers = answer[0]["serviceRequest"]["offers"]
    assert [o["volunteer"]["id"] for o in offers] == [world.ids["volunteerId"]]
    assert answer[0]["serviceRequest"]["address"] in ("", None)


@pytest.mark.parametrize("role", ["other_staff", "other_coordinator", "instructor"])
def test_staff_of_another_community_cannot_reach_a_residents_booking(world, role):
    """The resident's booking (her name unmasked, her note, her address) through the slot."""
    resident = world.users["resident"]
    answer = _text(world, role, SLOT_PATH)
    assert world.ids["slotId"] in answer  # the path is real: the slot is listed
    assert resident.display_name not in answer
    assert resident.phone not in answer


@pytest.mark.parametrize("role, sees", [("anonymous", False), ("resident", False),
                                        ("other_staff", False), ("other_coordinator", False),
                                        ("coordinator", True), ("district_admin", True)])
def test_an_instructors_phone_through_a_run(world, role, sees):
    instructor = world.users["instructor"]
    answer = _text(world, role, RUN_PATH, {"id": world.ids["runId"]})
    assert to_global_id("User", str(instructor.pk)) in answer  # the path is real
    assert (instructor.phone in answer) is sees
