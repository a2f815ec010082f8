"""Who is on the roster and what they can do."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import services as account_services
from backend.accounts.models import Community, Role, User
from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from ..error_codes import VolunteerErrorCode as Code
from ..models import Skill, Volunteer, VolunteerSkill, VolunteerStatus


@transaction.atomic
def volunteer_create(
    *, user: User, community: Community, status: str = VolunteerStatus.ACTIVE,
    joined_on: date | None = None, dispatch_consent: bool = True, actor=None,
) -> Volunteer:
    if Volunteer.objects.filter(user=user).exists():
        raise validation_error("user", _("该用户已是志愿者。"), Code.ALREADY_VOLUNTEER)
    volunteer = Volunteer.objects.create(
        user=user, community=community, status=status,
        joined_on=joined_on or timezone.localdate(), dispatch_consent=dispatch_consent)
    account_services.role_assign(user=user, role=Role.VOLUNTEER)
    if actor is not None:
        audit_log_record(actor=actor, action="volunteer.create", obj=volunteer)
    return volunteer


def volunteer_skill_set(*, volunteer: Volunteer, skill_code: str, level: int = 1,
                        verified_by: User | None = None) -> VolunteerSkill:
    skill = Skill.objects.filter(code=skill_code).first()
    if skill is None:
        raise validation_error("skill", _("没有这项技能：%(code)s。") % {"code": skill_code},
                               Code.NOT_FOUND)
    if not 1 <= int(level) <= 3:
        raise validation_error("level", _("技能等级应为1到3。"), Code.INVALID)
    entry, _created = VolunteerSkill.objects.update_or_create(
        volunteer=volunteer, skill=skill,
        defaults={"level": level, "verified_by": verified_by,
                  "verified_at": timezone.now() if verified_by else None})
    return entry
