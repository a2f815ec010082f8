"""Credentials (health certificates, trainings): granting, recording, expiry alerts."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.core import crypto
from backend.core.errors import validation_error
from backend.core.formatting import date_zh
from backend.core.links import absolute_url
from backend.core.services import audit_log_record
from backend.core.validators import looks_like_id_number, validate_id_number
from backend.notifications import services as notification_services
from backend.notifications.models import NotificationKind
from backend.notifications.selectors import existing_dedup_keys

from .. import permissions, selectors
from ..error_codes import VolunteerErrorCode as Code
from ..models import Credential, CredentialType, Volunteer


def _clean_number(number: str) -> str:
    """A number shaped like a resident ID (many certificates carry the holder's) must be a
    valid one (GB 11643): a mistyped ID is caught at the desk, not on verification."""
    number = (number or "").strip()
    if not number:
        raise validation_error("number", _("请填写证件编号。"), Code.REQUIRED)
    if looks_like_id_number(number):
        try:
            validate_id_number(number)
        except ValidationError as exc:
            raise validation_error("number", exc.messages[0], Code.INVALID) from None
    return number


def _number_hash(number: str) -> str:
    return crypto.keyed_hash(crypto.normalise_code(number), purpose="code")


@transaction.atomic
def credential_grant(*, volunteer: Volunteer, type_code: str, number: str, valid_from: date,
                     valid_until: date | None, source: str = "",
                     verified_by: User | None = None) -> Credential:
    """Idempotent per volunteer + type + number (a course certificate issued twice grants
    one credential)."""
    ctype = CredentialType.objects.filter(code=type_code).first()
    if ctype is None:
        raise validation_error("type_code", _("没有这种资质类型：%(code)s。") % {"code": type_code},
                               Code.NOT_FOUND)
    number = _clean_number(number)
    if valid_until is not None and valid_until < valid_from:
        raise validation_error("valid_until", _("有效期不能早于生效日期。"), Code.INVALID_WINDOW)
    lookup = {"volunteer": volunteer, "type": ctype, "number_hash": _number_hash(number)}
    existing = Credential.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Credential.objects.create(
                volunteer=volunteer, type=ctype, number=number, valid_from=valid_from,
                valid_until=valid_until, source=source, verified_by=verified_by,
                verified_at=timezone.now() if verified_by else None)
    except IntegrityError:
        return Credential.objects.get(**lookup)


def credential_add(*, actor, volunteer: Volunteer, type_code: str, number: str,
                   valid_until: date | None, valid_from: date | None = None) -> Credential:
    if not permissions.can_manage_credentials(actor, volunteer):
        raise PermissionDenied
    credential = credential_grant(
        volunteer=volunteer, type_code=type_code, number=number,
        valid_from=valid_from or timezone.localdate(), valid_until=valid_until,
        source="coordinator", verified_by=actor)
    audit_log_record(actor=actor, action="credential.add", obj=credential,
                     detail={"volunteer_id": volunteer.pk, "type": type_code})
    return credential


def credential_update(*, actor, credential: Credential, valid_from: date, valid_until: date | None,
                      number: str, revoked_at=None, revoked_reason: str = "") -> Credential:
    """A coordinator's correction of a recorded credential (dates, number, revocation)."""
    if not permissions.can_manage_credentials(actor, credential.volunteer):
        raise PermissionDenied
    number = _clean_number(number)
    if valid_until is not None and valid_until < valid_from:
        raise validation_error("valid_until", _("有效期不能早于生效日期。"), Code.INVALID_WINDOW)
    credential.number, credential.valid_from, credential.valid_until = (
        number, valid_from, valid_until)
    credential.revoked_at, credential.revoked_reason = revoked_at, revoked_reason or ""
    credential.save()
    audit_log_record(actor=actor, action="credential.update", obj=credential,
                     detail={"volunteer_id": credential.volunteer_id})
    return credential


# Alert stages: (dedup suffix, first and last day before expiry it covers). A stage covers
# a range, not one day, so a day the beat missed is caught up the next day; the dedup key
# keeps it to one alert per credential and stage.
CREDENTIAL_ALERT_STAGES = (("30d", 8, 30), ("7d", 0, 7))


def credential_expiry_notify(*, today: date | None = None) -> int:
    """Tell volunteers their credential expires in 30 and again in 7 days; run daily,
    safe to run any number of times. Returns how many notifications were created."""
    today = today or timezone.localdate()
    created = 0
    for suffix, first, last in CREDENTIAL_ALERT_STAGES:
        credentials = list(selectors.credentials_expiring_between(
            today + timedelta(days=first), today + timedelta(days=last)))
        done = existing_dedup_keys(f"credential:{c.pk}:{suffix}" for c in credentials)
        for credential in credentials:
            key = f"credential:{credential.pk}:{suffix}"
            if key in done or credential.valid_until is None:  # the selector's filter
                continue
            left = (credential.valid_until - today).days
            until = date_zh(credential.valid_until)
            notification_services.notify(
                user=credential.volunteer.user, kind=NotificationKind.CREDENTIAL_EXPIRING,
                dedup_key=key, title=_("您的%(type)s即将到期") % {"type": credential.type.name},
                body=(_("您的%(type)s将于%(until)s到期（还有%(left)d天），"
                        "请及时办理续期并交给协调员登记。")
                      % {"type": credential.type.name, "until": until, "left": left}),
                url=absolute_url("page-credentials"),
                data={"keywords": [credential.type.name, until], "credential_id": credential.pk,
                      "days_left": left})
            created += 1
    return created
