"""Broadcasts: a community, a street or the district announces something to its followers
by WeChat mass send (API.md "Broadcasts").

- Planning (at create) walks each sending account's followers by keyset pages of at most
  10,000 binding ids (`selectors.broadcast_audience_pages`); each page is one chunk, i.e.
  one mass/send call, stored as its binding-id range. Only the page being read is in
  memory, whatever the audience's size; the openids are read again, by range, when the
  chunk is sent (`selectors.broadcast_chunk_openids`), so who unsubscribed meanwhile is
  left out. A person following several of the accounts (same bound
  user or same unionid) is left out of every account but the first in the order
  `selectors.broadcast_senders` gives, in the same query.
- Quota: WeChat allows an account a few mass sends a month (服务号) or one a day (订阅号)
  (`AccountCapabilities`). Every broadcast that started sending through an account in the
  current period (Asia/Shanghai month or day) counts once. `broadcast_send` checks it with
  the accounts' rows locked, so two sends cannot both take an account's last send.
- Delivery: one Celery task per chunk (`tasks.broadcast_chunk_send`). A chunk is claimed by
  a conditional UPDATE (PENDING → SENDING), so a task run twice sends once; the call carries
  `clientmsgid` = the chunk, which WeChat de-duplicates should a claimed chunk be retried
  after a crash. Every call first takes a token of the account's bucket
  (`backend.wechat.ratelimit`), shared by all workers.
- Results: MASSSENDJOBFINISH (`mass_send_finished`) is stored as a `MassSendResult` and
  applied to the chunk with that msg_id. The event can arrive before the sender has written
  the msg_id; both sides take the account's row lock and whichever comes second applies it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record, enqueue_on_commit, idempotent_call

from .. import client, permissions, selectors, tasks
from ..error_codes import BroadcastErrorCode
from ..models import (
    Broadcast,
    BroadcastChunk,
    BroadcastScope,
    BroadcastStatus,
    ChunkStatus,
    MassSendResult,
    WeChatAccount,
)
from ..ratelimit import account_bucket

logger = logging.getLogger(__name__)

CHUNK_MAX = client.MASS_SEND_MAX
CHUNK_MIN = 2
# A chunk claimed longer ago than this by a worker that died may be claimed again.
CLAIM_STALE = timedelta(minutes=10)
IN_FLIGHT = (ChunkStatus.PENDING, ChunkStatus.SENDING, ChunkStatus.SUBMITTED)


# --- who may, and through which accounts ------------------------------------------------------
def _check_unit(actor, unit) -> None:
    if permissions.can_broadcast(actor, unit):
        return
    if permissions.can_broadcast_somewhere(actor):
        raise validation_error(None, _("这不是您负责的单位，不能向它的粉丝群发。"),
                               BroadcastErrorCode.OUTSIDE_YOUR_UNIT)
    raise PermissionDenied(_("只有所在单位的协调员和管理员可以群发。"))


def _period_start(account: WeChatAccount, now):
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if account.capabilities.mass_send_period == "month":
        start = start.replace(day=1)
    return start


def mass_sends_used(account: WeChatAccount, now=None) -> int:
    """Broadcasts that started sending through the account in its current quota period."""
    now = now or timezone.now()
    return (Broadcast.objects
            .filter(chunks__account=account, sending_started_at__gte=_period_start(account, now))
            .distinct().count())


def _check_quota(accounts) -> None:
    for account in accounts:
        caps = account.capabilities
        if mass_sends_used(account) >= caps.mass_sends_per_period:
            period = _("本月") if caps.mass_send_period == "month" else _("今天")
            raise validation_error(None, _("公众号“%(name)s”%(period)s的群发次数（%(n)s次）"
                                           "已经用完。") % {"name": account.name,
                                                          "period": period,
                                                          "n": caps.mass_sends_per_period},
                                   BroadcastErrorCode.QUOTA_EXCEEDED)


def message_text(broadcast: Broadcast) -> str:
    """What followers read: the title, the body and the Linli link."""
    return f"【{broadcast.title}】\n{broadcast.body}\n\n{broadcast.url}"


def _clean_url(url: str) -> str:
    base = _public_base()
    url = (url or "").strip()
    if not url:
        return base + "/"
    if url.startswith("/") and not url.startswith("//"):
        return base + url
    if url == base or url.startswith(base + "/"):
        return url
    raise validation_error("url", _("链接必须是邻里平台的页面（以 / 开头的路径或平台地址）。"),
                           BroadcastErrorCode.INVALID)


def _public_base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise validation_error("title", _("请填写标题。"), BroadcastErrorCode.REQUIRED)
    if not body:
        raise validation_error("body", _("请填写正文。"), BroadcastErrorCode.REQUIRED)
    if len(title) > 64:
        raise validation_error("title", _("标题最多64个字。"), BroadcastErrorCode.INVALID)
    if len(body) > 600:
        raise validation_error("body", _("正文最多600个字。"), BroadcastErrorCode.INVALID)
    return title, body


# --- create and plan -----------------------------------------------------------------------
def broadcast_create(*, actor, community=None, street=None, district: bool = False,
                     title: str, body: str, url: str = "",
                     idempotency_key: str | None = None) -> Broadcast:
    """A PLANNED broadcast with its chunks and `planned` count; nothing is sent yet.

    Refused (nothing created): not exactly one of community / street / district;
    OUTSIDE_YOUR_UNIT; NO_ACCOUNT (no account to send through); QUOTA_EXCEEDED (an account's
    sends for the period are used up already); NO_RECIPIENTS."""
    if sum((community is not None, street is not None, bool(district))) != 1:
        raise validation_error(None, _("请选择一个社区、一个街道或全区。"),
                               BroadcastErrorCode.INVALID)
    unit = community or street
    _check_unit(actor, unit)
    title, body = _clean_text(title, body)
    url = _clean_url(url)
    senders = selectors.broadcast_senders(street=street, community=community)
    if not senders:
        raise validation_error(None, _("这个单位还没有可以群发的公众号。"),
                               BroadcastErrorCode.NO_ACCOUNT)
    _check_quota(senders)
    scope = (BroadcastScope.COMMUNITY if community is not None
             else BroadcastScope.STREET if street is not None else BroadcastScope.DISTRICT)

    def action() -> Broadcast:
        broadcast = Broadcast.objects.create(scope=scope, community=community, street=street,
                                             title=title, body=body, url=url, created_by=actor)
        broadcast.planned = broadcast_plan(broadcast=broadcast, accounts=senders)
        if not broadcast.planned:
            raise validation_error(None, _("这些公众号还没有可以接收群发的粉丝。"),
                                   BroadcastErrorCode.NO_RECIPIENTS)
        broadcast.save(update_fields=["planned", "updated_at"])
        audit_log_record(actor=actor, action="wechat.broadcast.create", obj=broadcast,
                         detail={"scope": scope, "planned": broadcast.planned})
        return broadcast

    payload = {"community": getattr(community, "pk", None), "street": getattr(street, "pk", None),
               "district": bool(district), "title": title, "body": body, "url": url}
    with transaction.atomic():
        return idempotent_call(user=actor, scope="wechat.broadcast_create", key=idempotency_key,
                               payload=payload, action=action, dump=lambda b: b.pk,
                               load=lambda pk: Broadcast.objects.get(pk=pk))


def broadcast_plan(*, broadcast: Broadcast, accounts: list[WeChatAccount],
                   page_size: int | None = None) -> int:
    """Write the broadcast's chunks, account by account in order; returns the recipients."""
    page_size = page_size or CHUNK_MAX
    planned = 0
    seq = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _tune_for_pages()
        for index, account in enumerate(accounts):
            earlier = [a.pk for a in accounts[:index]]
            count, seq = _plan_account(broadcast, account, earlier, seq, page_size)
            planned += count
    return planned


def _tune_for_pages() -> None:
    """For this transaction only. Each page is a short query whose anti-joins should probe
    the (unionid, account) and (user, account) indexes for the page's rows: a hash or merge
    join would read every earlier account's followers again for each page (measured at 1M
    followers: 0.5 s a page instead of 0.05 s), parallel workers cost more to start than a
    page takes, and the JIT, triggered by the cost estimate, compiles for ~40 ms a page.
    Planning is a known long operation run from a request: it gets its own statement time
    limit instead of the request's (GRAPHQL_STATEMENT_TIMEOUT_MS)."""
    with connection.cursor() as cursor:
        for setting in ("jit = off", "enable_hashjoin = off", "enable_mergejoin = off",
                        "max_parallel_workers_per_gather = 0", "statement_timeout = '300s'"):
            cursor.execute(f"SET LOCAL {setting}")


def _plan_account(broadcast, account, earlier, seq, page_size) -> tuple[int, int]:
    """Chunks of one account, one per page. WeChat takes at least 2 openids a call: a last
    page of one takes the last follower of the chunk before it; an account with a single
    recipient gets a FAILED chunk (it cannot be mass-sent)."""
    count = 0
    previous: BroadcastChunk | None = None
    previous_tail: list[int] = []
    for ids in selectors.broadcast_audience_pages(account_id=account.pk,
                                                  earlier_account_ids=earlier,
                                                  limit=page_size):
        count += len(ids)
        first_id, size = ids[0], len(ids)
        if size < CHUNK_MIN and previous is not None:
            previous.last_binding_id = previous_tail[-2]
            previous.size -= 1
            BroadcastChunk.objects.filter(pk=previous.pk).update(
                last_binding_id=previous.last_binding_id, size=previous.size)
            first_id, size = previous_tail[-1], size + 1
        seq += 1
        lone = size < CHUNK_MIN
        previous = BroadcastChunk.objects.create(
            broadcast=broadcast, account=account, seq=seq, first_binding_id=first_id,
            last_binding_id=ids[-1], earlier_accounts=earlier, size=size,
            status=ChunkStatus.FAILED if lone else ChunkStatus.PENDING,
            failed=size if lone else 0, error=_("微信群发至少需要2人") if lone else "")
        previous_tail = ids[-2:]
    return count, seq


# --- send and cancel ---------------------------------------------------------------------------
def broadcast_send(*, actor, broadcast: Broadcast) -> Broadcast:
    """PLANNED → SENDING and one delivery task per pending chunk (after commit).

    QUOTA_EXCEEDED when an account's sends for the period are used up; INVALID_STATE when
    the broadcast is not PLANNED (sent already, cancelled)."""
    _check_unit(actor, broadcast.unit)
    with transaction.atomic():
        account_ids = sorted(set(broadcast.chunks.values_list("account_id", flat=True)))
        accounts = list(WeChatAccount.objects.select_for_update().filter(pk__in=account_ids)
                        .order_by("pk"))
        if broadcast.status != BroadcastStatus.PLANNED:
            raise validation_error(None, _("这条群发已经发送或取消了。"),
                                   BroadcastErrorCode.INVALID_STATE)
        _check_quota(accounts)
        now = timezone.now()
        started = (Broadcast.objects.filter(pk=broadcast.pk, status=BroadcastStatus.PLANNED)
                   .update(status=BroadcastStatus.SENDING, sending_started_at=now,
                           updated_at=now))
        if not started:
            raise validation_error(None, _("这条群发已经发送或取消了。"),
                                   BroadcastErrorCode.INVALID_STATE)
        audit_log_record(actor=actor, action="wechat.broadcast.send", obj=broadcast,
                         detail={"accounts": account_ids})
        pending = list(broadcast.chunks.filter(status=ChunkStatus.PENDING)
                       .values_list("pk", flat=True))
        for chunk_id in pending:
            enqueue_on_commit(tasks.broadcast_chunk_send, chunk_id)
        if not pending:
            transaction.on_commit(lambda: broadcast_settle(broadcast_id=broadcast.pk))
    broadcast.refresh_from_db()
    return broadcast


def broadcast_cancel(*, actor, broadcast: Broadcast) -> Broadcast:
    """Stop a PLANNED or SENDING broadcast: chunks not yet handed to WeChat are cancelled;
    chunks already submitted still report their counts."""
    _check_unit(actor, broadcast.unit)
    now = timezone.now()
    with transaction.atomic():
        cancelled = (Broadcast.objects
                     .filter(pk=broadcast.pk,
                             status__in=[BroadcastStatus.PLANNED, BroadcastStatus.SENDING])
                     .update(status=BroadcastStatus.CANCELLED, updated_at=now))
        if not cancelled:
            raise validation_error(None, _("这条群发已经结束，不能取消。"),
                                   BroadcastErrorCode.INVALID_STATE)
        broadcast.chunks.filter(status=ChunkStatus.PENDING).update(
            status=ChunkStatus.CANCELLED, finished_at=now)
        audit_log_record(actor=actor, action="wechat.broadcast.cancel", obj=broadcast)
    broadcast_settle(broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    return broadcast


# --- delivery (one chunk per task) ---------------------------------------------------------------
def broadcast_chunk_deliver(*, chunk_id: int, wait: float = 20.0, final: bool = False) -> str:
    """Send one chunk: "submitted", "skipped" (not pending, or the broadcast is no longer
    sending), "later" (no token within `wait` seconds; the caller retries) or "failed".
    Retryable WeChat errors put the chunk back and raise (`final`: mark it failed)."""
    now = timezone.now()
    claimed = (BroadcastChunk.objects
               .filter(Q(status=ChunkStatus.PENDING)
                       | Q(status=ChunkStatus.SENDING, claimed_at__lt=now - CLAIM_STALE),
                       pk=chunk_id, broadcast__status=BroadcastStatus.SENDING)
               .update(status=ChunkStatus.SENDING, claimed_at=now))
    if not claimed:
        return "skipped"
    chunk = BroadcastChunk.objects.select_related("account", "broadcast").get(pk=chunk_id)
    if account_bucket(chunk.account_id).acquire(timeout=wait) is None:
        _release(chunk)
        return "later"
    if not Broadcast.objects.filter(pk=chunk.broadcast_id,
                                    status=BroadcastStatus.SENDING).exists():
        BroadcastChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.SENDING).update(
            status=ChunkStatus.CANCELLED, finished_at=timezone.now())
        broadcast_settle(broadcast_id=chunk.broadcast_id)
        return "skipped"
    openids = selectors.broadcast_chunk_openids(chunk, limit=CHUNK_MAX)
    if len(openids) < CHUNK_MIN:  # they left since it was planned
        _chunk_failed(chunk, "fewer than 2 followers left")
        return "failed"
    try:
        msg_id = client.send_mass_text(chunk.account, openids,
                                       message_text(chunk.broadcast),
                                       client_msg_id=f"linli-broadcast-{chunk.pk}")
    except client.WeChatRetryableError as exc:
        if not final:
            _release(chunk)
            raise
        _chunk_failed(chunk, f"{exc.code}:{exc.errcode or ''}")
        return "failed"
    except client.WeChatPermanentError as exc:
        _chunk_failed(chunk, f"{exc.code}:{exc.errcode or ''}")
        return "failed"
    _chunk_submitted(chunk, msg_id)
    return "submitted"


def _release(chunk: BroadcastChunk) -> None:
    BroadcastChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.SENDING).update(
        status=ChunkStatus.PENDING, claimed_at=None)


def _chunk_failed(chunk: BroadcastChunk, error: str) -> None:
    logger.warning("wechat broadcast chunk failed broadcast=%s chunk=%s account=%s error=%s",
                   chunk.broadcast_id, chunk.pk, chunk.account.slug, error)
    BroadcastChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.SENDING).update(
        status=ChunkStatus.FAILED, failed=chunk.size, error=error[:200],
        finished_at=timezone.now())
    broadcast_settle(broadcast_id=chunk.broadcast_id)


def _chunk_submitted(chunk: BroadcastChunk, msg_id: str) -> None:
    with transaction.atomic():
        WeChatAccount.objects.select_for_update().filter(pk=chunk.account_id).first()
        BroadcastChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.SENDING).update(
            status=ChunkStatus.SUBMITTED, msg_id=msg_id, submitted_at=timezone.now())
        result = MassSendResult.objects.filter(account_id=chunk.account_id,
                                               msg_id=msg_id).first()
        if result is not None:
            _apply(result)
    broadcast_settle(broadcast_id=chunk.broadcast_id)


# --- results ------------------------------------------------------------------------------------
def mass_send_finished(*, account: WeChatAccount, msg_id: str, status: str, total: int,
                       filtered: int, sent: int, errors: int) -> BroadcastChunk | None:
    """WeChat's MASSSENDJOBFINISH: keep it, and apply it to the chunk with that msg_id
    (the chunk's failed count is everyone submitted but not reached). Safe to run twice."""
    with transaction.atomic():
        WeChatAccount.objects.select_for_update().filter(pk=account.pk).first()
        result, _created = MassSendResult.objects.get_or_create(
            account=account, msg_id=msg_id,
            defaults={"status": status[:64], "total": total, "filtered": filtered,
                      "sent": sent, "errors": errors})
        chunk = _apply(result)
    if chunk is not None:
        broadcast_settle(broadcast_id=chunk.broadcast_id)
    return chunk


def _apply(result: MassSendResult) -> BroadcastChunk | None:
    chunk = (BroadcastChunk.objects
             .filter(account_id=result.account_id, msg_id=result.msg_id).first())
    if chunk is None:
        return None
    BroadcastChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.SUBMITTED).update(
        status=ChunkStatus.DONE, sent=result.sent,
        failed=max(result.total - result.sent, 0), finished_at=timezone.now())
    return chunk


def broadcast_settle(*, broadcast_id: int) -> None:
    """Totals from the chunks, and the final status once none is in flight: SENT when any
    chunk reached WeChat, FAILED when none did; a CANCELLED broadcast stays CANCELLED.
    Under the broadcast's row lock, so concurrent settles write in turn, each after the
    other's chunks are visible."""
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None:
            return
        chunks = broadcast.chunks.all()
        totals = chunks.aggregate(sent=Sum("sent"), failed=Sum("failed"))
        broadcast.sent, broadcast.failed = totals["sent"] or 0, totals["failed"] or 0
        fields = ["sent", "failed", "updated_at"]
        if not chunks.filter(status__in=IN_FLIGHT).exists() and broadcast.finished_at is None \
                and broadcast.status != BroadcastStatus.PLANNED:
            broadcast.finished_at = timezone.now()
            fields.append("finished_at")
            if broadcast.status == BroadcastStatus.SENDING:
                reached = chunks.filter(status=ChunkStatus.DONE).exists()
                broadcast.status = BroadcastStatus.SENT if reached else BroadcastStatus.FAILED
                fields.append("status")
        broadcast.save(update_fields=fields)
