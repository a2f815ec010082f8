"""What the callback does with a verified, parsed message: dedup, bookkeeping, commands."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from backend.wechat import selectors, services
from backend.wechat.client import InboundMessage

from . import commands

logger = logging.getLogger(__name__)

SUBSCRIBE_EVENTS = {"subscribe", "subscribe_scan"}
# WeChat drops passive text replies over 2048 bytes; keep a margin for the XML escaping.
MAX_REPLY_BYTES = 2000


def fit(text: str | None) -> str | None:
    """Cut a reply WeChat would refuse, at a line end where possible."""
    if text:
        text = text.replace("]]>", "]] >")  # the reply's text sits in a CDATA section
    if not text or len(text.encode("utf-8")) <= MAX_REPLY_BYTES:
        return text
    ellipsis = "\n……"
    budget = MAX_REPLY_BYTES - len(ellipsis.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", "ignore")
    if "\n" in cut[len(cut) // 2:]:
        cut = cut[:cut.rindex("\n")]
    return cut + ellipsis


def handle_message(account, message: InboundMessage) -> str | None:
    return fit(_handle_message(account, message))


def _handle_message(account, message: InboundMessage) -> str | None:
    """The reply text, or None for an empty "success" (nothing to say, or already done).

    The dedup claim and the command's writes share one transaction: if the command fails
    unexpectedly, the claim is rolled back too and WeChat's retry can run it again.
    """
    with transaction.atomic():
        claimed = services.inbound_claim(
            account=account, msg_id=message.msg_id, from_user=message.source,
            create_time=message.create_time, msg_type=message.type, event=message.event)
        if not claimed:
            return None
        if message.type == "event":
            return _handle_event(account, message)
        if message.type == "text":
            services.binding_touch(account=account, openid=message.source)
            binding = selectors.binding_get(account=account, openid=message.source)
            return commands.dispatch(account=account, binding=binding, text=message.content)
        return _("我现在只看得懂文字。\n回复「帮助」看看我能做什么。")


def _handle_event(account, message: InboundMessage) -> str | None:
    if message.event in SUBSCRIBE_EVENTS:
        services.binding_touch(account=account, openid=message.source, subscribed=True)
        binding = selectors.binding_get(account=account, openid=message.source)
        return commands.welcome_text(account, binding)
    if message.event == "unsubscribe":
        services.binding_touch(account=account, openid=message.source, subscribed=False)
        return None
    if message.event == "click" and message.event_key:
        # Menu buttons whose key is a command word behave like typing it.
        services.binding_touch(account=account, openid=message.source)
        binding = selectors.binding_get(account=account, openid=message.source)
        return commands.dispatch(account=account, binding=binding, text=message.event_key)
    return None
