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
