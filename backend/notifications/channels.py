"""Delivery channels: how one outbox row reaches a person.

Today there is one, WeChat template messages through the official account the person
follows. A channel either returns a delivery reference, or raises one of the three
errors below, which the outbox turns into SKIPPED, a retry, or FAILED.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _


class ChannelSkip(Exception):
    """This person cannot be reached this way (no binding, no template): not an error."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChannelTransientError(Exception):
    """Try again later: network, quota, the provider busy."""


class ChannelPermanentError(Exception):
    """Retrying cannot help: unsubscribed, bad openid, bad template data, bad configuration."""


@dataclass(frozen=True)
class Delivery:
    channel: str
    ref: str = ""


# --- WeChat template messages ------------------------------------------------------------
WECHAT = "wechat"


def wechat_template_id(account, kind: str) -> str:
    """The template id for `kind` on `account`.

    Template ids are per official account (each account adds the template from WeChat's
    library and gets its own id), so settings.LINLI_WECHAT_TEMPLATE_IDS maps
    {"<account slug>": {"<KIND>": "<template id>"}, "*": {... for every account}}.
    """
    mapping = getattr(settings, "LINLI_WECHAT_TEMPLATE_IDS", None) or {}
    for key in (account.slug, "*"):
        template_id = (mapping.get(key) or {}).get(kind)
        if template_id:
            return str(template_id)
    return ""


def wechat_template_data(notification) -> dict:
    """first / keyword1..n / remark: the layout of WeChat's classic industry templates."""
    data = {"first": {"value": notification.title}}
    keywords = (notification.data or {}).get("keywords") or []
    for number, value in enumerate(keywords, start=1):
        data[f"keyword{number}"] = {"value": str(value)}
    if notification.body:
        data["remark"] = {"value": notification.body}
    return data


def wechat_send(notification) -> Delivery:
    from backend.wechat import client as wechat_client
    from backend.wechat.error_codes import WeChatErrorCode
    from backend.wechat.selectors import notification_target
    from backend.wechat.services import binding_touch

    binding = notification_target(notification.user)
    if binding is None:
        raise ChannelSkip(_("未绑定微信"))
    template_id = wechat_template_id(binding.account, notification.kind)
    if not template_id:
        raise ChannelSkip(_("公众号“%(account)s”未配置该类消息的模板")
                          % {"account": binding.account.name})
    try:
        msgid = wechat_client.send_template_message(
            binding.account, binding.openid, template_id, wechat_template_data(notification),
            url=notification.url or None)
    except wechat_client.WeChatRetryableError as exc:
        raise ChannelTransientError(_error_text(exc)) from exc
    except wechat_client.WeChatPermanentError as exc:
        if exc.code == WeChatErrorCode.NOT_SUBSCRIBED:
            # They unfollowed without us hearing of it: stop choosing this binding.
            binding_touch(account=binding.account, openid=binding.openid, subscribed=False)
        raise ChannelPermanentError(_error_text(exc)) from exc
    return Delivery(channel=WECHAT, ref=msgid)


def _error_text(exc) -> str:
    # Our code and WeChat's errcode only: the message could echo the openid.
    code = getattr(exc, "code", "") or type(exc).__name__
    errcode = getattr(exc, "errcode", None)
    return f"{code} (errcode {errcode})" if errcode is not None else str(code)


def send(notification) -> Delivery:
    """Deliver through the person's channel; raises ChannelSkip when they have none."""
    if not notification.user.is_active:
        raise ChannelSkip(_("账号已停用"))
    return wechat_send(notification)
