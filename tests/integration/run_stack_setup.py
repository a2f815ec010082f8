"""Data for the run-stack test, made inside the stack's own database by
`manage.py shell -c "from tests.integration.run_stack_setup import main; main()"`.

Prints one JSON line: the run to enrol in, the learners' usernames, the community id and a
dispatch window that two fresh haircut volunteers (and nobody from the demo seed) can take.
"""

import json
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from backend.accounts.models import Community, User
from backend.core.links import node_id
from tests.factories.courses import CourseRunFactory, VenueFactory
from tests.factories.volunteers import VolunteerFactory, give_skill, set_availability

LEARNERS = 40
CAPACITY = 10
PASSWORD = "run-stack-pass"


def _next_tuesday_afternoon() -> datetime:
    # The demo volunteer is free Monday, Wednesday and Friday afternoons: a Tuesday job
    # two weeks ahead goes only to the volunteers made here.
    day = timezone.localdate() + timedelta(days=14)
    day += timedelta(days=(2 - day.isoweekday()) % 7)
    return timezone.make_aware(datetime(day.year, day.month, day.day, 14, 0))


def main() -> None:
    community = Community.objects.get(street__name="八大关街道", name="金口路社区")
    run = CourseRunFactory(venue=VenueFactory(community=community), capacity=CAPACITY)
    hashed = make_password(PASSWORD)  # one hash for all: PBKDF2 forty times is slow
    users = User.objects.bulk_create(
        User(username=f"runstack{i:02d}", display_name=f"报名者{i}", community=community,
             password=hashed) for i in range(LEARNERS))
    for level in (3, 1):
        volunteer = VolunteerFactory(community=community)
        give_skill(volunteer, "haircut", level)
        set_availability(volunteer, [(2, "08:00", "20:00")])
    print(json.dumps({
        "run_id": node_id("CourseRun", run.pk), "run_pk": run.pk, "capacity": CAPACITY,
        "usernames": [u.username for u in users], "password": PASSWORD,
        "community_id": node_id("Community", community.pk),
        "job_start": _next_tuesday_afternoon().isoformat(),
    }))
