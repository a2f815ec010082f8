from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from backend.core import audit
from backend.core.admin_inlines import ScopedAutocompleteMixin

from . import permissions, services
from .models import Community, DataRequest, DataRequestStatus, RoleAssignment, Street, User


class CommunityInline(admin.TabularInline):
    model = Community
    extra = 0
    fields = ("name", "sort_order")


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("name", "wechat_account_name", "sort_order")
    search_fields = ("name",)
    inlines = [CommunityInline]


@admin.register(Community)
class CommunityAdmin(ScopedAutocompleteMixin, admin.ModelAdmin):
    list_display = ("name", "street", "sort_order")
    list_filter = ("street",)
    search_fields = ("name", "street__name")
    list_select_related = ("street",)

    def autocomplete_filter(self, request):
        return permissions.coordinated_community_filter(request.user, "")


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ("role", "street", "community")
    autocomplete_fields = ("community",)


@admin.register(User)
class UserAdmin(ScopedAutocompleteMixin, DjangoUserAdmin):
    list_display = ("username", "display_name", "masked_phone", "community", "is_active")
    list_filter = ("is_active", "is_staff", "role_assignments__role", "community__street")
    search_fields = ("username", "display_name")
    list_select_related = ("community",)
    autocomplete_fields = ("community",)
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "phone", "community",
                                   "consent_version", "consented_at")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "display_name", "community", "password1", "password2")}),
    )
    readonly_fields = ("consent_version", "consented_at", "last_login", "date_joined")

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        # Lists show masked numbers; the full number only on the person's own change page.
        return obj.phone_masked

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(permissions.coordinated_community_filter(request.user))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # The change page shows the phone unmasked: an audited read.
        person = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and person is not None and person.phone:
            audit.personal_data_read(actor=request.user, subject=person, what="phone",
                                     why="admin:user_change")
        return response

    def autocomplete_filter(self, request):
        return permissions.coordinated_community_filter(request.user)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "street", "community")
    list_filter = ("role", "street")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "street", "community")
    autocomplete_fields = ("user", "community")


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    """Deletion requests of people in the units the viewer coordinates. Staff check the
    request, then anonymise (the person's data goes, statistics stay) or refuse, saying
    why in 处理说明."""

    list_display = ("id", "person", "kind", "status", "created_at", "handled_by", "handled_at")
    list_filter = ("status", "kind")
    list_select_related = ("person", "handled_by")
    fields = ("person", "kind", "status", "reason", "created_at", "handled_by", "handled_at")
    readonly_fields = ("person", "kind", "status", "created_at", "handled_by", "handled_at")
    actions = ("anonymise_and_complete", "refuse")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            permissions.data_request_filter(request.user))

    def has_module_permission(self, request):
        return permissions.can_use_data_request_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        # Staff write 处理说明 (the refusal's reason) on an open request of their unit.
        if not self.has_module_permission(request):
            return False
        return obj is None or (obj.status == DataRequestStatus.OPEN
                               and permissions.can_handle_data_request(request.user, obj.person))

    def has_add_permission(self, request):
        return False  # she asks on /me/data/ or through the API

    def has_delete_permission(self, request, obj=None):
        return False  # the request is the record that her data was removed

    def _each(self, request, queryset, handle, done_message):
        handled = 0
        for data_request in queryset.select_related("person__community"):
            try:
                handle(data_request)
            except PermissionDenied:
                self.message_user(request, _("您无权处理 %(person)s 的申请。")
                                  % {"person": data_request.person}, messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, f"#{data_request.pk}: {' '.join(exc.messages)}",
                                  messages.ERROR)
            else:
                handled += 1
        if handled:
            self.message_user(request, done_message % {"count": handled}, messages.SUCCESS)

    @admin.action(description=_("匿名化并完成"))
    def anonymise_and_complete(self, request, queryset):
        self._each(request, queryset, lambda r: services.data_request_complete(
            actor=request.user, request=r), _("已匿名化 %(count)d 个账号。"))

    @admin.action(description=_("拒绝（说明原因）"))
    def refuse(self, request, queryset):
        # The reason is what staff wrote in 处理说明 on the request's page.
        self._each(request, queryset, lambda r: services.data_request_refuse(
            actor=request.user, request=r, reason=r.reason), _("已拒绝 %(count)d 条申请。"))
