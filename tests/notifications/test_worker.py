"""A notification committed by a service is delivered by a real worker through the broker."""

import time

import pytest
from django.db import connection, transaction

from backend.celery import app
from backend.notifications import services
from backend.notifications.models import NotificationKind, NotificationStatus

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_committed_notification_is_delivered_on_the_worker(celery_worker, resident):
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker
    try:
        with transaction.atomic():
            notification = services.notify(
                user=resident, kind=NotificationKind.ENROLLMENT_CONFIRMED,
                dedup_key="enrollment:1:confirmed", title="报名成功", body="微信入门班")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            # SENDING is the worker's claim while it works: wait for where it ends
            if notification.status not in (NotificationStatus.PENDING,
                                           NotificationStatus.SENDING):
                break
            connection.close()
            time.sleep(0.3)
    finally:
        app.conf.task_default_queue = previous
    # the resident has no WeChat binding: the worker looked, and skipped with the reason
    assert notification.status == NotificationStatus.SKIPPED
    assert notification.last_error == "未绑定微信" and notification.attempts == 1
