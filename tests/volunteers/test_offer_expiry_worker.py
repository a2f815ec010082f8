"""The expiry task scheduled at offer time runs on a real worker through the broker."""

import time

import pytest
from django.db import connection

from backend.celery import app
from volunteers import services
from volunteers.models import OfferStatus

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_unanswered_offer_expires_on_the_worker_and_moves_on(
        celery_worker, coordinator, community, make_volunteer, job_start, settings):
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker
    try:
        _expire_on_the_worker(coordinator, community, make_volunteer, job_start, settings)
    finally:
        app.conf.task_default_queue = previous


def _expire_on_the_worker(coordinator, community, make_volunteer, job_start, settings):
    settings.VOLUNTEER_OFFER_TTL_MINUTES = 0.05  # three seconds
    first = make_volunteer(level=3)
    second = make_volunteer(level=1)
    request = services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=job_start, duration_minutes=60,
                                       community=community)
    offer = request.offers.get()
    assert offer.volunteer == first
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        offer.refresh_from_db()
        if offer.status == OfferStatus.EXPIRED:
            break
        connection.close()
        time.sleep(0.5)
    assert offer.status == OfferStatus.EXPIRED
    assert request.offers.get(status=OfferStatus.OFFERED).volunteer == second
