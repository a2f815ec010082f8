"""What the schema fuzz (tests/access/test_fuzz.py) found, one regression test each."""

import pytest

from .runner import post
from .world import build_world

pytestmark = pytest.mark.django_db

PUBLISH = """mutation($v: ID!, $weeks: Int!) {
  tutoringSlotsPublishFromAvailability(volunteerId: $v, weeks: $weeks, durationMinutes: 60,
                                       topic: "微信视频通话") {
    slots { id } counts { created } errors { field code } } }"""


def test_a_refused_publish_from_availability_with_slots_selected_is_a_typed_error():
    """Probe row 9: a business error with `slots` selected nulled the payload (a non-null
    list answered null: INTERNAL_ERROR)."""
    world = build_world()
    call = post(PUBLISH, {"v": world.ids["volunteerId"], "weeks": 99}, world.users["volunteer"])
    assert call.status == 200
    assert "errors" not in call.body, call.body
    payload = call.body["data"]["tutoringSlotsPublishFromAvailability"]
    assert payload == {"slots": [], "counts": None,
                       "errors": [{"field": "weeks", "code": "INVALID"}]}
