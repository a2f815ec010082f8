from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories.volunteers import ALL_WEEK, VolunteerFactory, give_skill, set_availability
from volunteers.demo import reference_data_load
from volunteers.models import Skill


def next_local(weekday: int, hour: int, minute: int = 0, *, weeks_ahead: int = 1) -> datetime:
    """The local (Asia/Shanghai) datetime of ISO `weekday` at hour:minute, at least a week
    from now, so windows are in the future and on a known weekday."""
    today = timezone.localdate() + timedelta(days=7 * weeks_ahead)
    day = today + timedelta(days=(weekday - today.isoweekday()) % 7)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture(autouse=True)
def reference_data(request):
    """Migration 0002 loads skills; a transactional test's flush removes them again."""
    if request.node.get_closest_marker("django_db") is None:
        return

    if not Skill.objects.exists():
        reference_data_load()


@pytest.fixture
def job_start():
    return next_local(2, 14)  # a Tuesday, 14:00 local


@pytest.fixture
def make_volunteer(community):
    """An eligible haircut volunteer in `community` unless told otherwise."""

    def make(*, community_=None, skill="haircut", level=1, availability=ALL_WEEK, **kwargs):
        volunteer = VolunteerFactory(community=community_ or community, **kwargs)
        if skill:
            give_skill(volunteer, skill, level)
        set_availability(volunteer, availability)
        return volunteer

    return make


@pytest.fixture
def haircut_volunteer(make_volunteer, volunteer_user):
    return make_volunteer(user=volunteer_user)
