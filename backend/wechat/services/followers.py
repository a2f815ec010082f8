"""Follower records kept in line with WeChat, one page at a time."""


from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from backend.core.services import enqueue_on_commit

from .. import client
from ..models import (
    WeChatAccount,
    WeChatBinding,
)
from ..tasks import followers_sync_task

logger = logging.getLogger(__name__)


# --- Follower sync -----------------------------------------------------------------------
SYNC_PAGE = 10_000   # user/get's page: openids looked up and written per batch


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def followers_sync(*, account: WeChatAccount, page_size: int = SYNC_PAGE) -> dict:
    """Bring the account's follower records in line with WeChat: page through user/get
    (10,000 openids a page), look each page up with user/info/batchget (100 a call), and
    upsert the page in one statement. Only one page is in memory at a time. Followers not
    seen any more are marked unsubscribed once the whole list was read. Bindings (who an
    openid belongs to) are never touched."""

    started = timezone.now()
    seen = written = 0
    for openids in _chunks(client.follower_openids(account), page_size):
        infos = client.followers_info(account, openids)
        rows = []
        for info in infos:
            openid = str(info.get("openid") or "")
            if not openid:
                continue
            subscribed = bool(info.get("subscribe"))
            stamp = info.get("subscribe_time")
            rows.append(WeChatBinding(
                account=account, openid=openid, subscribed=subscribed,
                unionid=str(info.get("unionid") or "")[:64],
                subscribed_at=(datetime.fromtimestamp(int(stamp), tz=UTC)
                               if subscribed and stamp else None)))
        with transaction.atomic():
            WeChatBinding.objects.bulk_create(
                rows, batch_size=1000, update_conflicts=True,
                unique_fields=["account", "openid"],
                update_fields=["subscribed", "unionid", "subscribed_at", "updated_at"])
        seen += len(openids)
        written += len(rows)
    gone = (WeChatBinding.objects
            .filter(account=account, subscribed=True, updated_at__lt=started)
            .update(subscribed=False, unsubscribed_at=timezone.now(), updated_at=timezone.now()))
    logger.info("wechat followers synced account=%s seen=%s written=%s gone=%s",
                account.slug, seen, written, gone)
    return {"seen": seen, "written": written, "unsubscribed": gone}


def followers_sync_enqueue(*, account: WeChatAccount) -> None:
    """Sync the account's followers in the background, after the caller's commit."""
    enqueue_on_commit(followers_sync_task, account.pk)
