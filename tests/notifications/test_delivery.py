import json
from unittest import mock

import pytest

from backend.notifications import services, tasks
from backend.notifications.models import NotificationStatus
from tests.factories.notifications import NotificationFactory
from tests.factories.wechat import WeChatBindingFactory

from .conftest import SEND_URL, fail, ok, sends

pytestmark = pytest.mark.django_db


def _deliver(notification):
    tasks.deliver.delay(notification.pk)  # eager in tests: runs, retries included, inline
    notification.refresh_from_db()
    return notification


def test_a_bound_person_gets_a_wechat_template_message(bound_user, wechat):
    ok(wechat, msgid=200228332)
    notification = NotificationFactory(user=bound_user, url="https://linli.example/o/1")

    assert _deliver(notification).status == NotificationStatus.SENT

    assert notification.channel == "wechat" and notification.channel_ref == "200228332"
    assert notification.sent_at is not None and notification.attempts == 1
    body = json.loads(sends(wechat)[0].request.body)
    assert body["touser"] == "oBound0001"
    assert body["template_id"] == "TPL_JOB_OFFERED"
    assert body["url"] == "https://linli.example/o/1"
    # keywords only: WeChat no longer shows first/remark
    assert body["data"] == {"thing1": {"value": "理发"},
                            "time2": {"value": "11月26日 14:00–15:00"},
                            "thing3": {"value": "—"}}


def test_a_person_without_wechat_is_skipped(resident, wechat):
    notification = _deliver(NotificationFactory(user=resident))

    assert notification.status == NotificationStatus.SKIPPED
    assert notification.last_error == "未绑定微信"
    assert len(wechat.calls) == 0


def test_an_unsubscribed_binding_does_not_count(account, resident, wechat):
    WeChatBindingFactory(account=account, user=resident, subscribed=False)
    assert _deliver(NotificationFactory(user=resident)).status == NotificationStatus.SKIPPED
    assert len(wechat.calls) == 0


def test_no_template_for_the_kind_is_skipped_with_a_reason(bound_user, wechat, settings):
    settings.LINLI_WECHAT_TEMPLATE_IDS = {"weishinan": {"CLASS_REMINDER": "TPL_X"}}
    notification = _deliver(NotificationFactory(user=bound_user))

    assert notification.status == NotificationStatus.SKIPPED
    assert "未配置" in notification.last_error and "微市南" in notification.last_error
    assert len(wechat.calls) == 0


def test_an_account_specific_template_wins(bound_user, wechat, settings):
    settings.LINLI_WECHAT_TEMPLATE_IDS = {"*": {"JOB_OFFERED": "TPL_ALL"},
                                          "weishinan": {"JOB_OFFERED": "TPL_WSN"}}
    ok(wechat)
    _deliver(NotificationFactory(user=bound_user))
    assert json.loads(sends(wechat)[0].request.body)["template_id"] == "TPL_WSN"


def test_a_transient_error_is_retried_then_sent(bound_user, wechat):
    # given WeChat busy once, then success
    fail(wechat, -1)
    ok(wechat)
    notification = NotificationFactory(user=bound_user)
    # when delivered, with backoff delays computed for each retry
    with mock.patch.object(services, "retry_delay_seconds",
                           wraps=services.retry_delay_seconds) as delays:
        notification = _deliver(notification)
    # then it was sent on the second try
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2 and len(sends(wechat)) == 2
    assert [c.args for c in delays.call_args_list] == [(0,), (1,)]


def test_a_permanent_error_fails_without_retry(bound_user, wechat):
    fail(wechat, 43004)  # the follower unsubscribed
    notification = _deliver(NotificationFactory(user=bound_user))

    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 1 and len(sends(wechat)) == 1
    assert "NOT_SUBSCRIBED" in notification.last_error and "43004" in notification.last_error
    assert "oBound0001" not in notification.last_error
    # and the binding is known to be unsubscribed: the next message is skipped at once
    assert not bound_user.wechat_bindings.get().subscribed
    assert _deliver(NotificationFactory(user=bound_user)).status == NotificationStatus.SKIPPED
    assert len(sends(wechat)) == 1


def test_transient_errors_give_up_after_the_last_retry(bound_user, wechat):
    fail(wechat, -1)  # WeChat busy, for every call
    notification = _deliver(NotificationFactory(user=bound_user))

    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == tasks.MAX_RETRIES + 1
    assert len(sends(wechat)) == tasks.MAX_RETRIES + 1
    assert "WECHAT_ERROR" in notification.last_error and "-1" in notification.last_error


def test_the_quota_pauses_the_account_and_the_row_waits(bound_user, account, wechat):
    fail(wechat, 45009)
    notification = _deliver(NotificationFactory(user=bound_user))

    # then the row waits, with no retry spent, until the account's pause ends
    account.refresh_from_db()
    assert account.sending_paused_until is not None
    assert notification.status == NotificationStatus.PENDING and notification.attempts == 1
    assert notification.next_attempt_at == account.sending_paused_until
    assert "QUOTA_EXCEEDED" in notification.last_error
    # and the next row for that account waits without asking WeChat
    second = _deliver(NotificationFactory(user=bound_user))
    assert second.status == NotificationStatus.PENDING and len(sends(wechat)) == 1


def test_a_transient_error_leaves_the_row_pending_with_its_next_try(bound_user, wechat):
    fail(wechat, -1)  # WeChat busy
    notification = NotificationFactory(user=bound_user)

    with pytest.raises(services.channels.ChannelTransientError):
        services.notification_deliver(notification_id=notification.pk, retry_in=120)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING and notification.attempts == 1
    assert notification.claimed_at is None
    assert (notification.next_attempt_at - notification.updated_at).total_seconds() >= 119


@pytest.mark.parametrize("status", [NotificationStatus.SENT, NotificationStatus.SENDING,
                                    NotificationStatus.SKIPPED, NotificationStatus.FAILED])
def test_a_row_that_is_not_pending_is_never_sent_again(bound_user, wechat, status):
    notification = NotificationFactory(user=bound_user, status=status, sent_at=None if
                                       status != NotificationStatus.SENT else "2026-01-01T00:00Z")
    assert services.notification_deliver(notification_id=notification.pk) is None
    assert len(wechat.calls) == 0


def test_running_the_task_twice_sends_once(bound_user, wechat):
    ok(wechat)
    notification = NotificationFactory(user=bound_user)
    assert tasks.deliver.delay(notification.pk).get() == NotificationStatus.SENT
    assert tasks.deliver.delay(notification.pk).get() is None
    assert len(sends(wechat)) == 1


def test_an_unknown_id_is_ignored(wechat):
    assert tasks.deliver.delay(999999).get() is None


def test_a_crash_in_the_channel_fails_the_row_instead_of_leaving_it_sending(bound_user):
    notification = NotificationFactory(user=bound_user)
    with mock.patch.object(services.channels, "send", side_effect=KeyError("boom")):
        notification = _deliver(notification)
    assert notification.status == NotificationStatus.FAILED
    assert notification.last_error == "KeyError"


def test_the_send_url_is_the_template_endpoint():
    assert SEND_URL.endswith("/cgi-bin/message/template/send")
