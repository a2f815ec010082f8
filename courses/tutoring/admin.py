"""Admin pages for tutoring (辅导时段, 辅导预约): read-only lists for coordinators of the
slot's community; every change goes through courses.tutoring.services (GraphQL, WeChat), so
seats, the calendar and the audit log stay consistent. Imported by CoursesConfig.ready, as
the admin's autodiscovery looks only for courses/admin.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _lazy

from backend.core.admin_inlines import RoleScopedInlineMixin

from ..admin import CoordinatorAdminMixin
from . import permissions
from .models import TutoringBooking, TutoringSlot


class ReadOnlyMixin(CoordinatorAdminMixin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TutoringBookingInline(RoleScopedInlineMixin, admin.TabularInline):
    """Who booked the slot, for the coordinators of its community; read-only."""

    model = TutoringBooking
    extra = 0
    read_only = True
    fields = ("user", "status", "note", "address", "booked_by", "tutor_no_show", "rating",
              "comment")
    readonly_fields = fields
    show_change_link = True

    def parent_allowed(self, user, parent) -> bool:
        return permissions.can_manage_slot(user, parent)


@admin.register(TutoringSlot)
class TutoringSlotAdmin(ReadOnlyMixin, admin.ModelAdmin):
    unit_field = "community"
    list_display = ("starts_at", "ends_at", "tutor", "topic", "place_display", "community",
                    "capacity", "booked_count", "status")
    list_filter = ("status", "doorstep", "community__street", "starts_at")
    search_fields = ("topic", "tutor__user__display_name", "tutor__user__username",
                     "place_text", "venue__name")
    list_select_related = ("tutor__user", "venue", "community")
    date_hierarchy = "starts_at"
    inlines = [TutoringBookingInline]

    @admin.display(description=_lazy("地点"))
    def place_display(self, obj):
        return obj.place


@admin.register(TutoringBooking)
class TutoringBookingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    unit_field = "slot__community"
    list_display = ("starts_at", "user", "slot", "status", "booked_by", "tutor_no_show",
                    "rating")
    list_filter = ("status", "tutor_no_show", "rating", "starts_at")
    search_fields = ("user__display_name", "user__username", "slot__topic",
                     "slot__tutor__user__display_name")
    list_select_related = ("user", "slot", "booked_by")
    date_hierarchy = "starts_at"
