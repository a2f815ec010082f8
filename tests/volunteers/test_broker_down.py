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

from backend.celery import app
from tests.helpers.graphql import gql
from volunteers.models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "redis://127.0.0.1:1/0"
DOWN = {
    "task_always_eager": False,
    "broker_url": UNREACHABLE,
    "broker_connection_retry": False,
    "broker_connection_max_retries": 0,
    "broker_connection_timeout": 1,
    "broker_transport_options": {"max_retries": 0, "socket_connect_timeout": 1},
    "task_publish_retry": False,
}

DISPATCH = """
mutation D($startsAt: DateTime!, $communityId: ID!) {
  dispatchCreate(skill: "haircut", startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId) {
    serviceRequest { id status offers { status } }
    errors { field code message }
  }
}"""


def _forget_connections(app):
    # Celery caches its connection and producer pools on first use; drop them so the next
    # send connects to the broker_url in force now.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    # Celery reads these environment variables before its own configuration (CI sets the
    # first to the real broker).
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    saved = {key: app.conf[key] for key in DOWN}
    app.conf.update(DOWN)
    _forget_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def test_a_dispatch_commits_and_answers_offered_while_the_broker_is_down(
        broker_down, coordinator, community, make_volunteer, job_start, caplog):
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
