"""Two workers running the same delivery (broker redelivery, the sweep) send once."""

import time

import pytest
from django.db import connection
from django.utils import timezone

from backend.notifications import channels, services
from backend.notifications.models import Notification, NotificationStatus
from tests.factories.notifications import NotificationFactory
from tests.helpers.concurrency import run_concurrently

from .conftest import ok, sends

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 8


def _naive_deliver(notification_id: int) -> None:
    """Read-check-write without a claim: what the conditional UPDATE prevents."""
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if notification.status != NotificationStatus.PENDING:
        return
    time.sleep(0.2)  # widen the race between the check and the write
    delivery = channels.send(notification)
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), channel=delivery.channel,
        channel_ref=delivery.ref)


def test_concurrent_deliveries_of_one_notification_send_once(bound_user, wechat):
    # given one pending notification for a bound person
    ok(wechat)
    notification = NotificationFactory(user=bound_user)
    # when RUNS workers deliver it at the same instant
    results = run_concurrently(
        lambda i: services.notification_deliver(notification_id=notification.pk), RUNS)
    # then exactly one claimed and sent it
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len([r for r in results if r is not None]) == 1
    assert len(sends(wechat)) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1


def test_control_the_naive_version_sends_more_than_once(bound_user, wechat):
    # The same harness catches a delivery without the claim (autocommit reads, so on
    # SQLite too every worker sees PENDING before any of them writes).
    assert connection.vendor in {"sqlite", "postgresql"}
    ok(wechat)
    notification = NotificationFactory(user=bound_user)

    results = run_concurrently(lambda i: _naive_deliver(notification.pk), RUNS)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(sends(wechat)) > 1
