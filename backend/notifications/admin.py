from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions, services
from .models import Notification, NotificationStatus


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only; resending goes through the service (checked and audited)."""

    list_display = ("id", "user", "kind", "title", "status", "attempts", "channel",
                    "created_at", "sent_at")
    # "未发送原因 = 没有可发送的公众号" is the staff call list: people to phone instead.
    list_filter = ("status", "skip_reason", "kind", "channel")
    search_fields = ("user__username", "user__display_name", "dedup_key")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    actions = ["resend_failed"]
    readonly_fields = ("user", "kind", "dedup_key", "title", "body", "url", "data", "status",
                       "attempts", "last_error", "skip_reason", "channel", "channel_ref",
                       "next_attempt_at", "claimed_at", "sent_at", "created_at", "updated_at")
    fields = readonly_fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(permissions.notifications_visible_filter(request.user))

    def has_module_permission(self, request):
        return permissions.can_use_notification_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("重新发送（仅发送失败的）"), permissions=["view"])
    def resend_failed(self, request, queryset):
        done = skipped = 0
        for notification in queryset.select_related("user__community"):
            if notification.status != NotificationStatus.FAILED:
                skipped += 1
                continue
            try:
                services.notification_resend(actor=request.user, notification=notification)
                done += 1
            except PermissionDenied:
                self.message_user(request, _("无权重新发送通知 %(id)s。") % {"id": notification.pk},
                                  messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, f"{notification.pk}: " + " ".join(exc.messages),
                                  messages.WARNING)
        if done:
            self.message_user(request, _("已重新排队发送 %(n)d 条通知。") % {"n": done},
                              messages.SUCCESS)
        if skipped:
            self.message_user(request, _("%(n)d 条通知不是“发送失败”状态，已跳过。")
                              % {"n": skipped}, messages.WARNING)
