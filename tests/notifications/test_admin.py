"""The outbox in the admin: filters, search by person, resend a failed notification."""

import pytest
from django.test import Client

from backend.core.models import AuditLog
from backend.notifications.models import NotificationStatus
from tests.factories.accounts import UserFactory
from tests.factories.notifications import NotificationFactory
from tests.factories.wechat import WeChatBindingFactory

from .conftest import ok, sends

pytestmark = pytest.mark.django_db

URL = "/admin/notifications/notification/"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_coordinators_see_their_units_notifications_only(coordinator, community,
                                                         other_community):
    mine = NotificationFactory(user=UserFactory(community=community, display_name="李四"),
                               dedup_key="mine:1")
    theirs = NotificationFactory(user=UserFactory(community=other_community),
                                 dedup_key="theirs:1")
    html = _client(coordinator).get(URL).content.decode()
    assert f'value="{mine.pk}"' in html
    assert theirs.dedup_key not in html and f'value="{theirs.pk}"' not in html


def test_filters_and_search(district_admin, community):
    failed = NotificationFactory(user=UserFactory(community=community, username="wanger"),
                                 status=NotificationStatus.FAILED, last_error="NOT_SUBSCRIBED")
    pending = NotificationFactory(user=UserFactory(community=community, username="zhaoliu"))
    client = _client(district_admin)
    html = client.get(URL, {"status__exact": "FAILED"}).content.decode()
    assert f'value="{failed.pk}"' in html and f'value="{pending.pk}"' not in html
    html = client.get(URL, {"kind__exact": "JOB_OFFERED", "q": "zhaoliu"}).content.decode()
    assert f'value="{pending.pk}"' in html and f'value="{failed.pk}"' not in html


def test_resend_puts_a_failed_row_back_and_sends_it(coordinator, community, account, wechat,
                                                    django_capture_on_commit_callbacks):
    ok(wechat)
    user = UserFactory(community=community)
    WeChatBindingFactory(account=account, user=user)
    failed = NotificationFactory(user=user, status=NotificationStatus.FAILED, attempts=7,
                                 last_error="QUOTA_EXCEEDED")
    sent = NotificationFactory(user=user, status=NotificationStatus.SKIPPED)

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(coordinator).post(URL, {
            "action": "resend_failed", "_selected_action": [failed.pk, sent.pk]})

    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.status == NotificationStatus.SENT and failed.attempts == 8
    assert sent.status == NotificationStatus.SKIPPED  # only FAILED rows are resent
    assert len(sends(wechat)) == 1
    assert AuditLog.objects.filter(action="notification.resend").count() == 1


def test_another_units_coordinator_cannot_resend(other_coordinator, community):
    failed = NotificationFactory(user=UserFactory(community=community),
                                 status=NotificationStatus.FAILED)
    _client(other_coordinator).post(URL, {"action": "resend_failed",
                                          "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.FAILED


@pytest.mark.parametrize("who", ["resident", "volunteer", "community_staff"])
def test_people_without_a_coordinating_role_cannot_open_the_outbox(role_users, who):
    NotificationFactory()
    assert _client(role_users[who]).get(URL).status_code in (302, 403)
