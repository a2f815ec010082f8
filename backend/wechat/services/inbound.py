"""Inbound messages: claim once per message, purge old ones."""


from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from ..models import (
    WeChatAccount,
    WeChatInboundMessage,
)

logger = logging.getLogger(__name__)


def inbound_claim(*, account: WeChatAccount, msg_id: str | None, from_user: str,
                  create_time: int, msg_type: str, event: str = "") -> bool:
    """Record a message as processed; False if it already was (a retry or a replay).

    The unique constraints decide, so two concurrent deliveries cannot both win: on
    PostgreSQL the second insert waits for the first transaction and then fails.
    Call inside the transaction that processes the message, so a failed processing
    releases the claim and WeChat's retry can run it.
    """
    try:
        with transaction.atomic():
            WeChatInboundMessage.objects.create(
                account=account, msg_id=msg_id or None, from_user=from_user,
                create_time=create_time, msg_type=msg_type[:32], event=event[:64])
    except IntegrityError:
        return False
    return True


def inbound_purge(*, older_than) -> int:
    """Forget processed-message records past WeChat's retry window."""
    deleted, _counts = WeChatInboundMessage.objects.filter(received_at__lt=older_than).delete()
    return deleted
