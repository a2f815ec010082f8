"""Audit of reads of unmasked personal data (PIPL): who read whose phone or ID number,
when, from where, and why.

Once per request per (reader, person, what): a list of fifty phones is fifty entries,
written together in one INSERT when the request ends (so a list costs one query, not one
per row). Outside a request (a task, a shell, a direct service call) each read is written
at once. Reading one's own data is not recorded.
"""

from contextvars import ContextVar

from django.db import models

from .context import current_ip
from .models import AuditLog

READ_ACTION = "personal_data.read"

# Per request: {(actor id, object type, object id, what): AuditLog}; None outside one.
_pending: ContextVar[dict | None] = ContextVar("linli_audit_pending", default=None)


def personal_data_read(*, actor, subject: models.Model, what: str, why: str) -> None:
    """Record that `actor` was shown `subject`'s unmasked `what` ("phone", "id_number")
    for `why` (the screen or API field, e.g. "graphql:User.phone")."""
    if actor is None or not actor.is_authenticated:
        return
    if subject._meta.label_lower == "accounts.user" and subject.pk == actor.pk:
        return
    entry = AuditLog(actor=actor, action=READ_ACTION, object_type=subject._meta.label_lower,
                     object_id=str(subject.pk), detail={"what": what, "why": why},
                     ip_address=current_ip.get())
    pending = _pending.get()
    if pending is None:
        entry.save()
        return
    pending.setdefault((actor.pk, entry.object_type, entry.object_id, what), entry)


def _flush(pending: dict) -> None:
    if pending:
        AuditLog.objects.bulk_create(list(pending.values()))


class PersonalDataReadAuditMiddleware:
    """Collects the request's reads and writes them when the response is ready."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending: dict = {}
        token = _pending.set(pending)
        try:
            return self.get_response(request)
        finally:
            _pending.reset(token)
            _flush(pending)
