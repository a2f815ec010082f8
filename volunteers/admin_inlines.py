"""The volunteer page's inlines (skills, credentials, weekly availability) and how their
edits are saved: through the roster services, never by the formset itself, so derived data
(the hour mask matching reads) and the audit log follow every admin edit.

Who sees and edits them is the parent's rule (permissions.coordinates_volunteer), through
backend.core.admin_inlines.RoleScopedInlineMixin.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from backend.core.admin_inlines import RoleScopedInlineMixin

from . import permissions, services
from .models import AvailabilityRule, Credential, VolunteerSkill
from .services.availability import MAX_AVAILABILITY_RULES


class VolunteerInlineMixin(RoleScopedInlineMixin):
    def parent_allowed(self, user, parent) -> bool:
        return permissions.coordinates_volunteer(user, parent)


class VolunteerSkillInline(VolunteerInlineMixin, admin.TabularInline):
    model = VolunteerSkill
    extra = 0
    fields = ("skill", "level", "verified_by", "verified_at")
    readonly_fields = ("verified_by", "verified_at")


class CredentialInline(VolunteerInlineMixin, admin.TabularInline):
    model = Credential
    extra = 0
    can_delete = False  # a credential is revoked (with a reason), never deleted
    fields = ("type", "number", "valid_from", "valid_until", "revoked_at", "revoked_reason")


class AvailabilityFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(kept) > MAX_AVAILABILITY_RULES:
            raise forms.ValidationError(
                _("可服务时间最多%(n)d条。") % {"n": MAX_AVAILABILITY_RULES})


class AvailabilityInline(VolunteerInlineMixin, admin.TabularInline):
    model = AvailabilityRule
    formset = AvailabilityFormSet
    extra = 0
    fields = ("weekday", "start_time", "end_time", "valid_from", "valid_until")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "weekday":
            return forms.TypedChoiceField(
                label=db_field.verbose_name, coerce=int,
                choices=[(n, "周" + "一二三四五六日"[n - 1]) for n in range(1, 8)])
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def _kept_forms(formset):
    return [f for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
            and (f.instance.pk is not None or f.has_changed())]


def _save_availability(actor, volunteer, formset):
    rules = [{key: f.cleaned_data.get(key) for key in
              ("weekday", "start_time", "end_time", "valid_from", "valid_until")}
             for f in _kept_forms(formset)]
    services.availability_set(actor=actor, volunteer=volunteer, rules=rules)


def _save_skills(actor, volunteer, formset):
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue
        if data.get("DELETE") and form.instance.pk is not None:
            services.volunteer_skill_remove(actor=actor, volunteer=volunteer,
                                            skill_code=form.instance.skill.code)
        elif not data.get("DELETE") and form.has_changed():
            if form.instance.pk is not None and "skill" in form.changed_data:
                services.volunteer_skill_remove(
                    actor=actor, volunteer=volunteer,
                    skill_code=VolunteerSkill.objects.get(pk=form.instance.pk).skill.code)
            services.volunteer_skill_set(actor=actor, volunteer=volunteer,
                                         skill_code=data["skill"].code, level=data["level"],
                                         verified_by=actor)


def _save_credentials(actor, volunteer, formset):
    for form in formset.forms:
        data = form.cleaned_data
        if not data or not form.has_changed():
            continue
        if form.instance.pk is None:
            credential = services.credential_add(
                actor=actor, volunteer=volunteer, type_code=data["type"].code,
                number=data["number"], valid_from=data.get("valid_from"),
                valid_until=data.get("valid_until"))
            if data.get("revoked_at") or data.get("revoked_reason"):
                form.instance = credential
            else:
                continue
        services.credential_update(
            actor=actor, credential=form.instance, number=data["number"],
            valid_from=data.get("valid_from") or form.instance.valid_from,
            valid_until=data.get("valid_until"), revoked_at=data.get("revoked_at"),
            revoked_reason=data.get("revoked_reason", ""))


SAVERS = {AvailabilityRule: _save_availability, VolunteerSkill: _save_skills,
          Credential: _save_credentials}


def save_roster_formset(request, formset) -> bool:
    """Save one of the volunteer page's formsets through the services; False when the
    formset is not one of them. The admin's change message reads the formset's lists."""
    saver = SAVERS.get(formset.model)
    if saver is None:
        return False
    saver(request.user, formset.instance, formset)
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    return True
