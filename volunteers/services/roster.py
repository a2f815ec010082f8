"""Who is on the roster and what they can do."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import services as account_services
from backend.accounts.models import Community, Role, User
from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import permissions
from ..error_codes import VolunteerErrorCode as Code
from ..models import Skill, Volunteer, VolunteerSkill, VolunteerStatus


@transaction.atomic
def volunteer_create(
    *, user: User, community: Community, status: str = VolunteerStatus.ACTIVE,
    joined_on: date | None = None, dispatch_consent: bool = True, actor=None,
) -> Volunteer:
    """`actor` None is the system (demo data, the CSV import after its own unit check);
    a person must pass can_enroll_volunteer for both the user and the community."""
    if actor is not None and not permissions.can_enroll_volunteer(actor, user, community):
        raise PermissionDenied
    if Volunteer.objects.filter(user=user).exists():
        raise validation_error("user", _("该用户已是志愿者。"), Code.ALREADY_VOLUNTEER)
    volunteer = Volunteer.objects.create(
        user=user, community=community, status=status,
        joined_on=joined_on or timezone.localdate(), dispatch_consent=dispatch_consent)
    account_services.role_assign(user=user, role=Role.VOLUNTEER)
    if actor is not None:
        audit_log_record(actor=actor, action="volunteer.create", obj=volunteer)
    return volunteer


@transaction.atomic
def volunteer_update(*, actor, volunteer: Volunteer, community: Community | None = None,
                     status: str | None = None, joined_on: date | None = None,
                     dispatch_consent: bool | None = None, user: User | None = None
                     ) -> Volunteer:
    """Edit a roster entry. Its person never changes (a new entry is a new volunteer); a
    new community must be one the actor coordinates too."""
    if not permissions.coordinates_volunteer(actor, volunteer):
        raise PermissionDenied
    if user is not None and user.pk != volunteer.user_id:
        raise PermissionDenied
    if community is not None and community.pk != volunteer.community_id:
        if not permissions.can_manage_roster(actor, community):
            raise PermissionDenied
        volunteer.community = community
    if status is not None:
        volunteer.status = status
    if joined_on is not None:
        volunteer.joined_on = joined_on
    if dispatch_consent is not None:
        volunteer.dispatch_consent = dispatch_consent
    volunteer.save()
    audit_log_record(actor=actor, action="volunteer.update", obj=volunteer)
    return volunteer


def volunteer_skill_set(*, volunteer: Volunteer, skill_code: str, level: int = 1,
                        verified_by: User | None = None, actor=None) -> VolunteerSkill:
    if actor is not None and not permissions.can_manage_credentials(actor, volunteer):
        raise PermissionDenied
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


def volunteer_skill_remove(*, actor, volunteer: Volunteer, skill_code: str) -> None:
    if not permissions.can_manage_credentials(actor, volunteer):
        raise PermissionDenied
    VolunteerSkill.objects.filter(volunteer=volunteer, skill__code=skill_code).delete()
