"""At most 3 open help requests per person, even when she (and her daughter, and the desk)
submit at the same instant: help_request_create counts under a lock of her user row
(PostgreSQL) / inside the IMMEDIATE transaction (SQLite). Control: the same harness against
a naive count-then-insert shows the cap being overrun."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.helpers.concurrency import run_concurrently
from tests.helpers.graphql import gql
from volunteers import services
from volunteers.models import ServiceRequest

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

N = 8
CREATE = """mutation($d: String!, $date: Date!) {
  helpRequestCreate(description: $d, preferredDate: $date, partOfDay: MORNING) {
    serviceRequest { id } errors { code } } }"""


def _fire(user):
    day = str(timezone.localdate() + timedelta(days=2))
    return run_concurrently(lambda i: gql(CREATE, {"d": f"求助{i}", "date": day}, user=user), N)


def test_simultaneous_asks_respect_the_open_request_cap(consenting):
    results = _fire(consenting)
    assert all(not isinstance(r, Exception) for r in results), results
    codes = sorted(tuple(e["code"] for e in r.data["helpRequestCreate"]["errors"])
                   for r in results)
    assert codes == [()] * 3 + [("TOO_MANY_OPEN_REQUESTS",)] * (N - 3)
    assert ServiceRequest.objects.filter(requester=consenting).count() == 3


def _naive_create(*, actor, description, preferred_date, part_of_day, **_ignored):
    """Count, wait, insert — no lock around the count."""
    open_ = ServiceRequest.objects.filter(requester=actor, status="REQUESTED").count()
    time.sleep(0.3)  # widen the race window so the control fails reliably
    if open_ >= 3:
        raise AssertionError("refused")
    starts = timezone.now() + timedelta(days=2)
    return ServiceRequest.objects.create(
        requester=actor, description=description, preferred_date=preferred_date,
        part_of_day=part_of_day, starts_at=starts, ends_at=starts + timedelta(hours=1),
        community_id=actor.community_id, status="REQUESTED")


def test_control_the_naive_version_overruns_the_cap(consenting, monkeypatch):
    monkeypatch.setattr(services, "help_request_create", _naive_create)
    results = _fire(consenting)
    assert all(not isinstance(r, Exception) for r in results), results
    assert ServiceRequest.objects.filter(requester=consenting).count() > 3, \
        "the harness failed to catch the naive version"
