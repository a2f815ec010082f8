"""Signing up for a shift: a place and a calendar entry, or neither; cancelling gives both
back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import notifications as volunteer_notifications
from .. import permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import CommitmentKind, Shift, ShiftSignUp, SignUpStatus
from ..selectors import volunteer_for_user, volunteer_holds_skill
from .calendar import commitment_cancel, commitment_create


def shift_sign_up(*, actor, shift: Shift) -> ShiftSignUp:
    """Take a place (conditional UPDATE ... WHERE taken < capacity) and put the shift in
    the volunteer's calendar; both or neither."""
    volunteer = volunteer_for_user(actor)
    if volunteer is None:
        raise PermissionDenied
    now = timezone.now()
    if ((shift.signup_opens_at and now < shift.signup_opens_at)
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


def shift_sign_up_cancel(*, actor, sign_up: ShiftSignUp, reason: str = "") -> ShiftSignUp:
    """The volunteer (or a coordinator of their unit) gives the place back: the sign-up is
    CANCELLED by a conditional UPDATE (so two cancels free one place), the place and the
    calendar time are freed in the same transaction. The volunteer is told only when
    someone else cancelled for them."""
    if not permissions.can_cancel_shift_sign_up(actor, sign_up):
        raise PermissionDenied
    with transaction.atomic():
        cancelled = ShiftSignUp.objects.filter(
            pk=sign_up.pk, status=SignUpStatus.SIGNED_UP).update(
            status=SignUpStatus.CANCELLED, updated_at=timezone.now())
        if not cancelled:
            raise validation_error("sign_up_id", _("这个班次报名已经取消过了。"),
                                   Code.ALREADY_CANCELLED)
        Shift.objects.filter(pk=sign_up.shift_id, taken__gt=0).update(taken=F("taken") - 1)
        sign_up = (ShiftSignUp.objects
                   .select_related("shift__event__community", "commitment", "volunteer__user",
                                   "volunteer__community")
                   .get(pk=sign_up.pk))
        if sign_up.commitment is not None:
            commitment_cancel(commitment=sign_up.commitment)
        audit_log_record(actor=actor, action="shift_signup.cancel", obj=sign_up,
                         detail={"shift_id": sign_up.shift_id, "reason": (reason or "")[:200]})
        if not permissions.is_own(actor, sign_up.volunteer):
            volunteer_notifications.shift_sign_up_cancelled(sign_up, reason=reason or "")
        return sign_up
