"""tutoringSlotCancel: the tutor or a coordinator withdraws a slot before it starts."""

from datetime import timedelta

import pytest
import time_machine
from graphql_relay import to_global_id

from backend.notifications.models import Notification, NotificationKind
from courses.tutoring.models import TutoringBooking, TutoringSlot
from tests.factories.accounts import UserFactory
from tests.factories.courses import book, publish_slot

pytestmark = pytest.mark.django_db

CANCEL = """
mutation C($id: ID!) {
  tutoringSlotCancel(slotId: $id) { slot { id status seatsLeft } errors { code } }
}"""


def _cancel(gql, user, slot):
    return gql(CANCEL, {"id": to_global_id("TutoringSlot", slot.pk)}, user=user)


def _codes(result):
    assert result.errors is None, result.errors
    return [e["code"] for e in result.data["tutoringSlotCancel"]["errors"]]


def test_the_tutor_withdraws_a_slot_its_bookings_go_and_the_time_is_free(
        gql, tutor, slot, resident, community, django_capture_on_commit_callbacks):
    TutoringSlot.objects.filter(pk=slot.pk).update(capacity=2)
    first, second = book(slot, resident), book(slot, UserFactory(community=community))
    with django_capture_on_commit_callbacks(execute=True):
        payload = _cancel(gql, tutor.user, slot).data["tutoringSlotCancel"]
    assert payload["errors"] == [] and payload["slot"]["status"] == "CANCELLED"
    assert set(TutoringBooking.objects.values_list("status", flat=True)) == {"CANCELLED"}
    # each resident is told, by an outbox row written with the cancellation
    notices = Notification.objects.filter(kind=NotificationKind.TUTORING_CANCELLED)
    assert sorted(notices.values_list("dedup_key", flat=True)) == sorted(
        [f"tutoring-cancelled:{first.pk}", f"tutoring-cancelled:{second.pk}"])
    slot.refresh_from_db()
    assert slot.commitment.status == "CANCELLED"
    # the same time can be published again
    assert publish_slot(tutor, slot.starts_at).pk != slot.pk
    assert _codes(_cancel(gql, tutor.user, slot)) == ["ALREADY_CANCELLED"]


def test_a_started_slot_cannot_be_withdrawn(gql, tutor, slot):
    with time_machine.travel(slot.starts_at + timedelta(minutes=1), tick=False):
        assert _codes(_cancel(gql, tutor.user, slot)) == ["INVALID_WINDOW"]


ROLES = ["anonymous", "resident", "volunteer", "community_staff", "other_coordinator",
         "coordinator", "district_admin"]
ALLOWED = {"volunteer", "coordinator", "district_admin"}  # volunteer = the slot's tutor


@pytest.mark.parametrize("role", ROLES)
def test_slot_cancel_access_matrix(gql, role_users, slot, resident, role):
    booking = book(slot, resident)
    result = _cancel(gql, role_users[role], slot)
    slot.refresh_from_db()
    booking.refresh_from_db()
    if role in ALLOWED:
        assert _codes(result) == [] and slot.status == "CANCELLED"
        return
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert result.error_codes == [expected]
    assert slot.status == "OPEN" and booking.status == "BOOKED"
    assert slot.commitment.status == "CONFIRMED"
