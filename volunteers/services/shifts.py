"""Signing up for a shift: a place and a calendar entry, or neither."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error

from ..error_codes import VolunteerErrorCode as Code
from ..models import CommitmentKind, Shift, ShiftSignUp, SignUpStatus
from ..selectors import volunteer_for_user, volunteer_holds_skill
from .calendar import commitment_create


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
