import pytest
from django.test import Client
from icalendar import Calendar

from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db


def _feed_path(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


def test_calendar_url_is_only_for_the_user_themself(resident, coordinator):
    url = gql("{ me { calendarUrl } }", user=resident).data["me"]["calendarUrl"]
    assert url.endswith(".ics") and "/api/calendar/" in url
    # Stable until regenerated.
    assert gql("{ me { calendarUrl } }", user=resident).data["me"]["calendarUrl"] == url


def test_the_feed_is_valid_icalendar(resident):
    url = gql("{ me { calendarUrl } }", user=resident).data["me"]["calendarUrl"]
    response = Client().get(_feed_path(url))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["version"] == "2.0"


def test_wrong_and_regenerated_tokens_get_404(resident):
    old = gql("{ me { calendarUrl } }", user=resident).data["me"]["calendarUrl"]
    assert Client().get("/api/calendar/not-a-token.ics").status_code == 404
    result = gql("mutation { calendarTokenRegenerate { calendarUrl errors { code } } }",
                 user=resident)
    new = result.data["calendarTokenRegenerate"]["calendarUrl"]
    assert new != old
    assert Client().get(_feed_path(old)).status_code == 404
    assert Client().get(_feed_path(new)).status_code == 200


def test_regenerating_needs_a_login():
    result = gql("mutation { calendarTokenRegenerate { calendarUrl } }")
    assert result.error_codes == ["UNAUTHENTICATED"]
