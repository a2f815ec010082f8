"""The statistics dashboard in a desktop browser: Chart.js loads from Linli's own static files
(the context aborts every non-loopback request) and draws each chart on its canvas."""

import pytest

from backend.accounts.models import Role
from tests.factories.accounts import user_with_role
from tests.stats.dataset import PERIOD, build

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy,
              pytest.mark.browser]


def test_charts_are_drawn_from_the_vendored_library(live_server, desktop, login, screenshot):
    district = build()
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=district.streets[0])
    login(desktop, coordinator)
    page = desktop.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/admin/dashboard/?date_from={PERIOD[0]}&date_to={PERIOD[1]}"
              f"&unit=street:{district.streets[0].pk}")
    assert page.evaluate("typeof window.Chart") == "function"
    drawn = page.evaluate("""Array.from(document.querySelectorAll("canvas[id^='chart-']"))
        .map(c => [c.id, !!window.Chart.getChart(c), c.width > 0])""")
    assert len(drawn) == 6 and all(has and wide for _id, has, wide in drawn), drawn
    assert page.locator("#table-funnel tbody tr").count() == 3
    screenshot(page, "dashboard")
    assert errors == []
