from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from backend.notifications import services, tasks
from backend.notifications.models import NotificationStatus
from tests.factories.notifications import NotificationFactory

from .conftest import ok, sends

pytestmark = pytest.mark.django_db


def test_the_sweep_sends_rows_stranded_in_pending(bound_user, resident, wechat):
    # given a row whose delivery task never ran, and rows that are not overdue
    ok(wechat)
    now = timezone.now()
    stranded = NotificationFactory(user=bound_user, next_attempt_at=now - timedelta(minutes=5))
    fresh = NotificationFactory(user=bound_user, next_attempt_at=now - timedelta(seconds=20))
    backing_off = NotificationFactory(user=resident, next_attempt_at=now + timedelta(minutes=9))
    sent = NotificationFactory(user=bound_user, status=NotificationStatus.SENT, sent_at=now,
                               next_attempt_at=now - timedelta(hours=1))
    # when the periodic task runs
    assert tasks.sweep.delay().get() == 1
    # then only the stranded row was delivered
    for row in (stranded, fresh, backing_off, sent):
        row.refresh_from_db()
    assert stranded.status == NotificationStatus.SENT
    assert fresh.status == backing_off.status == NotificationStatus.PENDING
    assert len(sends(wechat)) == 1


def test_the_sweep_enqueues_the_delivery_task(resident):
    row = NotificationFactory(user=resident,
                              next_attempt_at=timezone.now() - timedelta(minutes=2))
    with mock.patch.object(tasks.deliver, "delay") as delay:
        assert services.notifications_sweep() == 1
    delay.assert_called_once_with(row.pk)


def test_a_row_left_sending_by_a_dead_worker_is_sent_again(resident):
    # given a worker claimed a row and died (past any task time limit)
    stuck = NotificationFactory(user=resident, status=NotificationStatus.SENDING, attempts=1,
                                claimed_at=timezone.now() - timedelta(minutes=11))
    busy = NotificationFactory(user=resident, status=NotificationStatus.SENDING, attempts=1,
                               claimed_at=timezone.now() - timedelta(seconds=30))
    # when the sweep runs
    with mock.patch.object(tasks.deliver, "delay") as delay:
        assert services.notifications_sweep() == 1
    # then the stuck one is queued again (at least once: never lost), the busy one kept
    stuck.refresh_from_db()
    busy.refresh_from_db()
    delay.assert_called_once_with(stuck.pk)
    assert stuck.status == NotificationStatus.PENDING and "结果未知" in stuck.last_error
    assert busy.status == NotificationStatus.SENDING


def test_a_row_stuck_sending_after_its_last_attempt_fails_visibly(resident):
    stuck = NotificationFactory(user=resident, status=NotificationStatus.SENDING,
                                attempts=services.SWEEP_MAX_ATTEMPTS,
                                claimed_at=timezone.now() - timedelta(minutes=11))
    with mock.patch.object(tasks.deliver, "delay") as delay:
        assert services.notifications_sweep() == 0
    stuck.refresh_from_db()
    assert stuck.status == NotificationStatus.FAILED and "结果未知" in stuck.last_error
    delay.assert_not_called()


def test_the_sweep_stops_quietly_while_the_broker_is_down(resident):
    NotificationFactory.create_batch(
        3, user=resident, next_attempt_at=timezone.now() - timedelta(minutes=2))

    with mock.patch.object(tasks.deliver, "delay", side_effect=OperationalError("down")) as d:
        services.notifications_sweep()
    assert d.call_count == 1  # gave up for this round; the next sweep tries again
