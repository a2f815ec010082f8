"""A volunteer on her phone: the job-offer notification's link, login, 接受, and the job
with its address under 我的日程 (the address was hidden until she accepted)."""

from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

import pytest
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.links import node_id
from backend.notifications.models import Notification, NotificationKind
from tests.factories.accounts import PASSWORD, CommunityFactory, StreetFactory, user_with_role
from tests.factories.volunteers import (
    ALL_WEEK,
    VolunteerFactory,
    commitment,
    give_skill,
    set_availability,
)
from volunteers import services
from volunteers.models import CommitmentKind, OfferStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy, pytest.mark.browser]

ADDRESS = "金口一路18号2单元301"


def _job_start() -> datetime:
    day = timezone.localdate() + timedelta(days=3)
    return timezone.make_aware(datetime(day.year, day.month, day.day, 14))


def test_a_volunteer_accepts_the_offer_from_the_notification_link(live_server, phone,
                                                                 screenshot):
    street = StreetFactory(name="八大关街道")
    community = CommunityFactory(street=street, name="金口路社区")
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street, community=community)
    volunteer = VolunteerFactory(community=community, user__display_name="王师傅")
    give_skill(volunteer, "haircut")
    set_availability(volunteer, ALL_WEEK)
    services.dispatch_create(actor=coordinator, skill_code="haircut", starts_at=_job_start(),
                             duration_minutes=60, community=community, address=ADDRESS,
                             note="老人腿脚不便", volunteer=volunteer)
    notice = Notification.objects.get(user=volunteer.user, kind=NotificationKind.JOB_OFFERED)
    link = urlsplit(notice.url)

    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}{link.path}")
    page.wait_for_selector("input[name=username]")
    screenshot(page, "1-login")
    page.fill("input[name=username]", volunteer.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.wait_for_selector("[data-testid=main-action]")
    assert unquote(page.url).endswith(link.path)
    body = page.inner_text("main")
    assert "理发" in body and "八大关街道金口路社区" in body and "下午2点到3点" in body
    assert ADDRESS not in body and "老人腿脚不便" not in body
    accept = page.locator("[data-testid=main-action]")
    assert accept.inner_text().startswith("接受")
    # Measure the styled page: on a loaded machine the stylesheet can arrive after the DOM.
    page.wait_for_load_state("load")
    assert accept.bounding_box()["height"] >= 60
    screenshot(page, "2-offer")

    accept.click()
    page.wait_for_selector("[data-testid=job-address]")
    assert ADDRESS in page.inner_text("main") and "您已接受" in page.inner_text("main")
    screenshot(page, "3-accepted")
    assert volunteer.offers.get().status == OfferStatus.ACCEPTED

    page.get_by_role("link", name="看我的日程").click()
    page.wait_for_selector("[data-testid=commitment-list]")
    place = page.locator("[data-testid=commitment-place]").first.inner_text()
    assert ADDRESS in place and "金口路社区" in place
    screenshot(page, "4-commitments")
    assert phone.aborted == [] and errors == []


def test_decline_hours_and_availability_screens_on_a_phone(live_server, phone, login,
                                                           screenshot):
    street = StreetFactory(name="八大关街道")
    community = CommunityFactory(street=street, name="金口路社区")
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street, community=community)
    volunteer = VolunteerFactory(community=community)
    give_skill(volunteer, "haircut")
    set_availability(volunteer, ALL_WEEK)
    request = services.dispatch_create(
        actor=coordinator, skill_code="haircut", starts_at=_job_start(), duration_minutes=60,
        community=community, address=ADDRESS, volunteer=volunteer)
    set_availability(volunteer, [(1, "13:00", "18:00"), (3, "13:00", "18:00")])
    offer = request.offers.get()
    start = timezone.now() - timedelta(days=1)
    commitment(volunteer, start, start + timedelta(hours=2), kind=CommitmentKind.DISPATCH)
    login(phone, volunteer.user)
    page = phone.new_page()

    page.goto(f"{live_server.url}/volunteer/offers/{node_id('Offer', offer.pk)}/decline/")
    page.get_by_label("离我太远了").check()
    page.locator("[data-testid=main-action]").click()
    page.wait_for_selector("text=您已拒绝这个派单")
    assert ADDRESS not in page.inner_text("main")
    screenshot(page, "1-declined")

    page.goto(f"{live_server.url}/volunteer/hours/")
    page.fill("input[name=hours]", "3")
    page.locator("[data-testid=main-action]").click()
    page.wait_for_selector(".error")
    assert "最多2.5小时" in page.inner_text(".has-error")
    screenshot(page, "2-hours-too-many")
    page.fill("input[name=hours]", "2")
    page.locator("[data-testid=main-action]").click()
    page.wait_for_selector("text=已登记，等协调员审核")
    screenshot(page, "3-hours-logged")

    page.goto(f"{live_server.url}/volunteer/availability/", wait_until="load")
    for box in page.locator("label.choice").all()[:3]:
        assert box.bounding_box()["height"] >= 48
    screenshot(page, "4-availability")
    assert phone.aborted == []
