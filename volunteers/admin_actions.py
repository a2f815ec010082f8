"""Admin actions for the coordinators' desk that need a reason: decline service hours,
cancel shift sign-ups or whole shifts; and the shift and sign-up lists they run on. Each
action asks for the reason on an intermediate page, then calls the service per row;
refusals are reported, not raised."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import Shift, ShiftSignUp


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200,
                             widget=forms.TextInput(attrs={"size": 60}))


def _with_reason(model_admin, request, queryset, *, action, intro, submit_label, apply):
    """Ask for the reason, then apply(obj, reason) to each selected row."""
    objects = list(queryset)
    if request.POST.get("apply"):
        form = ReasonForm(request.POST)
        if form.is_valid():
            done, refused = 0, []
            for obj in objects:
                try:
                    apply(obj, form.cleaned_data["reason"])
                    done += 1
                except PermissionDenied:
                    refused.append(f"{obj}：{_('不在您管辖的范围内')}")
                except ValidationError as exc:
                    refused.append(f"{obj}：{'；'.join(exc.messages)}")
            if done:
                messages.success(request, _("已处理 %(n)d 条。") % {"n": done})
            for line in refused:
                messages.warning(request, line)
            return None
    else:
        form = ReasonForm()
    context = {**model_admin.admin_site.each_context(request), "form": form,
               "objects": objects, "action": action, "intro": intro,
               "submit_label": submit_label, "opts": model_admin.model._meta,
               "title": submit_label}
    return TemplateResponse(request, "admin/volunteers/action_reason.html", context)


@admin.action(description=gettext_lazy("不通过所选服务时长（填写原因）"))
def decline_hours(model_admin, request, queryset):
    return _with_reason(
        model_admin, request, queryset.select_related("volunteer__community"),
        action="decline_hours", intro=_("以下服务时长将不通过审核，志愿者会收到通知和原因："),
        submit_label=_("确认不通过"),
        apply=lambda entry, reason: services.service_hours_review(
            actor=request.user, entry=entry, approve=False, reason=reason))


@admin.action(description=gettext_lazy("取消所选报名（填写原因，通知志愿者）"))
def cancel_sign_ups(model_admin, request, queryset):
    return _with_reason(
        model_admin, request, queryset.select_related("volunteer__user", "shift__event"),
        action="cancel_sign_ups", intro=_("以下报名将被取消，志愿者会收到通知："),
        submit_label=_("确认取消报名"),
        apply=lambda signup, reason: services.shift_sign_up_cancel(
            actor=request.user, sign_up=signup, reason=reason))


@admin.action(description=gettext_lazy("取消所选班次（填写原因，通知已报名的志愿者）"))
def cancel_shifts(model_admin, request, queryset):
    return _with_reason(
        model_admin, request, queryset.select_related("event__community"),
        action="cancel_shifts", intro=_("以下班次将整体取消，已报名的志愿者都会收到通知："),
        submit_label=_("确认取消班次"),
        apply=lambda shift, reason: services.shift_cancel(
            actor=request.user, shift=shift, reason=reason))


def register(site, scoped_admin) -> None:
    """Register the shift and sign-up lists on `site`, scoped like the rest of the roster
    (`scoped_admin` is admin.UnitScopedAdmin; passed in to avoid a circular import)."""

    class ShiftAdmin(scoped_admin):
        unit_field = "event__community"
        list_display = ("__str__", "starts_at", "ends_at", "capacity", "taken", "cancelled_at")
        list_filter = ("event__community__street",)
        list_select_related = ("event",)
        search_fields = ("title", "event__title")
        readonly_fields = ("taken", "cancelled_at", "cancel_reason")
        actions = [cancel_shifts]

        def has_add_permission(self, request):
            return False  # shifts are added on their event

    class ShiftSignUpAdmin(scoped_admin):
        unit_field = "volunteer__community"
        list_display = ("volunteer", "shift", "status", "created_at")
        list_filter = ("status",)
        list_select_related = ("volunteer__user", "shift__event")
        search_fields = ("volunteer__user__display_name", "shift__event__title")
        readonly_fields = ("shift", "volunteer", "status", "commitment")
        actions = [cancel_sign_ups]

        def has_add_permission(self, request):
            return False  # volunteers sign up through shiftSignUp

    site.register(Shift, ShiftAdmin)
    site.register(ShiftSignUp, ShiftSignUpAdmin)
