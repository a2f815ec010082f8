"""可服务志愿者查询: who could start a job anywhere in a window, on a 15-minute grid, ranked
by the matching volunteerMatches uses, with who was left out and why."""

from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import commitment
from tests.helpers.queries import assert_query_count
from volunteers import availability_selectors, matching
from volunteers.admin_search import next_weekday
from volunteers.models import Skill

pytestmark = pytest.mark.django_db

URL = "/admin/volunteers/volunteer/available/"
TUESDAY_PM = [(2, "14:00", "17:00")]


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _query(community, **changes):
    return {"skill": "haircut", "weekday": "2", "start": "14:00", "end": "17:00",
            "duration": "60", "community": str(community.pk), **changes}


@pytest.fixture
def tuesday():
    return next_weekday(2)


@pytest.fixture
def roster(make_volunteer, community, other_community, tuesday):
    free = make_volunteer(availability=TUESDAY_PM)
    later = make_volunteer(availability=[(2, "15:30", "17:00")], level=2)
    busy = make_volunteer(availability=TUESDAY_PM)
    start = timezone.make_aware(timezone.datetime.combine(tuesday, time(14, 0)))
    commitment(busy, start, start + timedelta(hours=2))  # with the travel buffer: all window
    make_volunteer(availability=[(3, "14:00", "17:00")])  # Wednesdays only
    make_volunteer(community_=other_community, availability=TUESDAY_PM)  # not hers to see
    return {"free": free, "later": later, "busy": busy}


def test_window_starts_are_quarter_hours_that_fit():
    starts = availability_selectors.window_starts(date(2026, 12, 1), time(14, 0), time(15, 0), 30)
    assert [timezone.localtime(s).strftime("%H:%M") for s in starts] == [
        "14:00", "14:15", "14:30"]


def test_search_lists_earliest_starts_ranked_with_reasons(coordinator, community, roster):
    page = _client(coordinator).get(URL, _query(community))
    assert page.status_code == 200
    rows = page.context["rows"]
    by_id = {row["volunteer"].pk: row for row in rows}
    assert set(by_id) == {roster["free"].pk, roster["later"].pk}
    assert by_id[roster["free"].pk]["starts_at"] == "14:00"
    assert by_id[roster["later"].pk]["starts_at"] == "15:30"
    # The same ranking as volunteerMatches at that start: level 2 ranks first.
    assert [row["volunteer"].pk for row in rows] == [roster["later"].pk, roster["free"].pk]
    later_start = timezone.make_aware(timezone.datetime.combine(
        next_weekday(2), time(15, 30)))
    direct = matching.match_volunteers(
        skill=Skill.objects.get(code="haircut"), starts_at=later_start,
        ends_at=later_start + timedelta(hours=1), community=community)
    score = {c.volunteer.pk: c.score for c in direct.candidates}[roster["later"].pk]
    assert by_id[roster["later"].pk]["score"] == score
    assert "同社区 +30" in by_id[roster["free"].pk]["reasons"]
    assert dict(page.context["excluded"]) == {"不在可服务时间": 1, "已有其他安排": 1}
    body = page.content.decode()
    assert "派单" in body
    # 派单 opens the dispatch board with the create form filled in for that volunteer
    link = by_id[roster["later"].pk]["dispatch_url"]
    assert link.startswith("/admin/volunteers/servicerequest/board/?")
    board = _client(coordinator).get(link)
    assert board.status_code == 200
    form = board.content.decode()
    assert f'name="volunteer_id" id="board-volunteer-id" value="{roster["later"].pk}"' in form
    assert 'value="haircut" selected' in form


def test_date_defaults_to_the_next_such_weekday(coordinator, community, roster):
    page = _client(coordinator).get(URL, _query(community))
    assert page.context["form"].cleaned_data["day"] == next_weekday(2)
    assert page.context["form"].cleaned_data["day"].isoweekday() == 2


def test_a_window_shorter_than_the_job_is_an_error_beside_the_field(coordinator, community):
    page = _client(coordinator).get(URL, _query(community, end="14:30"))
    assert page.context["form"].errors["end"]
    assert "rows" not in page.context


@pytest.mark.parametrize("who", ["community_staff", "volunteer", "anonymous"])
def test_only_coordinators_reach_the_search(who, role_users, community):
    response = _client(role_users[who]).get(URL, _query(community))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_another_streets_coordinator_cannot_search_here(other_coordinator, community, roster):
    page = _client(other_coordinator).get(URL, _query(community))
    assert page.status_code == 200
    assert page.context["form"].errors["community"]
    assert "rows" not in page.context


@pytest.mark.parametrize("volunteers", [5, 50])
def test_search_query_count_is_constant_in_the_roster(coordinator, community, make_volunteer,
                                                     volunteers):
    near = CommunityFactory(street=community.street)
    for n in range(volunteers):
        make_volunteer(community_=near if n % 2 else community, availability=TUESDAY_PM)
    client = _client(coordinator)
    client.get(URL)  # the session and the role cache warm
    with assert_query_count("admin.availabilitySearch"):
        page = client.get(URL, _query(community))
    assert len(page.context["rows"]) == volunteers
