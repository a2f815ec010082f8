"""Delivery channels: how one outbox row reaches a person.

Today there is one, WeChat template messages through the official account the person
follows (or the district's service account). A channel either returns a delivery
reference, or raises one of the errors below, which the outbox turns into SKIPPED, a
retry, a wait (PENDING until a time, no retry spent), or FAILED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.formatting import datetime_zh
from backend.wechat import client as wechat_client
from backend.wechat import services as wechat_services
from backend.wechat.error_codes import WeChatErrorCode
from backend.wechat.selectors import CANNOT_STOPPED, template_id_for, template_senders

from .models import SkipReason
from .wechat_templates import template_data


class ChannelSkip(Exception):
    """This person cannot be reached this way (no binding, no account that can send):
    not an error. `code` is a SkipReason value, kept on the row for the staff call list."""

    def __init__(self, reason: str, code: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ChannelTransientError(Exception):
    """Try again later: network, the provider busy, a token still refused."""


class ChannelDeferred(Exception):
    """Wait until `until` without spending a retry: the sending account is paused (its
    daily quota is used up). The row stays PENDING; the sweep picks it up afterwards."""

    def __init__(self, reason: str, until):
        super().__init__(reason)
        self.reason = reason
        self.until = until


class ChannelPermanentError(Exception):
    """Retrying cannot help: unsubscribed, bad openid, bad template data, bad configuration."""


@dataclass(frozen=True)
class Delivery:
    channel: str
    ref: str = ""


# --- WeChat template messages ------------------------------------------------------------
WECHAT = "wechat"
# A stopped account (an operator must act) has nothing to fall back on: its rows look
# again this often, so they go out soon after the operator resumes it.
STOPPED_RECHECK = timedelta(minutes=15)


def wechat_template_id(account, kind: str) -> str:
    """The template id for `kind` on `account` (the database, then the settings fallback)."""
    return template_id_for(account, kind)


def wechat_template_data(notification) -> dict:
    return template_data(notification)


def wechat_send(notification) -> Delivery:
    """Through the first account that can send this kind to the person (see
    backend.wechat.selectors.template_senders); WeChat's answers decide the row's fate:
    40164 / 40125 / 48001 stop that account (alerting the district admins) and the next
    sender is tried; 45009 pauses the account and the row waits; 43004 / 40003 mark the
    follower and the row fails without a retry; token errors were refreshed once inside
    the client and come here as transient."""
    senders, reasons, bound = template_senders(notification.user, notification.kind)
    if not bound:
        raise ChannelSkip(_("未绑定微信"), SkipReason.NOT_BOUND)
    data = wechat_template_data(notification)
    for sender in senders:
        account = sender.account
        now = timezone.now()
        if account.sending_paused_until and account.sending_paused_until > now:
            raise ChannelDeferred(_("“%(account)s”今日模板消息额度已用完，暂停至%(until)s")
                                  % {"account": account.name,
                                     "until": _local(account.sending_paused_until)},
                                  account.sending_paused_until)
        try:
            msgid = wechat_client.send_template_message(
                account, sender.openid, sender.template_id, data,
                url=notification.url or None)
        except wechat_client.WeChatRetryableError as exc:
            if exc.code == WeChatErrorCode.QUOTA_EXCEEDED:
                until = wechat_services.quota_resume_time()
                wechat_services.account_sending_pause(account=account, until=until)
                raise ChannelDeferred(_error_text(exc), until) from exc
            raise ChannelTransientError(_error_text(exc)) from exc
        except wechat_client.WeChatPermanentError as exc:
            if exc.code == WeChatErrorCode.ACCOUNT_UNAVAILABLE:
                wechat_services.account_sending_stop(account=account, errcode=exc.errcode)
                reasons.append((CANNOT_STOPPED, _("“%(account)s”已停止发送（%(reason)s）") % {
                    "account": account.name, "reason": account.sending_stopped_reason
                    or _error_text(exc)}))
                continue
            if exc.code in (WeChatErrorCode.NOT_SUBSCRIBED, WeChatErrorCode.OPENID_INVALID):
                # They unfollowed without us hearing of it, or the openid is not this
                # account's: stop choosing this follower.
                wechat_services.follower_mark_unreachable(
                    account=account, openid=sender.openid,
                    invalid=exc.code == WeChatErrorCode.OPENID_INVALID)
            raise ChannelPermanentError(_error_text(exc)) from exc
        return Delivery(channel=WECHAT, ref=msgid)
    texts = list(dict.fromkeys(text for _code, text in reasons))
    if any(code == CANNOT_STOPPED for code, _text in reasons):
        # An account that could reach them is stopped by an operator problem and nothing
        # else can: wait for the operator rather than drop the message.
        raise ChannelDeferred("；".join(texts), timezone.now() + STOPPED_RECHECK)
    detail = "；".join(texts) or _("没有能发送该类消息的公众号")
    raise ChannelSkip(f"{SkipReason.NO_SENDABLE_ACCOUNT}：{detail}",
                      SkipReason.NO_SENDABLE_ACCOUNT)


def _local(moment) -> str:
    return datetime_zh(moment, year=False)


def _error_text(exc) -> str:
    # Our code and WeChat's errcode only: the message could echo the openid.
    code = getattr(exc, "code", "") or type(exc).__name__
    errcode = getattr(exc, "errcode", None)
    return f"{code} (errcode {errcode})" if errcode is not None else str(code)


def send(notification) -> Delivery:
    """Deliver through the person's channel; raises ChannelSkip when they have none."""
    if not notification.user.is_active:
        raise ChannelSkip(_("账号已停用"), "USER_INACTIVE")
    return wechat_send(notification)
