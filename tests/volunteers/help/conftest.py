from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from volunteers import services


@pytest.fixture
def consenting(resident):
    resident.consent_version = settings.PRIVACY_NOTICE_VERSION
    resident.consented_at = timezone.now()
    resident.address = "张州二路123号2单元301"
    resident.save()
    return resident


@pytest.fixture
def ask(consenting):
    """A help request from `consenting` (or another person) with sensible defaults."""

    def make(actor=None, **kwargs):
        actor = actor or consenting
        kwargs.setdefault("description", "想理发，行动不便")
        kwargs.setdefault("preferred_date", timezone.localdate() + timedelta(days=3))
        kwargs.setdefault("part_of_day", "AFTERNOON")
        return services.help_request_create(actor=actor, **kwargs)

    return make


@pytest.fixture
def triaged(ask, community_staff, job_start, haircut_volunteer):
    """A help request dispatched to the haircut volunteer (OFFERED)."""
    request = ask()
    return services.help_request_triage(actor=community_staff, service_request=request,
                                        skill_code="haircut", starts_at=job_start,
                                        duration_minutes=60)


@pytest.fixture
def accepted(triaged):
    offer = triaged.offers.get(status="OFFERED")
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
    triaged.refresh_from_db()
    return triaged
