from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from backend.notifications.models import Notification, NotificationKind
from tests.factories.volunteers import VolunteerFactory, give_credential
from volunteers import tasks
from volunteers.models import VolunteerStatus

pytestmark = pytest.mark.django_db

EXPIRY = date(2027, 3, 31)


def _at(day: date):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(9, 0))),
                               tick=False)


def _run_on(day: date) -> int:
    with _at(day):
        return tasks.credential_expiry_alerts.delay().get()


def test_a_credential_is_announced_once_at_30_and_once_at_7_days(community):
    # given a volunteer's health certificate expiring on EXPIRY
    volunteer = VolunteerFactory(community=community)
    credential = give_credential(volunteer, "health_certificate", valid_until=EXPIRY)
    # when the daily task runs every day in the last 40 days (and twice on some days)
    created = {}
    for days_left in range(40, -1, -1):
        day = EXPIRY - timedelta(days=days_left)
        created[days_left] = _run_on(day)
        if days_left in (30, 7):
            assert _run_on(day) == 0  # a second run the same day adds nothing
    # then exactly two alerts went out: 30 and 7 days before
    assert {k: v for k, v in created.items() if v} == {30: 1, 7: 1}
    rows = list(Notification.objects.order_by("id"))
    assert [r.dedup_key for r in rows] == [f"credential:{credential.pk}:30d",
                                           f"credential:{credential.pk}:7d"]
    assert all(r.user_id == volunteer.user_id for r in rows)
    assert all(r.kind == NotificationKind.CREDENTIAL_EXPIRING for r in rows)
    assert "还有30天" in rows[0].body and "还有7天" in rows[1].body
    assert "2027年3月31日" in rows[0].body


def test_a_missed_day_is_caught_up_the_next_day(community):
    volunteer = VolunteerFactory(community=community)
    give_credential(volunteer, "health_certificate", valid_until=EXPIRY)
    # the beat was down on day -30 and day -7
    assert _run_on(EXPIRY - timedelta(days=29)) == 1
    assert _run_on(EXPIRY - timedelta(days=6)) == 1
    assert Notification.objects.count() == 2


def test_revoked_credentials_and_archived_volunteers_are_not_alerted(community):
    archived = VolunteerFactory(community=community, status=VolunteerStatus.ARCHIVED)
    give_credential(archived, "health_certificate", valid_until=EXPIRY)
    revoked = give_credential(VolunteerFactory(community=community), "health_certificate",
                              valid_until=EXPIRY)
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])

    assert _run_on(EXPIRY - timedelta(days=30)) == 0
    assert not Notification.objects.exists()
