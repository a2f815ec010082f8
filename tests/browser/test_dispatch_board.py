"""The coordinator's dispatch board in a desktop browser: she creates a haircut job near
金口路 from the board, sees the ranked candidates before sending it, dispatches it to one
of them; the volunteer accepts (the service, as the phone page would); the board shows the
job accepted by itself, without a reload; she marks it done."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from backend.notifications.models import Notification, NotificationKind
from tests.factories.accounts import UserFactory
from tests.factories.volunteers import ALL_WEEK, VolunteerFactory, give_skill, set_availability
from volunteers import services
from volunteers.models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy,
              pytest.mark.browser]
BOARD = "/admin/volunteers/servicerequest/board/"


def _volunteer(community, name, level):
    volunteer = VolunteerFactory(community=community,
                                 user=UserFactory(community=community, display_name=name))
    give_skill(volunteer, "haircut", level)
    set_availability(volunteer, ALL_WEEK)
    return volunteer


def test_coordinator_dispatches_from_the_board_and_marks_it_done(
        live_server, desktop, login, screenshot, coordinator, community):
    _volunteer(community, "王师傅", 3)
    second = _volunteer(community, "李阿姨", 1)
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0)
    login(desktop, coordinator)
    page = desktop.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + BOARD)

    page.select_option("#board-skill", "haircut")
    page.fill("#board-starts-at", start.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#board-community", str(community.pk))
    page.fill("input[name=address]", "金口路12号")
    page.fill("input[name=note]", "老人行动不便，上门理发")
    candidates = page.locator("#board-candidates .board-candidate")
    candidates.nth(1).wait_for(timeout=10_000)
    assert candidates.count() == 2
    assert "王师傅" in candidates.nth(0).inner_text()  # level 3 ranks first
    assert "同社区" in candidates.nth(0).inner_text()
    screenshot(page, "1-preview")

    # She picks the second candidate by hand.
    candidates.nth(1).locator(".board-pick").click()
    page.wait_for_url(f"**{BOARD}**")
    offered = page.locator('.board-column[data-status="OFFERED"] .board-card')
    offered.first.wait_for(timeout=10_000)
    assert "李阿姨" in offered.first.inner_text()
    request = ServiceRequest.objects.get()
    assert request.requested_volunteer_id == second.pk
    screenshot(page, "2-offered")

    page.evaluate("window.notReloaded = true")
    offer = Offer.objects.get(request=request, status=OfferStatus.OFFERED)
    services.offer_respond(actor=second.user, offer=offer, accept=True)
    accepted = page.locator(f'.board-column[data-status="ACCEPTED"] #job-{request.pk}')
    accepted.wait_for(timeout=15_000)  # the 10-second poll, no reload
    assert page.evaluate("window.notReloaded") is True
    assert "已接单" in accepted.inner_text()
    screenshot(page, "3-accepted")

    accepted.get_by_role("button", name="标记完成").click()
    done = page.locator(f'.board-column[data-status="COMPLETED"] #job-{request.pk}')
    done.wait_for(timeout=10_000)
    assert "已标记完成" in page.locator(".messagelist").inner_text()
    screenshot(page, "4-done")

    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.COMPLETED
    assert Notification.objects.filter(user=second.user,
                                       kind=NotificationKind.JOB_COMPLETED).count() == 1
    assert desktop.aborted == [] and errors == []
