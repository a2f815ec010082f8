"""Platform writes: the audit log, idempotency keys and after-commit task enqueueing."""

import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.db import models, transaction
from django.utils.translation import gettext as _

from . import after_response
from .context import current_ip
from .error_codes import CoreErrorCode
from .errors import validation_error
from .inserts import insert_unless_conflict
from .models import AuditLog, IdempotencyKey


def audit_log_record(
    *, actor, action: str, obj: models.Model | None = None, detail: dict | None = None,
    object_type: str = "", object_id: str = "",
) -> AuditLog:
    """Append one audit entry. `detail` must already be free of unmasked personal data."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditLog.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        ip_address=current_ip.get(),
    )


def enqueue_on_commit(task, *args, countdown: float | None = None, **kwargs) -> None:
    """Send a Celery task once the current transaction commits, so a worker never looks
    for a row that is not there yet; outside a transaction it is sent at once.

    `countdown` (seconds) delays delivery, as in `apply_async`. It belongs to this helper,
    never to the task: `args` and `kwargs` are the task's arguments, and a task with a
    parameter of its own called `countdown` is refused here (TypeError) rather than having
    that argument silently taken as the delay — call `apply_async` for such a task.
    """
    if "countdown" in inspect.signature(task.run).parameters:
        raise TypeError(f"{task.name} takes a 'countdown' argument; enqueue_on_commit's "
                        "countdown would shadow it")

    def send() -> None:
        if countdown is None:
            task.delay(*args, **kwargs)
        else:
            task.apply_async(args, kwargs, countdown=countdown)

    def send_or_defer() -> None:
        # Without a broker the task would run here, inside the request: let the response
        # go first (backend.core.after_response).
        if not (current_app.conf.task_always_eager and after_response.defer(send)):
            send()

    # robust: the caller's data is committed already; a broker that is briefly down must not
    # turn that into an error. Periodic sweeps pick up what was not sent.
    transaction.on_commit(send_or_defer, robust=True)


def _hash_input(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def idempotent_call(
    *, user, scope: str, key: str | None, payload: Any,
    action: Callable[[], Any], dump: Callable[[Any], Any] | None,
    load: Callable[[Any], Any],
) -> Any:
    """Run `action` once per (user, scope, key).

    The key row is inserted first, inside the caller's transaction: a concurrent call with
    the same key waits on the unique index (PostgreSQL) or the write lock (SQLite) until
    the first commits, then reads its stored result. A failed action rolls the key back
    too, so a corrected retry with the same key is possible. The insert skips a duplicate
    instead of failing (ON CONFLICT DO NOTHING), so it needs no savepoint of its own.

    `dump=None`: nothing is stored; `load(None)` finds the first result again from the
    input (e.g. the one enrolment of a person in a run), which saves the update.
    """
    if not key:
        return action()
    if len(key) > 128:
        raise validation_error("idempotency_key", _("幂等键过长（最多128个字符）。"),
                               CoreErrorCode.INVALID)
    request_hash = _hash_input(payload)
    with transaction.atomic():
        record = IdempotencyKey(user=user, scope=scope, key=key, request_hash=request_hash)
        if not insert_unless_conflict(record):
            record = IdempotencyKey.objects.get(user=user, scope=scope, key=key)
            if record.request_hash != request_hash:
                raise validation_error("idempotency_key",
                                       _("这个幂等键已用于另一个不同的请求。"),
                                       CoreErrorCode.IDEMPOTENCY_KEY_REUSED)
            return load(record.result)
        result = action()
        if dump is not None:
            record.result = dump(result)
            record.save(update_fields=["result"])
        return result
