"""With the broker really down, an enrolment still commits and answers ENROLLED: the
confirmation's outbox row is committed with it, and its publish (through
`enqueue_on_commit`, robust) fails into the log, not into the answer; the outbox sweep sends
it once the broker is back."""

import logging
import time

import pytest
from graphql_relay import to_global_id

from backend.notifications.models import Notification, NotificationKind, NotificationStatus
from courses.models import Enrollment, EnrollmentStatus
from tests.factories.courses import book
from tests.helpers.broker import broker_down  # noqa: F401 - a fixture
from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db(transaction=True)

ENROLL = """
mutation E($runId: ID!) {
  courseEnroll(runId: $runId, idempotencyKey: "k-1") {
    enrollment { id status }
    errors { field code message }
  }
}"""


def test_an_enrolment_commits_and_answers_enrolled_while_the_broker_is_down(
        broker_down, run, resident, caplog):  # noqa: F811 - the fixture
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        result = gql(ENROLL, {"runId": to_global_id("CourseRun", run.pk)}, user=resident)
    elapsed = time.monotonic() - started

    assert result.errors is None, result.errors
    payload = result.data["courseEnroll"]
    assert payload["errors"] == []
    assert payload["enrollment"]["status"] == "ENROLLED"
    assert elapsed < 10, f"the enrolment took {elapsed:.1f} s with the broker down"
    # committed: read back outside the request's transaction
    assert Enrollment.objects.get(user=resident, run=run).status == EnrollmentStatus.ENROLLED
    notice = Notification.objects.get(user=resident, kind=NotificationKind.ENROLLMENT_CONFIRMED)
    assert notice.status == NotificationStatus.PENDING  # left for the sweep
    # the delivery task was really sent to the broker, and its failure logged, not raised
    assert any("enqueue_on_commit" in r.getMessage() for r in caplog.records), \
        "no send was attempted: is the test running tasks eagerly?"
    # a retry with the same key creates nothing new
    again = gql(ENROLL, {"runId": to_global_id("CourseRun", run.pk)}, user=resident)
    assert again.data["courseEnroll"]["enrollment"]["id"] == payload["enrollment"]["id"]
    assert Enrollment.objects.filter(user=resident).count() == 1


TUTORING_SLOT_CANCEL = """
mutation C($id: ID!) { tutoringSlotCancel(slotId: $id) { slot { status } errors { code } } }"""


def test_a_tutoring_cancellation_notice_is_in_the_outbox_while_the_broker_is_down(
        broker_down, tutor, slot, resident):  # noqa: F811 - the fixture
    """Row 4 of issue #13: the resident's notice of a withdrawn slot was created by a task,
    so a publish lost with the broker lost the notice. It is now written with the
    cancellation: the row is there, PENDING, for the sweep."""
    booking = book(slot, resident)
    result = gql(TUTORING_SLOT_CANCEL, {"id": to_global_id("TutoringSlot", slot.pk)},
                 user=tutor.user)
    assert result.errors is None, result.errors
    assert result.data["tutoringSlotCancel"]["errors"] == []
    notice = Notification.objects.get(user=resident, kind=NotificationKind.TUTORING_CANCELLED)
    assert notice.dedup_key == f"tutoring-cancelled:{booking.pk}"
    assert notice.status == NotificationStatus.PENDING  # its delivery publish failed; swept
