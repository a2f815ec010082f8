from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community, User
from backend.accounts.permissions import coordinated_community_filter, is_coordinator
from backend.core.admin_inlines import RoleScopedInlineMixin

from . import admin_actions, admin_board, permissions, services
from .admin_inlines import (
    AvailabilityInline,
    CredentialInline,
    VolunteerSkillInline,
    save_roster_formset,
)
from .admin_search import availability_search_view
from .admin_week import week_grid_context
from .models import (
    EXPIRING_DAYS,
    Commitment,
    CredentialType,
    Event,
    HoursStatus,
    Offer,
    ServiceHours,
    ServiceRequest,
    Shift,
    Skill,
    TimeOff,
    Volunteer,
)


class UnitScopedAdmin(admin.ModelAdmin):
    """Coordinators see only their unit's rows; `unit_field` is the Community FK path."""

    unit_field = "community"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(coordinated_community_filter(request.user, self.unit_field))

    # Coordinators work in the admin without model permissions; get_queryset limits them
    # to their unit, and anything beyond plain edits goes through the services.
    def _coordinator(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or is_coordinator(user))

    def has_module_permission(self, request):
        return self._coordinator(request)

    def has_view_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_change_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_add_permission(self, request):
        return self._coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Pickers list only the actor's units: people, communities and volunteers.
        if not request.user.is_superuser:
            scoped = {User: ("community", User), Community: ("", Community),
                      Volunteer: ("community", Volunteer)}.get(db_field.related_model)
            if scoped is not None:
                field, model = scoped
                kwargs["queryset"] = model.objects.filter(
                    coordinated_community_filter(request.user, field))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another unit's row answers 404 (not Django's redirect to the index with a message),
        # the same as a row that does not exist.
        raise Http404


@admin.register(CredentialType)
class CredentialTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "validity_months", "granted_by_course_completion")
    search_fields = ("code", "name")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "credential_type")
    search_fields = ("code", "name")
    list_select_related = ("credential_type",)


class CredentialStatusFilter(admin.SimpleListFilter):
    title = _("资质状态")
    parameter_name = "credential"

    def lookups(self, request, model_admin):
        return [("expired", _("有已过期资质")), ("expiring", _("有30天内到期资质")),
                ("expiring60", _("有60天内到期资质")), ("expiring90", _("有90天内到期资质")),
                ("none", _("无资质"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "expired":
            return queryset.filter(credentials__valid_until__lt=today,
                                   credentials__revoked_at__isnull=True).distinct()
        # The dashboard links its 30/60/90-day counts here.
        days = {"expiring": EXPIRING_DAYS, "expiring60": 60, "expiring90": 90}.get(self.value())
        if days is not None:
            return queryset.filter(
                credentials__valid_until__gte=today,
                credentials__valid_until__lte=today + timedelta(days=days),
                credentials__revoked_at__isnull=True).distinct()
        if self.value() == "none":
            return queryset.filter(credentials__isnull=True)
        return queryset


def last_calendar_year() -> tuple:
    year = timezone.localdate().year - 1
    return date(year, 1, 1), date(year, 12, 31)


def _date_input() -> forms.DateInput:
    # <input type="date"> takes ISO dates whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CertificatePeriodForm(forms.Form):
    period_start = forms.DateField(label=_("证明期间开始"), widget=_date_input())
    period_end = forms.DateField(label=_("证明期间结束"), widget=_date_input())


class VolunteerAdminForm(forms.ModelForm):
    """The person and the community come from pickers limited to the actor's units; the
    rule itself is permissions.can_enroll_volunteer, checked here to show it beside the
    field and again by services.volunteer_create."""

    actor = None  # set per request by VolunteerAdmin.get_form

    class Meta:
        model = Volunteer
        fields = ("user", "community", "status", "joined_on", "dispatch_consent")

    def clean(self):
        data = super().clean()
        user, community = data.get("user"), data.get("community")
        if self.instance.pk is None and user is not None and community is not None and (
                not permissions.can_enroll_volunteer(self.actor, user, community)):
            self.add_error("user", _("只能登记您所管辖社区的居民。"))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 文件（UTF-8）"),
                           help_text="username, display_name, phone, community, skills "
                                     "(haircut:2;plumbing:1), status")


@admin.register(Volunteer)
class VolunteerAdmin(UnitScopedAdmin):
    list_display = ("__str__", "masked_phone", "community", "status", "skill_list", "joined_on")
    list_filter = ("status", "community__street", "community", "skills__skill",
                   CredentialStatusFilter)
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "community")
    form = VolunteerAdminForm
    autocomplete_fields = ("user", "community")
    inlines = [VolunteerSkillInline, CredentialInline, AvailabilityInline]
    actions = ["export_csv", "issue_service_hours_certificates"]
    change_list_template = "admin/volunteers/volunteer/change_list.html"
    change_form_template = "admin/volunteers/volunteer/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ("user",) if obj is not None else ()  # a roster entry's person never changes

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.volunteer_update(
                actor=request.user, volunteer=obj, community=data["community"],
                status=data["status"], joined_on=data["joined_on"],
                dispatch_consent=data["dispatch_consent"])
            return
        created = services.volunteer_create(
            actor=request.user, user=data["user"], community=data["community"],
            status=data["status"], joined_on=data["joined_on"],
            dispatch_consent=data["dispatch_consent"])
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding, obj._state.db = False, created._state.db

    def save_formset(self, request, form, formset, change):
        if not save_roster_formset(request, formset):
            super().save_formset(request, form, formset, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        volunteer = self.get_object(request, object_id)
        if volunteer is not None:
            extra_context = {**(extra_context or {}),
                             **week_grid_context(volunteer, request.GET.get("week"))}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("skills__skill")

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        return obj.user.phone_masked

    @admin.display(description=_("技能"))
    def skill_list(self, obj):
        return "、".join(f"{s.skill.name}{s.level}级" for s in obj.skills.all())

    @admin.action(description=_("导出所选志愿者（CSV，手机号脱敏，记入审计日志）"))
    def export_csv(self, request, queryset):
        content = services.volunteers_export_csv(actor=request.user, queryset=queryset)
        response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="volunteers.csv"'
        return response

    @admin.action(description=_("开具志愿服务证明"))
    def issue_service_hours_certificates(self, request, queryset):
        """Ask for the period (default: last calendar year), then issue through the service
        for each selected volunteer; refusals are reported, not raised."""
        volunteers = list(queryset.select_related("user", "community__street"))
        if request.POST.get("apply"):
            form = CertificatePeriodForm(request.POST)
            if form.is_valid():
                start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
                issued, refused = 0, []
                for volunteer in volunteers:
                    try:
                        services.service_hours_certificate_issue(
                            actor=request.user, volunteer=volunteer, period_start=start,
                            period_end=end)
                        issued += 1
                    except PermissionDenied:
                        refused.append(f"{volunteer}：{_('不在您管辖的范围内')}")
                    except ValidationError as exc:
                        refused.append(f"{volunteer}：{'；'.join(exc.messages)}")
                if issued:
                    messages.success(request, _("已开具 %(n)d 份志愿服务证明。") % {"n": issued})
                for line in refused:
                    messages.warning(request, line)
                return None
        else:
            start, end = last_calendar_year()
            form = CertificatePeriodForm(initial={"period_start": start, "period_end": end})
        context = {**self.admin_site.each_context(request), "form": form,
                   "volunteers": volunteers, "opts": self.model._meta,
                   "title": _("开具志愿服务证明")}
        return TemplateResponse(
            request, "admin/volunteers/volunteer/issue_certificates.html", context)

    def get_urls(self):
        search = self.admin_site.admin_view(lambda request: availability_search_view(self, request))
        return [path("import/", self.admin_site.admin_view(self.import_view),
                     name="volunteers_volunteer_import"),
                path("available/", search, name="volunteers_volunteer_available"),
                *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            content = form.cleaned_data["file"].read().decode("utf-8", errors="replace")
            report = services.volunteers_import_csv(actor=request.user, content=content)
            if not report["rejected"]:
                messages.success(request, _("已导入 %(n)d 名志愿者。") % {"n": report["created"]})
                return redirect("admin:volunteers_volunteer_changelist")
            messages.error(request, _("有 %(n)d 行未通过校验，本次没有导入任何数据。")
                           % {"n": len(report["rejected"])})
        context = {**self.admin_site.each_context(request), "form": form, "report": report,
                   "opts": self.model._meta, "title": _("导入志愿者")}
        return TemplateResponse(request, "admin/volunteers/volunteer/import.html", context)


@admin.register(TimeOff)
class TimeOffAdmin(UnitScopedAdmin):
    unit_field = "volunteer__community"
    list_display = ("volunteer", "starts_at", "ends_at", "reason")
    list_select_related = ("volunteer__user",)
    search_fields = ("volunteer__user__display_name",)
    raw_id_fields = ("volunteer",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.time_off_add(  # its rule: can_manage_availability
            actor=request.user, volunteer=obj.volunteer, starts_at=obj.starts_at,
            ends_at=obj.ends_at, reason=obj.reason)
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db


@admin.register(Commitment)
class CommitmentAdmin(UnitScopedAdmin):
    unit_field = "volunteer__community"
    list_display = ("volunteer", "title", "kind", "status", "starts_at", "ends_at")
    list_filter = ("kind", "status")
    list_select_related = ("volunteer__user",)
    search_fields = ("volunteer__user__display_name", "source_key")
    readonly_fields = ("volunteer", "starts_at", "ends_at", "kind", "status", "source_key")
    date_hierarchy = "starts_at"

    def has_add_permission(self, request):
        return False  # through services.commitment_create, which keeps the calendar


class OfferInline(RoleScopedInlineMixin, admin.TabularInline):
    """The dispatch timeline: who was offered the job, who accepted, declined (and why) or
    let it expire. Read-only: answers come from the volunteers."""

    model = Offer
    extra = 0
    read_only = True
    fields = ("volunteer", "status", "created_at", "expires_at", "responded_at", "reason",
              "score")
    readonly_fields = fields
    ordering = ("id",)

    def parent_allowed(self, user, parent) -> bool:
        return permissions.can_dispatch(user, parent.community)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer__user")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(UnitScopedAdmin):
    list_display = ("skill", "community", "starts_at", "status", "external_ref")
    list_filter = ("status", "skill", "community__street")
    list_select_related = ("skill", "community")
    search_fields = ("external_ref",)  # the address is encrypted at rest: not searchable
    readonly_fields = ("skill", "min_level", "starts_at", "ends_at", "community", "status",
                       "created_by", "requested_volunteer", "external_ref")
    inlines = [OfferInline]
    change_list_template = "admin/volunteers/servicerequest/change_list.html"

    def has_add_permission(self, request):
        return False  # dispatch goes through services.dispatch_create (the board creates)

    def get_urls(self):
        return [*admin_board.board_urls(self), *super().get_urls()]


class ShiftInline(RoleScopedInlineMixin, admin.TabularInline):
    model = Shift
    extra = 0
    fields = ("title", "starts_at", "ends_at", "required_skill", "capacity", "taken",
              "signup_opens_at", "signup_closes_at")
    readonly_fields = ("taken",)

    def parent_allowed(self, user, parent) -> bool:
        return permissions.can_manage_roster(user, parent.community)


@admin.register(Event)
class EventAdmin(UnitScopedAdmin):
    list_display = ("title", "community", "place", "starts_at")
    list_filter = ("community__street",)
    search_fields = ("title", "place")
    autocomplete_fields = ("community",)
    inlines = [ShiftInline]


@admin.register(ServiceHours)
class ServiceHoursAdmin(UnitScopedAdmin):
    """The review queue: filter by status (default pending) and approve or decline."""

    unit_field = "volunteer__community"
    list_display = ("volunteer", "hours", "served_on", "status", "note", "reviewed_by")
    list_filter = ("status", "volunteer__community__street")
    list_select_related = ("volunteer__user", "reviewed_by")
    search_fields = ("volunteer__user__display_name",)
    readonly_fields = ("commitment", "volunteer", "hours", "served_on", "note", "status",
                       "logged_by", "reviewed_by", "reviewed_at", "review_reason")
    actions = ["approve", admin_actions.decline_hours]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # hours are never deleted, only declined

    def changelist_view(self, request, extra_context=None):
        if "status__exact" not in request.GET and not request.GET.get("_changelist_filters"):
            query = request.GET.copy()
            query["status__exact"] = HoursStatus.PENDING
            request.GET = query
            request.META["QUERY_STRING"] = query.urlencode()
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("通过所选服务时长"))
    def approve(self, request, queryset):
        done = 0
        for entry in queryset.select_related("volunteer__community"):
            try:
                services.service_hours_review(actor=request.user, entry=entry, approve=True)
                done += 1
            except (ValidationError, PermissionDenied):
                continue
        messages.success(request, _("已通过 %(n)d 条。") % {"n": done})


admin_actions.register(admin.site, UnitScopedAdmin)
