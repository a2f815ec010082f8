"""Certificate writes: issue (idempotent per source), revoke, and the lookup rate limit.

Domain apps (courses, volunteers) decide *when* to issue and call `certificate_issue` or,
from inside their own transaction, `certificate_issue_later` (a Celery task after commit).
"""

import hashlib
import json
import logging
import time
from datetime import date, datetime
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Community, Street
from backend.core.errors import validation_error
from backend.core.links import absolute_url
from backend.core.services import audit_log_record, enqueue_on_commit
from backend.notifications.models import NotificationKind
from backend.notifications.services import notify

from . import permissions
from .codes import display_code, generate_code
from .error_codes import CertificateErrorCode
from .models import Certificate, CertificateKind
from .renderer import render_certificate_pdf
from .tasks import issue as issue_task

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 5
# Source keys of the certificates the demo seed issues; only these may be re-rendered.
DEMO_SOURCE_PREFIX = "demo:"
DEFAULT_DISTRICT_NAME = "青岛市市南区"


def verify_url(code: str) -> str:
    """The public verification page (API contract: /verify/<code>), printed as a QR code."""
    return absolute_url("certificate-verify", code=code)


def pdf_url(code: str) -> str:
    return absolute_url("certificate-pdf", code=code)


def issuer_display_name(*, street: Street | None, community: Community | None) -> str:
    if community is not None:
        return f"{community.street.name}{community.name}"
    if street is not None:
        return street.name
    return getattr(settings, "LINLI_DISTRICT_NAME", DEFAULT_DISTRICT_NAME)


def _snapshot_for(*, kind: str, holder, snapshot: dict, issuer_street, issuer_community,
                  issued_at, valid_until: date | None) -> dict:
    data = dict(snapshot or {})
    data["kind"] = kind
    data.setdefault("holder_name", holder.display_name or holder.username)
    if not str(data.get("holder_name") or "").strip():
        raise validation_error("snapshot", _("证书必须写明持有人姓名。"),
                               CertificateErrorCode.REQUIRED)
    if not str(data.get("title") or "").strip():
        raise validation_error("snapshot", _("证书必须写明名称（课程或服务项目）。"),
                               CertificateErrorCode.REQUIRED)
    data.setdefault("issuer_name",
                    issuer_display_name(street=issuer_street, community=issuer_community))
    data.setdefault("issued_on", timezone.localdate(issued_at).isoformat())
    if valid_until is not None:
        data["valid_until"] = valid_until.isoformat()
    # What is stored is exactly what was printed: JSON in, JSON out.
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def certificate_issue(
    *, kind: str, holder, source_key: str, snapshot: dict,
    issuer_street: Street | None = None, issuer_community: Community | None = None,
    valid_until: date | None = None, issued_at: datetime | None = None,
) -> tuple[Certificate, bool]:
    """Issue the certificate for `source_key` once; later calls return the same one.

    The unique `source_key` makes it exactly-once: a second caller, even one racing in
    another worker, fails the insert (inside a savepoint) and gets the first row. The PDF
    is rendered once, before the insert (it carries the code), and stored with its SHA-256.
    `issued_at`: the date it is issued on (a course's: when its last session ended); now
    by default.
    Returns (certificate, created).
    """
    if kind not in CertificateKind.values:
        raise validation_error("kind", _("未知的证书类型。"), CertificateErrorCode.INVALID)
    source_key = (source_key or "").strip()
    if not source_key or len(source_key) > 128:
        raise validation_error("source_key", _("证书来源标识不能为空，且不超过128个字符。"),
                               CertificateErrorCode.REQUIRED)
    if issuer_street is not None and issuer_community is not None:
        raise validation_error("issuer", _("颁发单位只能是一个街道或一个社区。"),
                               CertificateErrorCode.INVALID)
    existing = Certificate.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False

    issued_at = issued_at or timezone.now()
    printed = _snapshot_for(kind=kind, holder=holder, snapshot=snapshot,
                            issuer_street=issuer_street, issuer_community=issuer_community,
                            issued_at=issued_at, valid_until=valid_until)
    for _attempt in range(CODE_ATTEMPTS):
        code = generate_code()
        pdf = render_certificate_pdf(printed, display_code(code), verify_url(code))
        certificate = Certificate(
            kind=kind, holder=holder, source_key=source_key, code=code, snapshot=printed,
            issuer_street=issuer_street, issuer_community=issuer_community,
            issued_at=issued_at, valid_until=valid_until,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
        certificate.pdf.save(f"{code}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
                audit_log_record(actor=None, action="certificate.issue", obj=certificate,
                                 detail={"code": code, "kind": kind, "source_key": source_key})
                _notify_issued(certificate)
        except IntegrityError:
            certificate.pdf.delete(save=False)  # the loser's file, never referenced
            existing = Certificate.objects.filter(source_key=source_key).first()
            if existing is not None:
                return existing, False
            continue  # a code collision (49 bits: practically never): draw another
        return certificate, True
    raise RuntimeError("Could not draw an unused certificate code.")


def _notify_issued(certificate: Certificate) -> None:
    # In the issuing savepoint: the message goes out after commit, and only if it commits.
    title = str(certificate.snapshot.get("title") or "")
    code = display_code(certificate.code)
    notify(user=certificate.holder, kind=NotificationKind.CERTIFICATE_ISSUED,
           dedup_key=f"certificate:{certificate.pk}",
           title=_("您获得了一份新证书"),
           body=_("《%(title)s》证书已颁发，编号 %(code)s。点击查看并验证。")
           % {"title": title, "code": code},
           url=verify_url(certificate.code),
           data={"keywords": [title, code, str(certificate.snapshot.get("issuer_name") or "")],
                 "certificate_id": certificate.pk})


def demo_certificate_rerender(*, certificate: Certificate) -> bool:
    """Re-render a *demo* certificate whose printed link (verify URL and QR code) no longer
    matches PUBLIC_BASE_URL, e.g. after `make run HOST=... PORT=...`. Rendering is
    deterministic, so an unchanged PDF hashes the same and is left alone. Real certificates
    are never re-rendered: only those the demo seed issued (source key `demo:…`).
    Returns whether the PDF was replaced."""
    if not certificate.source_key.startswith(DEMO_SOURCE_PREFIX):
        raise ValueError("Only demo certificates are ever re-rendered.")
    pdf = render_certificate_pdf(certificate.snapshot, display_code(certificate.code),
                                 verify_url(certificate.code))
    digest = hashlib.sha256(pdf).hexdigest()
    if digest == certificate.pdf_sha256:
        return False
    old_name = certificate.pdf.name
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)
    certificate.pdf_sha256 = digest
    certificate.save(update_fields=["pdf", "pdf_sha256", "updated_at"])
    if old_name and old_name != certificate.pdf.name:
        certificate.pdf.storage.delete(old_name)
    return True


def certificate_issue_later(
    *, kind: str, holder, source_key: str, snapshot: dict,
    issuer_street: Street | None = None, issuer_community: Community | None = None,
    valid_until: date | None = None,
) -> None:
    """Queue `certificates.issue` after the caller's transaction commits (safe to repeat)."""
    enqueue_on_commit(
        issue_task, kind, holder.pk, source_key, snapshot,
        issuer_street.pk if issuer_street else None,
        issuer_community.pk if issuer_community else None,
        valid_until.isoformat() if valid_until else None,
    )


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke: the code and URL stay and now answer "revoked"; who, when, why recorded."""
    if not permissions.can_revoke_certificate(actor, certificate):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("请填写撤销原因。"), CertificateErrorCode.REQUIRED)
    if len(reason) > 500:
        raise validation_error("reason", _("撤销原因最多500个字符。"), CertificateErrorCode.INVALID)
    now = timezone.now()
    # Conditional update: of two simultaneous revocations exactly one changes the row.
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoke_reason=reason, updated_at=now)
    if not updated:
        raise validation_error("code", _("该证书已被撤销。"), CertificateErrorCode.ALREADY_REVOKED)
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = now, actor, reason
    audit_log_record(actor=actor, action="certificate.revoke", obj=certificate,
                     detail={"code": certificate.code, "reason": reason})
    return certificate


def _lookup_rate() -> tuple[int, int]:
    rates = cast(dict[str, str], settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}))
    rate = rates.get("lookup") or "30/min"
    number, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(number), seconds


def verification_lookup_allowed(*, client_ip: str | None) -> bool:
    """Count one public lookup for this client IP; False once over the rate (30/min).

    A fixed window in Django's cache (Redis in production, so shared by all processes).
    Codes are random, so this is what makes guessing them pointless.
    """
    limit, period = _lookup_rate()
    window = int(time.time() // period)
    key = f"certificates:lookup:{client_ip or 'unknown'}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count <= limit
