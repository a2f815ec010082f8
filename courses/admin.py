import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from backend.accounts import permissions as account_permissions
from backend.accounts.models import Community
from backend.core.masking import mask_phone
from backend.core.services import audit_log_record, enqueue_on_commit

from . import completion, permissions, selectors, services, tasks
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


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    fields = ("order", "title", "required", "body", "video_url", "attachment")


@admin.register(Course)
class CourseAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "audience", "published", "hours", "grants_credential_type")
    list_filter = ("audience", "published")
    search_fields = ("code", "title")
    inlines = [LessonInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ("order", "text", "is_correct")


@admin.register(Question)
class QuestionAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    list_display = ("text", "quiz", "kind", "order")
    list_filter = ("kind", "quiz")
    search_fields = ("text",)
    inlines = [ChoiceInline]


class QuestionInline(admin.TabularInline):
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
    qs = Community.objects.select_related("street")
    if request.user.is_superuser:
        return qs
    return qs.filter(permissions.coordinated_communities_q(request.user))


@admin.register(Venue)
class VenueAdmin(CoordinatorAdminMixin, admin.ModelAdmin):
    unit_field = "community"
    list_display = ("name", "address", "community")
    list_filter = ("community__street",)
    search_fields = ("name", "address", "community__name")
    list_select_related = ("community",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = _communities_for(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ClassSessionInline(admin.TabularInline):
    model = ClassSession
    extra = 0
    fields = ("starts_at", "ends_at")


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
            phone = user.phone if account_permissions.can_view_personal_data(
                request.user, user) else mask_phone(user.phone)
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
    filter_horizontal = ("instructors",)
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
        for run_id in run_ids:
            enqueue_on_commit(tasks.run_certificates_reissue, run_id)
        audit_log_record(actor=request.user, action="courserun.certificates_reissue",
                         object_type="courses.courserun",
                         object_id=",".join(map(str, run_ids))[:64])
        self.message_user(request, _("已在后台开始处理 %(n)d 个班期，刷新本页查看进度。")
                          % {"n": len(run_ids)}, messages.SUCCESS)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "venue" and not request.user.is_superuser:
            kwargs["queryset"] = Venue.objects.filter(
                account_permissions.coordinated_community_filter(request.user, "community"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.street_id = obj.venue.community.street_id
        obj.community_id = obj.venue.community_id
        if not obj.code:
            obj.code = services.next_run_code(services.run_code_prefix(obj.course, obj.starts_at))
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            promoted = services.run_fill_from_waitlist(actor=request.user, run_id=obj.pk)
            if promoted:
                self.message_user(request, _("已从候补中递补 %(n)d 人。") % {"n": len(promoted)},
                                  messages.SUCCESS)


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


# Tutoring pages live in their own module (kept apart from the course pages).
from . import tutoring_admin  # noqa: E402, F401
