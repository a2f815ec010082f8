"""A coordinator finds free barbers for Tuesday afternoon near 金口路 in the admin's
可服务志愿者查询, and sees them ranked with the reasons; then opens one volunteer's week."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import (
    VolunteerFactory,
    commitment,
    give_skill,
    set_availability,
)
from volunteers.admin_search import next_weekday
from volunteers.demo import reference_data_load
from volunteers.models import Skill, TimeOff

pytestmark = pytest.mark.django_db(transaction=True)


def _barber(name, community, rules, level=1):
    volunteer = VolunteerFactory(community=community, user__display_name=name)
    give_skill(volunteer, "haircut", level)
    set_availability(volunteer, rules)
    return volunteer


@pytest.fixture
def demo_like(street, community):
    """金口路 and a neighbour in 八大关街道, with barbers as the demo has them."""
    if not Skill.objects.exists():
        reference_data_load()
    neighbour = CommunityFactory(street=street, name="八大关社区")
    tuesday = next_weekday(2)
    at = lambda h, m=0: timezone.make_aware(datetime.combine(tuesday, time(h, m)))  # noqa: E731
    barbers = {
        "王师傅": _barber("王师傅", community, [(2, "14:00", "18:00")], level=2),
        "李阿姨": _barber("李阿姨", community, [(2, "15:00", "17:30")]),
        "赵师傅": _barber("赵师傅", neighbour, [(2, "13:30", "17:00")], level=3),
        "孙大姐": _barber("孙大姐", community, [(2, "14:00", "18:00")]),
        "周师傅": _barber("周师傅", community, [(3, "09:00", "12:00")]),
        "吴师傅": _barber("吴师傅", community, [(2, "14:00", "18:00")]),
    }
    commitment(barbers["孙大姐"], at(14), at(17))  # busy the whole afternoon
    TimeOff.objects.create(volunteer=barbers["吴师傅"], starts_at=at(0),
                           ends_at=at(0) + timedelta(days=1), reason="探亲")
    commitment(barbers["王师傅"], at(9), at(10), kind="OTHER")
    return barbers


def test_coordinator_finds_free_barbers_for_tuesday_afternoon(
        live_server, desktop, login, screenshot, coordinator, community, demo_like):
    login(desktop, coordinator)
    page = desktop.new_page()
    page.goto(f"{live_server.url}/admin/volunteers/volunteer/")
    page.get_by_role("link", name="可服务志愿者查询").click()
    page.locator("#availability-search").wait_for()
    page.select_option("select[name=skill]", "haircut")
    page.select_option("select[name=weekday]", "2")
    page.fill("input[name=start]", "14:00")
    page.fill("input[name=end]", "17:00")
    page.select_option("select[name=duration]", "60")
    page.select_option("select[name=community]", label="金口路社区")
    screenshot(page, "form")
    page.get_by_role("button", name="查询可服务志愿者").click()
    table = page.locator("#search-results")
    table.wait_for(timeout=20_000)
    screenshot(page, "results")

    rows = table.locator("tbody tr")
    names = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert names == ["王师傅", "赵师傅", "李阿姨"]
    first = rows.nth(0).inner_text()
    assert "同社区 +30" in first and "技能等级2级 +20" in first and "14:00" in first
    assert "同街道 +15" in rows.nth(1).inner_text()
    assert "15:00" in rows.nth(2).inner_text()  # her earliest start in the window
    body = page.locator("#content-main").inner_text()
    assert "不在可服务时间：1 人" in body and "请假：1 人" in body and "已有其他安排：1 人" in body
    assert rows.nth(0).get_by_role("link", name="派单").count() == 1

    # Her week, by the quarter hour: free Tuesday afternoon, busy Tuesday 9-10.
    rows.nth(0).get_by_role("link", name="王师傅").click()
    grid = page.locator("#week-grid")
    grid.wait_for()
    page.goto(page.url + f"?week={next_weekday(2).isoformat()}")
    grid.scroll_into_view_if_needed()
    screenshot(page, "week")
    assert page.locator("#week-grid td .q-free").count() == 16  # 14:00-18:00
    assert page.locator("#week-grid td .q-busy").count() == 4
    assert desktop.aborted == []
