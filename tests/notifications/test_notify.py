import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from backend.notifications import selectors, services, tasks
from backend.notifications.checks import check_template_ids
from backend.notifications.models import Notification, NotificationKind, NotificationStatus
from tests.factories.notifications import NotificationFactory
from tests.helpers.queries import assert_query_count

from .conftest import ok, sends

pytestmark = pytest.mark.django_db


def _notify(user, key="offer:12", **extra):
    return services.notify(user=user, kind=NotificationKind.JOB_OFFERED, dedup_key=key,
                           title="您有一个新的上门服务派单", body="服务：理发", url="https://x/o/12",
                           data={"keywords": ["理发", "11月26日 14:00–15:00", "金口路社区"]},
                           **extra)


def test_the_same_event_twice_makes_one_row_and_one_send(bound_user, wechat,
                                                         django_capture_on_commit_callbacks):
    # given a bound person and WeChat answering
    ok(wechat)
    # when the same event is notified twice, in one transaction and again in another
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(bound_user)
        again = _notify(bound_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        third = _notify(bound_user)
    # then there is one row, sent once
    assert first.pk == again.pk == third.pk
    assert callbacks == []  # the repeat did not even ask for delivery
    assert Notification.objects.count() == 1
    assert len(sends(wechat)) == 1
    first.refresh_from_db()
    assert first.status == NotificationStatus.SENT and first.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_recorded_or_sent_when_the_callers_transaction_rolls_back(
        bound_user, wechat):
    ok(wechat)
    # when notify runs inside a transaction that then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(bound_user)
        raise RuntimeError("the business change failed")
    # then no row and no message
    assert not Notification.objects.exists()
    assert sends(wechat) == []
    # and a committed notify is sent right after commit
    with transaction.atomic():
        notification = _notify(bound_user, key="offer:13")
        assert sends(wechat) == []  # not before the commit
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and len(sends(wechat)) == 1


def test_a_broker_outage_keeps_the_row_and_the_sweep_sends_it(
        bound_user, wechat, django_capture_on_commit_callbacks):
    ok(wechat)
    # given the broker refuses the delivery task at commit time
    with mock.patch.object(tasks.deliver, "delay", side_effect=OperationalError("down")), \
            django_capture_on_commit_callbacks(execute=True):
        notification = _notify(bound_user)
    # then the caller did not fail and the row waits, unsent
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING and sends(wechat) == []
    # when the sweep runs after the grace minute, with the broker back
    assert services.notifications_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    # then it is sent
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and len(sends(wechat)) == 1


def test_phone_and_id_numbers_are_masked_before_they_leave(resident):
    notification = services.notify(
        user=resident, kind=NotificationKind.HOURS_REVIEWED, dedup_key="hours:1:reviewed",
        title="请联系13812341234", body="电话13812341234，身份证370202199001011234",
        data={"keywords": ["13900001111"]})
    text = json.dumps([notification.title, notification.body, notification.data],
                      ensure_ascii=False)
    assert "13812341234" not in text and "13900001111" not in text
    assert "370202199001011234" not in text
    assert "138****1234" in notification.body and "139****1111" in text


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "NOPE"}, "kind"), ({"dedup_key": ""}, "dedup_key"), ({"title": " "}, "title"),
])
def test_invalid_input_is_refused(resident, kwargs, field):
    args = {"user": resident, "kind": NotificationKind.JOB_OFFERED, "dedup_key": "k",
            "title": "t", "body": "b", **kwargs}
    with pytest.raises(ValidationError) as info:
        services.notify(**args)
    assert field in info.value.message_dict
    assert not Notification.objects.exists()


def test_nobody_to_tell_is_not_an_error():
    assert services.notify(user=None, kind=NotificationKind.JOB_OFFERED, dedup_key="k",
                           title="t", body="b") is None


def test_existing_dedup_keys(resident):
    NotificationFactory(user=resident, dedup_key="credential:1:30d")
    assert selectors.existing_dedup_keys(["credential:1:30d", "credential:1:7d"]) == {
        "credential:1:30d"}
    assert selectors.existing_dedup_keys([]) == set()


@pytest.mark.parametrize("rows", [1, 50])
def test_a_persons_notifications_take_one_query(resident, rows):
    NotificationFactory.create_batch(rows, user=resident)
    with assert_query_count("notifications.notificationsForUser"):
        list(selectors.notifications_for_user(resident))


@pytest.mark.parametrize("mapping, ids", [
    ({"*": {"JOB_OFFERED": "T"}}, []),
    ({"*": "T"}, ["notifications.E001"]),
    ({"weishinan": {"JOB_OFERED": "T"}}, ["notifications.W001"]),
])
def test_the_template_setting_is_checked(settings, mapping, ids):
    settings.LINLI_WECHAT_TEMPLATE_IDS = mapping
    assert [m.id for m in check_template_ids()] == ids
