"""A coordinator's flow at the desk (1280×800): she finds free barbers for Tuesday
afternoon near 金口路, dispatches one from the search, sees the offer accepted on the
board without reloading, and marks the job done."""

import pytest
from django.utils import timezone

from backend.notifications.models import Notification, NotificationKind
from tests.browser.test_admin_availability_search import demo_like  # noqa: F401 - a fixture
from volunteers import services
from volunteers.models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy,
              pytest.mark.browser]

BOARD = "/admin/volunteers/servicerequest/board/"


def test_coordinator_finds_a_barber_dispatches_and_marks_the_job_done(
        live_server, desktop, login, screenshot, coordinator, community,
        demo_like):  # noqa: F811 - the fixture
    login(desktop, coordinator)
    page = desktop.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # who can cut hair on Tuesday afternoon near 金口路?
    page.goto(f"{live_server.url}/admin/volunteers/volunteer/available/")
    page.select_option("select[name=skill]", "haircut")
    page.select_option("select[name=weekday]", "2")
    page.fill("input[name=start]", "14:00")
    page.fill("input[name=end]", "17:00")
    page.select_option("select[name=duration]", "60")
    page.select_option("select[name=community]", label="金口路社区")
    page.get_by_role("button", name="查询可服务志愿者").click()
    rows = page.locator("#search-results tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert "王师傅" in rows.first.inner_text()
    screenshot(page, "1-search")

    # 派单 opens the board with the job filled in; she sends it to 王师傅
    rows.first.get_by_role("link", name="派单").click()
    page.wait_for_url(f"**{BOARD}**")
    page.fill("input[name=address]", "金口路12号")
    pick = page.get_by_role("button", name="派给王师傅")
    pick.wait_for(timeout=10_000)
    screenshot(page, "2-board-prefilled")
    pick.click()
    page.wait_for_url(f"**{BOARD}**")
    request = ServiceRequest.objects.get()
    assert request.skill.code == "haircut" and request.community_id == community.pk
    assert timezone.localtime(request.starts_at).strftime("%H:%M") == "14:00"
    offer = Offer.objects.get(request=request, status=OfferStatus.OFFERED)
    assert offer.volunteer == demo_like["王师傅"]
    page.locator(f'.board-column[data-status="OFFERED"] #job-{request.pk}').wait_for(
        timeout=10_000)

    # he accepts on his phone; the board shows it without a reload
    page.evaluate("window.notReloaded = true")
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
    accepted = page.locator(f'.board-column[data-status="ACCEPTED"] #job-{request.pk}')
    accepted.wait_for(timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "3-accepted")

    # after the visit she marks it done; he is asked to log his hours
    accepted.get_by_role("button", name="标记完成").click()
    page.locator(f'.board-column[data-status="COMPLETED"] #job-{request.pk}').wait_for(
        timeout=10_000)
    screenshot(page, "4-done")
    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.COMPLETED
    assert Notification.objects.filter(user=offer.volunteer.user,
                                       kind=NotificationKind.JOB_COMPLETED).count() == 1
    assert desktop.aborted == [] and errors == []
