"""Outbox writes: record a notification with the caller's change, deliver it once.

`notify` inserts the row inside the caller's transaction and asks for delivery only after
commit: nothing is sent for a change that rolled back, and the row exists even if the
broker is down at that moment (the periodic sweep sends it later). Delivery claims the row
with a conditional UPDATE, so two workers running the same task never both send.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from backend.core.errors import validation_error
from backend.core.inserts import insert_unless_conflict
from backend.core.masking import mask_personal_data_in_text
from backend.core.services import audit_log_record, enqueue_on_commit

from . import channels, permissions
from .error_codes import NotificationErrorCode as Code
from .models import Notification, NotificationKind, NotificationStatus
from .tasks import deliver as deliver_task

logger = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(minutes=1)
# Far past the task's 90 s hard time limit: the worker that claimed the row is gone.
SENDING_STALE_AFTER = timedelta(minutes=10)
# A row re-queued by the sweep this many times (claims) is FAILED instead: 1 + the task's
# retries.
SWEEP_MAX_ATTEMPTS = 7
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600

def mask_personal_data(text: str) -> str:
    """Messages leave the platform: mask any mobile or ID number a caller let slip in."""
    return mask_personal_data_in_text(text)


def _masked_data(value):
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, list):
        return [_masked_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked_data(v) for k, v in value.items()}
    return value


def notify(*, user, kind: str, dedup_key: str, title: str, body: str, url: str = "",
           data: dict | None = None) -> Notification | None:
    """Record one notification for `user` about the event `dedup_key` and deliver it after
    the caller's transaction commits.

    The same event twice gives the first row back and sends nothing more. Returns None
    when there is nobody to tell (no user).
    """
    if user is None or not getattr(user, "pk", None):
        return None
    if kind not in NotificationKind.values:
        raise validation_error("kind", _("未知的通知类型。"), Code.INVALID)
    dedup_key = (dedup_key or "").strip()
    if not dedup_key or len(dedup_key) > 128:
        raise validation_error("dedup_key", _("通知事件标识不能为空，且不超过128个字符。"),
                               Code.REQUIRED)
    title = mask_personal_data(title).strip()[:100]
    if not title:
        raise validation_error("title", _("通知须有标题。"), Code.REQUIRED)
    notification = Notification(
        user=user, kind=kind, dedup_key=dedup_key, title=title,
        body=mask_personal_data(body)[:1000], url=(url or "")[:500],
        data=_masked_data(data or {}))
    # Insert first: the unique dedup key decides (one statement, no savepoint; a repeat or a
    # lost race finds the first row instead).
    if not insert_unless_conflict(notification):
        existing = Notification.objects.filter(dedup_key=dedup_key).first()
        if existing is None:
            raise IntegrityError(f"notification {dedup_key!r} was neither inserted nor found")
        return existing
    # After commit, robust: a broker outage never fails the caller's committed write; the
    # row stays PENDING and the outbox sweep sends it.
    enqueue_on_commit(deliver_task, notification.pk)
    return notification


def _finish(notification_id: int, **fields) -> int:
    """Leave SENDING; only the worker that claimed the row gets here."""
    fields.setdefault("claimed_at", None)
    return Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING
                                       ).update(updated_at=timezone.now(), **fields)


def retry_delay_seconds(retries: int) -> int:
    """30 s, 1 min, 2 min ... capped at an hour, with ±20 % jitter so a burst spreads out."""
    base = min(RETRY_BASE_SECONDS * 2 ** retries, RETRY_MAX_SECONDS)
    return max(1, int(base * random.uniform(0.8, 1.2)))  # noqa: S311 - jitter


def notification_deliver(*, notification_id: int, final_attempt: bool = False,
                         retry_in: int = RETRY_BASE_SECONDS) -> Notification | None:
    """Send one PENDING notification through its channel; safe to run any number of times.

    Returns the row after this attempt, or None when there was nothing to do (unknown id,
    or another run already claimed, sent, skipped or failed it). Raises
    channels.ChannelTransientError when the caller should retry in `retry_in` seconds.
    """
    now = timezone.now()
    # The claim: of any number of concurrent runs exactly one changes the row.
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1,
        updated_at=now)
    if not claimed:
        return None
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        delivery = channels.send(notification)
    except channels.ChannelSkip as exc:
        _finish(notification_id, status=NotificationStatus.SKIPPED, last_error=exc.reason[:500],
                skip_reason=exc.code or "")
    except channels.ChannelDeferred as exc:
        # The sender's account is paused: wait, nothing dropped and no retry spent; the
        # sweep sends it once `until` has passed.
        _finish(notification_id, status=NotificationStatus.PENDING,
                last_error=exc.reason[:500], next_attempt_at=exc.until)
    except channels.ChannelTransientError as exc:
        error = str(exc)[:500]
        if final_attempt:
            _finish(notification_id, status=NotificationStatus.FAILED, last_error=error)
        else:
            _finish(notification_id, status=NotificationStatus.PENDING, last_error=error,
                    next_attempt_at=timezone.now() + timedelta(seconds=retry_in))
            raise
    except channels.ChannelPermanentError as exc:
        _finish(notification_id, status=NotificationStatus.FAILED, last_error=str(exc)[:500])
    except Exception as exc:
        # A bug must not leave the row SENDING for ever; the type only (no personal data).
        logger.exception("notification %s delivery crashed", notification_id)
        _finish(notification_id, status=NotificationStatus.FAILED,
                last_error=f"{type(exc).__name__}")
    else:
        _finish(notification_id, status=NotificationStatus.SENT, sent_at=timezone.now(),
                channel=delivery.channel, channel_ref=(delivery.ref or "")[:64], last_error="")
    notification.refresh_from_db()
    return notification


def notifications_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Periodic: re-enqueue PENDING rows whose delivery is over a minute overdue (their task
    was never published, got lost, or waited out an account's pause), and put rows stuck
    in SENDING by a dead worker back in the queue.

    A row stuck in SENDING was in flight when its worker died: WeChat may or may not have
    shown it. It is sent again (at least once beats lost; only the few rows in flight at
    a crash — at most the workers' concurrency — can arrive twice), unless it has used
    up its attempts, then FAILED for an operator to look at. Returns how many rows were
    enqueued."""
    now = now or timezone.now()
    stale = Q(status=NotificationStatus.SENDING, claimed_at__lt=now - SENDING_STALE_AFTER)
    Notification.objects.filter(stale, attempts__gte=SWEEP_MAX_ATTEMPTS).update(
        status=NotificationStatus.FAILED, claimed_at=None, updated_at=now,
        last_error=_("发送中断（工作进程退出），结果未知；如需要请在后台重新发送"))
    Notification.objects.filter(stale).update(
        status=NotificationStatus.PENDING, claimed_at=None, updated_at=now,
        next_attempt_at=now - SWEEP_GRACE,
        last_error=_("发送中断（工作进程退出），结果未知；已重新排队"))
    ids = list(Notification.objects.filter(
        status=NotificationStatus.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:batch])
    for notification_id in ids:
        try:
            deliver_task.delay(notification_id)
        except (KombuError, OSError) as exc:  # broker still down: the next sweep tries again
            logger.warning("sweep could not enqueue notification %s (%s)", notification_id,
                           type(exc).__name__)
            break
    return len(ids)


def notification_resend(*, actor, notification: Notification) -> Notification:
    """An operator sends a FAILED notification again (admin action)."""
    if not permissions.can_resend_notification(actor, notification):
        raise PermissionDenied
    with transaction.atomic():
        now = timezone.now()
        updated = Notification.objects.filter(
            pk=notification.pk, status=NotificationStatus.FAILED).update(
            status=NotificationStatus.PENDING, next_attempt_at=now, updated_at=now)
        if not updated:
            raise validation_error(None, _("只有发送失败的通知才能重新发送。"), Code.NOT_FAILED)
        audit_log_record(actor=actor, action="notification.resend", obj=notification,
                         detail={"kind": notification.kind, "dedup_key": notification.dedup_key})
        enqueue_on_commit(deliver_task, notification.pk)
    notification.refresh_from_db()
    return notification


def call_list_phone_read(*, actor, notification: Notification) -> str:
    """The person's phone number unmasked, for staff to call her about a message WeChat
    could not carry. Every read is audited: who, when, whose number, and why."""
    if not permissions.can_call_about(actor, notification):
        raise PermissionDenied(_("您不能查看这位居民的电话。"))
    audit_log_record(actor=actor, action="personal_data.phone_read", obj=notification.user,
                     detail={"why": "call list", "notification": notification.pk})
    return notification.user.phone


def call_list_mark_handled(*, actor, notification: Notification) -> Notification:
    """Staff have phoned the person: the row leaves the call list. Marking it twice keeps
    the first time and person."""
    if not permissions.can_call_about(actor, notification):
        raise PermissionDenied(_("您不能处理这条通知。"))
    with transaction.atomic():
        updated = (Notification.objects.filter(pk=notification.pk, handled_at__isnull=True)
                   .update(handled_at=timezone.now(), handled_by=actor))
        if updated:
            audit_log_record(actor=actor, action="notification.call_list_handled",
                             obj=notification)
    notification.refresh_from_db(fields=["handled_at", "handled_by"])
    return notification
