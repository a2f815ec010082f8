"""With the broker really down, a dispatch still commits and answers OFFERED.

The offer's expiry task is sent after commit through `enqueue_on_commit`, which logs a
failed send instead of raising it: the data is committed already, and `offers_sweep` (beat)
expires the offer when its own task was lost. Celery is pointed at a port nobody listens on,
with eager mode off, so the publish really goes to the network and really fails.
"""

import logging
import time

import pytest
from graphql_relay import to_global_id

from tests.helpers.broker import broker_down  # noqa: F401 - a fixture
from tests.helpers.graphql import gql
from volunteers.models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus

pytestmark = pytest.mark.django_db(transaction=True)

DISPATCH = """
mutation D($startsAt: DateTime!, $communityId: ID!) {
  dispatchCreate(skill: "haircut", startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId) {
    serviceRequest { id status offers { status } }
    errors { field code message }
  }
}"""


def test_a_dispatch_commits_and_answers_offered_while_the_broker_is_down(
        broker_down, coordinator, community, make_volunteer, job_start,  # noqa: F811
        caplog):
    volunteer = make_volunteer()
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        result = gql(DISPATCH, {"startsAt": job_start.isoformat(),
                                "communityId": to_global_id("Community", community.pk)},
                     user=coordinator)
    elapsed = time.monotonic() - started

    assert result.errors is None, result.errors
    payload = result.data["dispatchCreate"]
    assert payload["errors"] == []
    assert payload["serviceRequest"]["status"] == "OFFERED"
    assert elapsed < 10, f"the dispatch took {elapsed:.1f} s with the broker down"
    # committed: read back outside the request's transaction
    request = ServiceRequest.objects.get()
    assert request.status == ServiceRequestStatus.OFFERED
    assert Offer.objects.get(request=request).volunteer == volunteer
    assert Offer.objects.get(request=request).status == OfferStatus.OFFERED
    # the expiry task was really sent to the broker, and its failure was logged, not raised
    failed = [r for r in caplog.records if "enqueue_on_commit" in r.getMessage()]
    assert failed, "no send was attempted: is the test running tasks eagerly?"
