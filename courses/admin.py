import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from backend.accounts import permissions as account_permissions
from backend.accounts.models import Community, User
from backend.core import audit
from backend.core.admin_inlines import RoleScopedInlineMixin
from backend.core.masking import mask_phone
from backend.core.services import audit_log_record

from . import completion, permissions, selectors, services
from .models import (
    Choice,
    ClassSession,
    Course,
    CourseRun,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    Question,
    Quiz,
    Venue,
)


class CoordinatorAdminMixin:
    """Coordinators work here without Django model permissions: what they may see and edit
    is their unit (`unit_field`, a Community path); district admins see everything.
    Nothing here is ever deleted except by a superuser."""

    unit_field: str | None = None

    @staticmethod
    def _is_coordinator(request) -> bool:
        return permissions.can_use_course_admin(request.user)

    def has_module_permission(self, request):
        return self._is_coordinator(request)

    def has_view_permission(self, request, obj=None):
        return self._is_coordinator(request)

    def has_change_permission(self, request, obj=None):
        return self._is_coordinator(request)

    def has_add_permission(self, request, *args):
        return self._is_coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.unit_field is None or request.user.is_superuser:
            return qs
        return qs.filter(account_permissions.coordinated_community_filter(
            request.user, self.unit_field))


class CourseContentInlineMixin(RoleScopedInlineMixin):
    """Course content (lessons, questions, choices) is the district's: whoever may use the
    course admin edits it, as on the parent page."""

    def parent_allowed(self, user, parent) -> bool:
        return permissions.can_use_course_admin(user)


class LessonInline(CourseContentInlineMixin, admin.StackedInline):
    model = Lesson
    extra = 0
    fields = ("order", "title", "required", "body", "video_url", "attachment")


@admin.register(Course)
class CourseAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "audience", "published", "hours", "grants_credential_type")
    list_filter = ("audience", "published")
    search_fields = ("code", "title")
    inlines = [LessonInline]


class ChoiceInline(CourseContentInlineMixin, admin.TabularInline):
    model = Choice
    extra = 0
    fields = ("order", "text", "is_correct")


@admin.register(Question)
class QuestionAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    list_display = ("text", "quiz", "kind", "order")
    list_filter = ("kind", "quiz")
    search_fields = ("text",)
    inlines = [ChoiceInline]


class QuestionInline(CourseContentInlineMixin, admin.TabularInline):
    model = Question
    extra = 0
    fields = ("order", "text", "kind")
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    list_display = ("title", "course", "pass_mark", "max_attempts")
    search_fields = ("title", "course__title")
    list_select_related = ("course",)
    inlines = [QuestionInline]


def _communities_for(request):
    return Community.objects.select_related("street").filter(
        account_permissions.coordinated_community_filter(request.user, ""))


@admin.register(Venue)
class VenueAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    unit_field = "community"
    list_display = ("name", "address", "community")
    list_filter = ("community__street",)
    search_fields = ("name", "address", "community__name")
    list_select_related = ("community",)
    autocomplete_fields = ("community",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = _communities_for(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ClassSessionFormSet(BaseInlineFormSet):
    """On a new run, checks the run and its sessions as services.run_create will, so its
    refusals show here (above the sessions) instead of failing the save."""

    actor = None  # set per request by ClassSessionInline.get_formset

    def clean(self):
        super().clean()
        run = self.instance
        if run.pk is not None or any(self.errors) or None in (
                run.venue_id, run.starts_at, run.ends_at, run.capacity,
                run.enrollment_opens_at, run.enrollment_closes_at):
            return  # an edit, or the run's own form already shows what is missing
        try:
            services.run_create_check(
                actor=self.actor, venue=run.venue, starts_at=run.starts_at,
                ends_at=run.ends_at, capacity=run.capacity,
                enrollment_opens_at=run.enrollment_opens_at,
                enrollment_closes_at=run.enrollment_closes_at,
                sessions=_session_inputs(self), min_attendance_rate=run.min_attendance_rate)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        except PermissionDenied:
            raise forms.ValidationError(_("您没有开班的权限。")) from None


def _session_inputs(formset) -> list[services.SessionInput]:
    return [services.SessionInput(starts_at=f.cleaned_data["starts_at"],
                                  ends_at=f.cleaned_data["ends_at"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class ClassSessionInline(RoleScopedInlineMixin, admin.TabularInline):
    """A run's sessions, for the coordinators of the run's unit (permissions.can_manage_run);
    on a new run, for whoever may create runs (services.run_create checks the venue)."""

    model = ClassSession
    formset = ClassSessionFormSet
    extra = 0
    fields = ("starts_at", "ends_at")

    def parent_allowed(self, user, parent) -> bool:
        return permissions.can_manage_run(user, parent)

    def add_allowed(self, user) -> bool:
        return permissions.can_create_runs(user)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a new class per request
        formset.actor = request.user
        return formset


class CourseRunForm(forms.ModelForm):
    class Meta:
        model = CourseRun
        fields = ("course", "venue", "code", "instructors", "capacity", "enrollment_opens_at",
                  "enrollment_closes_at", "starts_at", "ends_at", "min_attendance_rate",
                  "require_quiz")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = _("留空则自动生成，例如 WX2612-03。")

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.enrolled_count:
            raise forms.ValidationError(
                _("已有 %(n)d 人报名，名额不能少于此数。") % {"n": self.instance.enrolled_count})
        return capacity


@admin.action(description=_lazy("导出花名册和出勤（CSV）"))
def export_roster_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="roster-{stamp}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 Chinese
    writer = csv.writer(response)
    for run in queryset.select_related("course"):
        sessions, enrollments, present = selectors.run_roster(run.pk)
        writer.writerow([run.code, run.course.title])
        writer.writerow([_("姓名"), _("用户名"), _("手机号"), _("状态"), _("候补位次"),
                         *[f"{timezone.localtime(s.starts_at):%m-%d %H:%M}" for s in sessions],
                         _("出勤率")])
        for e in enrollments:
            user = e.user
            phone = mask_phone(user.phone)
            if user.phone and account_permissions.can_view_personal_data(request.user, user):
                audit.personal_data_read(actor=request.user, subject=user, what="phone",
                                         why="admin:roster_export")
                phone = user.phone
            marks = ["✓" if (e.pk, s.pk) in present else "" for s in sessions]
            rate = f"{e.sessions_attended / e.sessions_total:.0%}" if e.sessions_total else ""
            position = e.waitlist_ahead + 1 if e.status == EnrollmentStatus.WAITLISTED else ""
            writer.writerow([str(user), user.username, phone, e.get_status_display(), position,
                             *marks, rate])
        writer.writerow([])
        audit_log_record(actor=request.user, action="courserun.export_roster", obj=run,
                         detail={"rows": len(enrollments), "format": "csv"})
    return response


@admin.register(CourseRun)
class CourseRunAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    unit_field = "venue__community"
    form = CourseRunForm
    list_display = ("code", "course", "venue", "starts_at", "capacity", "enrolled_count",
                    "seats_left_display", "certificates_progress")
    list_filter = ("street", "course", "starts_at")
    search_fields = ("code", "course__title", "venue__name")
    list_select_related = ("course", "venue")
    autocomplete_fields = ("instructors",)  # searched within the actor's units
    readonly_fields = ("enrolled_count",)
    inlines = [ClassSessionInline]
    actions = [export_roster_csv, "reissue_certificates"]
    date_hierarchy = "starts_at"

    @admin.display(description=_lazy("剩余名额"))
    def seats_left_display(self, obj):
        return obj.seats_left

    @admin.display(description=_lazy("证书发放进度"))
    def certificates_progress(self, obj):
        progress = completion.run_certificates_progress(obj.pk)
        if not progress:
            return "—"
        if progress["state"] == "finished":
            return _("已完成：%(issued)d 份证书（共 %(total)d 人）") % progress
        return _("进行中：%(done)d / %(total)d") % progress

    @admin.action(description=_lazy("检查结业条件并补发证书（后台运行）"))
    def reissue_certificates(self, request, queryset):
        run_ids = list(queryset.values_list("pk", flat=True))
        completion.run_certificates_reissue_start(actor=request.user, run_ids=run_ids)
        self.message_user(request, _("已在后台开始处理 %(n)d 个班期，刷新本页查看进度。")
                          % {"n": len(run_ids)}, messages.SUCCESS)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "venue" and not request.user.is_superuser:
            kwargs["queryset"] = Venue.objects.filter(
                account_permissions.coordinated_community_filter(request.user, "community"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "instructors" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(
                account_permissions.coordinated_community_filter(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request, *args):
        # New runs are made by services.run_create, whose rule this is.
        return permissions.can_create_runs(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            return  # created with its sessions in save_related, by services.run_create
        obj.street_id = obj.venue.community.street_id
        obj.community_id = obj.venue.community_id
        if not obj.code:
            obj.code = services.next_run_code(services.run_code_prefix(obj.course, obj.starts_at))
        super().save_model(request, obj, form, change)
        if "capacity" in form.changed_data:
            promoted = services.run_fill_from_waitlist(actor=request.user, run_id=obj.pk)
            if promoted:
                self.message_user(request, _("已从候补中递补 %(n)d 人。") % {"n": len(promoted)},
                                  messages.SUCCESS)


    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            return
        # A new run: the same service as the courseRunCreate mutation (code, audit entry).
        data = form.cleaned_data
        sessions = next((f for f in formsets if f.model is ClassSession), None)
        run = services.run_create(
            actor=request.user, course=data["course"], venue=data["venue"],
            starts_at=data["starts_at"], ends_at=data["ends_at"], capacity=data["capacity"],
            enrollment_opens_at=data["enrollment_opens_at"],
            enrollment_closes_at=data["enrollment_closes_at"],
            sessions=_session_inputs(sessions) if sessions is not None else [],
            min_attendance_rate=data["min_attendance_rate"], require_quiz=data["require_quiz"],
            instructors=data["instructors"], code=data["code"] or "")
        # The admin's change message, log entry and redirect read the form's instance and
        # the formsets' saved objects: point them at what the service created.
        obj = form.instance
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(run, field.attname))
        obj._state.adding, obj._state.db = False, run._state.db
        for formset in formsets:
            formset.new_objects = list(run.sessions.all()) if formset is sessions else []
            formset.changed_objects, formset.deleted_objects = [], []


@admin.register(Enrollment)
class EnrollmentAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    """Read-only list: statuses change through the services (enrol, cancel, complete)."""

    unit_field = "run__venue__community"
    list_display = ("user", "run", "status", "waitlist_seq", "enrolled_by", "created_at")
    list_filter = ("status", "run__street", "run")
    search_fields = ("user__username", "user__display_name", "run__code")
    list_select_related = ("user", "run__course", "enrolled_by")
    readonly_fields = ("run", "user", "status", "waitlist_seq", "enrolled_by", "cancelled_at",
                       "completed_at", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request, *args):
        return False
