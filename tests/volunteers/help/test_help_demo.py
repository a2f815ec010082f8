import pytest
from django.core.management import call_command

from volunteers.models import HelpEvent, ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def test_demo_has_help_requests_in_each_state_and_runs_twice():
    call_command("seed_demo")
    rows = ServiceRequest.objects.filter(external_ref__startswith="demo:help:")
    assert {"REQUESTED", "OFFERED", "ACCEPTED", "COMPLETED", "DECLINED", "CANCELLED"} <= set(
        rows.values_list("status", flat=True))
    assert rows.filter(status="COMPLETED", rating__isnull=False).exists()
    mine = rows.filter(requester__username="resident")
    assert mine.first().requester.address
    # She can still ask during a demo: one open request of the three allowed.
    assert mine.filter(status__in=["REQUESTED", "OFFERED", "ACCEPTED", "ESCALATED"]).count() == 1
    assert rows.filter(status="ACCEPTED").get().offers.filter(status="ACCEPTED").exists()
    count, events = rows.count(), HelpEvent.objects.count()
    call_command("seed_demo")
    assert (rows.count(), HelpEvent.objects.count()) == (count, events)
