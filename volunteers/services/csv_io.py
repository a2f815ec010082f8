"""CSV import and export of the roster (the admin's actions)."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backend.accounts import services as account_services
from backend.accounts.models import Community, User
from backend.core.services import audit_log_record

from .. import candidates, permissions, report_selectors
from ..models import Skill, VolunteerSkill, VolunteerStatus
from .roster import volunteer_create

CSV_COLUMNS = ["username", "display_name", "phone", "community", "skills", "status"]


def _parse_skills(text: str, known: dict[str, Skill]) -> list[tuple[Skill, int]]:
    result = []
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        code, _sep, level = part.partition(":")
        skill = known.get(code.strip())
        if skill is None:
            raise ValueError(_("未知技能“%(code)s”") % {"code": code})
        level_value = int(level or 1)
        if not 1 <= level_value <= 3:
            raise ValueError(_("技能等级应为1到3"))
        result.append((skill, level_value))
    return result


def volunteers_import_csv(*, actor, content: str) -> dict:
    """Validate every row, then import all of them or none. Returns
    {"created": n, "rejected": [(line, message), ...]}."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return {"created": 0, "rejected": [(1, _("缺少列：%(cols)s") % {
            "cols": ", ".join(missing)})]}
    communities = {c.name: c for c in Community.objects.select_related("street")}
    skills = {s.code: s for s in Skill.objects.all()}
    existing = {u.lower() for u in User.objects.values_list("username", flat=True)}
    seen: set[str] = set()
    parsed, rejected = [], []
    for line, row in enumerate(reader, start=2):
        try:
            username = (row["username"] or "").strip()
            if not username:
                raise ValueError(_("缺少用户名"))
            if username.lower() in existing or username.lower() in seen:
                raise ValueError(_("用户名已存在"))
            community = communities.get((row["community"] or "").strip())
            if community is None:
                raise ValueError(_("未知社区"))
            if not permissions.can_manage_roster(actor, community):
                raise ValueError(_("不在您管辖的范围内"))
            status = (row["status"] or VolunteerStatus.ACTIVE).strip().upper()
            if status not in VolunteerStatus.values:
                raise ValueError(_("状态不正确"))
            phone = (row["phone"] or "").strip()
            if phone:
                account_services._validate_phone(phone)
            parsed.append((username, (row["display_name"] or "").strip(), phone, community,
                           status, _parse_skills(row["skills"], skills)))
            seen.add(username.lower())
        except ValidationError:
            rejected.append((line, _("手机号格式不正确")))
        except ValueError as exc:
            rejected.append((line, str(exc)))
    if rejected:
        return {"created": 0, "rejected": rejected}
    with transaction.atomic():
        for username, display_name, phone, community, status, skill_levels in parsed:
            user = account_services.user_create(
                username=username, password=None, display_name=display_name, phone=phone,
                community=community)
            volunteer = volunteer_create(user=user, community=community, status=status)
            VolunteerSkill.objects.bulk_create([
                VolunteerSkill(volunteer=volunteer, skill=skill, level=level)
                for skill, level in skill_levels])
            # bulk_create sends no signals: the candidate table is told here.
            candidates.volunteers_changed([volunteer.pk])
        audit_log_record(actor=actor, action="volunteer.import",
                         object_type="volunteers.volunteer", detail={"created": len(parsed)})
    return {"created": len(parsed), "rejected": []}


def volunteers_export_csv(*, actor, queryset) -> str:
    """Export with masked phones; the export itself is recorded in the audit log."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report_selectors.VOLUNTEERS_EXPORT_COLUMNS)
    rows = 0
    for row in report_selectors.volunteers_export_rows(queryset):
        writer.writerow(row)
        rows += 1
    audit_log_record(actor=actor, action="volunteer.export", object_type="volunteers.volunteer",
                     detail={"rows": rows})
    return out.getvalue()
