import pytest
from django.core.management import call_command

from volunteers.models import Credential, Volunteer
from volunteers.selectors import volunteer_holds_skill

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def test_seed_builds_a_district_roster_and_the_demo_volunteer():
    call_command("seed_demo")
    assert Volunteer.objects.count() == 301
    assert Volunteer.objects.values("community").distinct().count() > 55
    statuses = {c.status for c in Credential.objects.all()}
    assert {"VALID", "EXPIRING", "EXPIRED"} <= statuses
    demo = Volunteer.objects.get(user__username="volunteer")
    assert demo.community.name == "金口路社区"
    assert volunteer_holds_skill(demo, "haircut")
    assert volunteer_holds_skill(demo, "wechat_tutoring")
    assert demo.availability_rules.count() == 5
    assert demo.hour_mask[14] == "1"
    call_command("seed_demo")
    assert Volunteer.objects.count() == 301
