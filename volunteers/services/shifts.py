"""Signing up for a shift: a place and a calendar entry, or neither; cancelling gives both
back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import services as account_services
from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import notifications as volunteer_notifications
from .. import permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import CommitmentKind, Shift, ShiftSignUp, SignUpStatus
from ..selectors import volunteer_for_user, volunteer_holds_skill
from .calendar import commitment_cancel, commitment_create


def shift_sign_up(*, actor, shift: Shift, consent_version: str | None = None) -> ShiftSignUp:
    """Take a place (conditional UPDATE ... WHERE taken < capacity) and put the shift in
    the volunteer's calendar; both or neither. Her consent to the current privacy notice
    is needed (recorded from `consent_version` when she has none)."""
    volunteer = volunteer_for_user(actor)
    if volunteer is None:
        raise PermissionDenied
    account_services.consent_ensure(actor=actor, user=actor, consent_version=consent_version)
    now = timezone.now()
    if (shift.cancelled_at is not None
            or (shift.signup_opens_at and now < shift.signup_opens_at)
            or (shift.signup_closes_at and now > shift.signup_closes_at)
            or now >= shift.starts_at):
        raise validation_error("shift_id", _("该班次不在报名时间内。"), Code.SIGNUP_CLOSED)
    skill = shift.required_skill
    if skill is not None and not volunteer_holds_skill(volunteer, skill.code,
                                                       at=shift.starts_at):
        raise validation_error("shift_id", _("该班次需要“%(skill)s”技能及有效资质。")
                               % {"skill": skill.name}, Code.LACKS_SKILL)
    with transaction.atomic():
        if ShiftSignUp.objects.filter(shift=shift, volunteer=volunteer,
                                      status=SignUpStatus.SIGNED_UP).exists():
            raise validation_error("shift_id", _("您已报名这个班次。"), Code.ALREADY_SIGNED_UP)
        taken = Shift.objects.filter(pk=shift.pk, taken__lt=F("capacity")) \
            .update(taken=F("taken") + 1)
        if not taken:
            raise validation_error("shift_id", _("这个班次已经满员。"), Code.SHIFT_FULL)
        try:
            with transaction.atomic():
                signup = ShiftSignUp.objects.create(shift=shift, volunteer=volunteer)
        except IntegrityError:
            raise validation_error("shift_id", _("您已报名这个班次。"),
                                   Code.ALREADY_SIGNED_UP) from None
        signup.commitment = commitment_create(
            volunteer=volunteer, starts_at=shift.starts_at, ends_at=shift.ends_at,
            kind=CommitmentKind.SHIFT, source_key=f"shift_signup:{signup.pk}",
            title=str(shift)[:200])
        signup.save(update_fields=["commitment", "updated_at"])
        shift.refresh_from_db(fields=["taken"])
        signup.shift = shift
        return signup


def _release(sign_up: ShiftSignUp) -> None:
    """Cancel one active sign-up: its place back, its calendar entry freed."""
    ShiftSignUp.objects.filter(pk=sign_up.pk).update(status=SignUpStatus.CANCELLED,
                                                     updated_at=timezone.now())
    sign_up.status = SignUpStatus.CANCELLED
    Shift.objects.filter(pk=sign_up.shift_id, taken__gt=0).update(taken=F("taken") - 1)
    if sign_up.commitment is not None:
        commitment_cancel(commitment=sign_up.commitment)


def shift_sign_up_cancel(*, actor, sign_up: ShiftSignUp, reason: str = "") -> ShiftSignUp:
    """The volunteer or a coordinator of her unit gives up her place. When a coordinator
    does it, she is told (shift_cancelled, once)."""
    if not permissions.can_cancel_shift_sign_up(actor, sign_up):
        raise PermissionDenied
    with transaction.atomic():
        current = (ShiftSignUp.objects.select_for_update(of=("self",))
                   .select_related("shift__event__community", "volunteer__user", "commitment")
                   .get(pk=sign_up.pk))
        if current.status == SignUpStatus.CANCELLED:
            raise validation_error("sign_up_id", _("这个报名已经取消了。"),
                                   Code.ALREADY_CANCELLED)
        _release(current)
        audit_log_record(actor=actor, action="shift_signup.cancel", obj=current,
                         detail={"shift_id": current.shift_id, "reason": (reason or "")[:200]})
        if not permissions.is_own(actor, current.volunteer):
            volunteer_notifications.shift_cancelled(current, (reason or "")[:200])
        current.shift.refresh_from_db(fields=["taken"])
        return current


def shift_cancel(*, actor, shift: Shift, reason: str = "") -> Shift:
    """Cancel a whole shift: every active sign-up is released and its volunteer told
    through the outbox (shift_cancelled, once each); no new sign-ups."""
    if not permissions.can_manage_shift(actor, shift):
        raise PermissionDenied
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        current = Shift.objects.select_for_update(of=("self",)).select_related(
            "event__community").get(pk=shift.pk)
        if current.cancelled_at is not None:
            raise validation_error("shift_id", _("这个班次已经取消了。"), Code.ALREADY_CANCELLED)
        current.cancelled_at = timezone.now()
        current.cancel_reason = reason
        current.save(update_fields=["cancelled_at", "cancel_reason"])
        signups = list(current.signups.filter(status=SignUpStatus.SIGNED_UP)
                       .select_related("volunteer__user", "commitment"))
        for signup in signups:
            signup.shift = current
            _release(signup)
            volunteer_notifications.shift_cancelled(signup, reason)
        audit_log_record(actor=actor, action="shift.cancel", obj=current,
                         detail={"reason": reason, "sign_ups": len(signups)})
        current.refresh_from_db(fields=["taken"])
        return current
