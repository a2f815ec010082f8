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
from tests.factories.volunteers import VolunteerFactory
from volunteers import services

from .runner import post
from .world import HELP_ADDRESS, build_world

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


# --- Help requests (便民纸条): her address, words, photo, visit code and phone -----------------
HELP_FIELDS = """id isHelpRequest address description note visitCode requesterName
  requesterPhone photos { id url } timeline { kind note }"""
HELP_BY_ID = ("query($id: ID!) { serviceRequest(id: $id) { %s "
              "offers { id serviceRequest { %s } } } }" % (HELP_FIELDS, HELP_FIELDS))
HELP_VIA_OFFERS = "query { myOffers { id status serviceRequest { %s } } }" % HELP_FIELDS
MY_HELP = "query { myHelpRequests { %s } }" % HELP_FIELDS
OFFER_DECLINE = """mutation($id: ID!) { offerRespond(offerId: $id, accept: false, reason: "没空") {
  serviceRequest { %s } errors { code } } }""" % HELP_FIELDS


@pytest.fixture
def help_world(world):
    """The world's REQUESTED help request triaged to the tutor (her offer OFFERED), plus a
    volunteer of the same community who was never dispatched and another resident."""
    request = world.objects["help_request"]
    services.help_request_triage(actor=world.users["community_staff"], service_request=request,
                                 skill_code="haircut", starts_at=world.values["job_start"],
                                 duration_minutes=60, volunteer=world.objects["tutor"])
    request.refresh_from_db()
    world.users["idle_volunteer"] = VolunteerFactory(community=world.objects["community"]).user
    world.users["another_resident"] = user_with_role(Role.RESIDENT,
                                                     community=world.objects["community"])
    world.objects["help_offer"] = request.offers.get()
    world.values["secrets"] = {"address": HELP_ADDRESS, "description": "想理发，行动不便",
                               "phone": world.users["resident"].phone,
                               "photo": to_global_id("HelpPhoto", request.photos.get().pk)}
    return world


def _leaks(world, answer: str) -> list[str]:
    return [name for name, value in world.values["secrets"].items() if value in answer]


def _help_id(world) -> dict:
    return {"id": world.ids["helpRequestId"]}


@pytest.mark.parametrize("role", ["another_resident", "other_staff", "other_coordinator",
                                  "idle_volunteer", "instructor", "anonymous"])
def test_outsiders_cannot_reach_a_help_request_by_id_or_their_own_lists(help_world, role):
    world = help_world
    answer = _text(world, role, HELP_BY_ID, _help_id(world))
    assert (json.loads(answer)["data"] or {}).get("serviceRequest") is None
    if role == "anonymous":
        assert _leaks(world, answer) == []
        return
    mine = json.loads(_text(world, role, MY_HELP))["data"]["myHelpRequests"]
    offers = json.loads(_text(world, role, HELP_VIA_OFFERS))["data"]["myOffers"]
    assert mine == [] and offers == []
    assert _leaks(world, answer) == []


@pytest.mark.parametrize("role", ["resident", "community_staff", "coordinator",
                                  "district_admin"])
def test_control_her_desk_and_the_units_coordinators_see_it(help_world, role):
    world = help_world
    answer = json.loads(_text(world, role, HELP_BY_ID, _help_id(world)))
    request = answer["data"]["serviceRequest"]
    assert request["address"] == HELP_ADDRESS and request["description"] == "想理发，行动不便"
    assert request["visitCode"] == world.objects["help_request"].visit_code
    assert [p["id"] for p in request["photos"]] == [world.values["secrets"]["photo"]]
    assert request["requesterPhone"] is None  # only the accepted volunteer, near the visit


def test_an_offered_volunteer_sees_no_address_code_or_phone_until_she_accepts(help_world):
    world = help_world
    for query, variables in ((HELP_VIA_OFFERS, None), (HELP_BY_ID, _help_id(world))):
        answer = _text(world, "volunteer", query, variables)
        assert _leaks(world, answer) == [], query
        assert '"visitCode": null' in answer and '"visitCode": "' not in answer, query
    # control: once accepted, her offer page carries the address, words, photo and code
    services.offer_respond(actor=world.users["volunteer"], offer=world.objects["help_offer"],
                           accept=True)
    offer = json.loads(_text(world, "volunteer", HELP_VIA_OFFERS))["data"]["myOffers"]
    job = next(o["serviceRequest"] for o in offer
               if o["serviceRequest"]["id"] == world.ids["helpRequestId"])
    assert job["address"] == HELP_ADDRESS and job["description"] == "想理发，行动不便"
    assert job["visitCode"] == world.objects["help_request"].visit_code
    assert [p["id"] for p in job["photos"]] == [world.values["secrets"]["photo"]]
    assert job["requesterPhone"] is None  # 8 days ahead: outside the two-hour window


def test_a_volunteer_who_declines_keeps_nothing_of_the_help_request(help_world):
    world = help_world
    offer_id = to_global_id("Offer", str(world.objects["help_offer"].pk))
    answer = _text(world, "volunteer", OFFER_DECLINE, {"id": offer_id})
    assert json.loads(answer)["data"]["offerRespond"]["errors"] == []
    later = _text(world, "volunteer", HELP_VIA_OFFERS) + _text(
        world, "volunteer", HELP_BY_ID, _help_id(world))
    assert _leaks(world, answer + later) == []
