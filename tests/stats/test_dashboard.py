"""The admin dashboard: same numbers as `stats`, charts with tables, units limited by role."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.links import node_id
from tests.factories.accounts import user_with_role
from tests.factories.volunteers import VolunteerFactory, give_credential
from tests.helpers.queries import assert_query_count

from .dataset import PERIOD, build

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


def _period(unit_value: str) -> dict:
    return {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat(),
            "unit": unit_value}


def test_renders_for_a_coordinator_with_a_chart_canvas_and_its_table(client, street, community):
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street)
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("hours-month", "hours-skill", "dispatch", "funnel", "tutoring"):
        assert f'<canvas id="chart-{chart}"' in html
        assert f'<table id="table-{chart}">' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    # Her street and its community are offered; the whole district is not.
    assert f'value="street:{street.pk}"' in html
    assert f'value="community:{community.pk}"' in html
    assert 'value="district"' not in html


def test_the_vendored_chart_library_and_its_licence_are_static_files():
    assert finders.find("vendor/chartjs/chart.umd.min.js")
    assert "MIT License" in Path(finders.find("vendor/chartjs/LICENSE.md")).read_text()


def test_numbers_are_the_stats_numbers(client, gql):
    district = build()
    admin = user_with_role(Role.DISTRICT_ADMIN)
    street = district.streets[0]
    client.force_login(admin)
    response = client.get(URL, _period(f"street:{street.pk}"))
    stats = response.context["stats"]
    result = gql("""query($s: ID) { stats(from: "2026-01-01", to: "2026-06-30", streetId: $s)
                   { enrollments dispatches tutoringBookings funnel { completed } } }""",
                 {"s": node_id("Street", street.pk)}, user=admin)
    data = result.data["stats"]
    assert (stats.enrollments, stats.dispatches, stats.tutoring_bookings,
            stats.funnel["completed"]) == (data["enrollments"], data["dispatches"],
                                           data["tutoringBookings"],
                                           data["funnel"]["completed"])
    funnel_rows = dict(next(c for c in response.context["charts"] if c["id"] == "funnel")["rows"])
    assert funnel_rows["结业"] == data["funnel"]["completed"]


def test_a_unit_outside_hers_is_refused_as_a_form_error(client, street, other_street):
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street)
    client.force_login(coordinator)
    response = client.get(URL, _period(f"street:{other_street.pk}"))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert response.context["stats"].unit == street  # falls back to her own first unit


def test_residents_are_kept_out(client, resident):
    client.force_login(resident)
    assert client.get(URL).status_code == 302  # to the admin login: not staff


def test_credential_links_open_the_volunteers_filtered(client, street, community):
    coordinator = user_with_role(Role.STREET_COORDINATOR, street=street)
    soon = VolunteerFactory(community=community)
    give_credential(soon, "health_certificate",
                    valid_until=timezone.localdate() + timedelta(days=45))
    client.force_login(coordinator)
    response = client.get(URL, _period(f"community:{community.pk}"))
    rows = {days: (count, link) for days, count, link in response.context["credentials"]}
    assert (rows[30][0], rows[60][0], rows[90][0]) == (0, 1, 1)
    changelist = client.get(rows[60][1])
    assert changelist.status_code == 200
    assert [v.pk for v in changelist.context["cl"].result_list] == [soon.pk]
    assert list(client.get(rows[30][1]).context["cl"].result_list) == []


@pytest.mark.parametrize("size", [0, 1])
def test_query_count_is_constant_in_the_rows(client, size):
    admin = user_with_role(Role.DISTRICT_ADMIN)
    if size:
        build()
    client.force_login(admin)
    client.get(URL)
    with assert_query_count("stats.dashboard"):
        client.get(URL, _period("district"))
