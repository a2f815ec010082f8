from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User

from .models import AuditLog


class PersonFilter(admin.SimpleListFilter):
    """Everything about one person: what she did, and whose data was read or changed
    (entries about her account). `?person=<user id>` works for anyone, the list offers
    the people who appear in the log most recently."""

    title = _("人员")
    parameter_name = "person"

    def lookups(self, request, model_admin):
        ids = list(AuditLog.objects.filter(object_type="accounts.user")
                   .values_list("object_id", flat=True).order_by("-id")[:500])
        ids += [str(i) for i in AuditLog.objects.exclude(actor=None)
                .values_list("actor_id", flat=True).order_by("-id")[:500]]
        wanted = list(dict.fromkeys(i for i in ids if i.isdigit()))[:50]
        people = User.objects.filter(pk__in=wanted).only("username", "display_name")
        return [(str(p.pk), f"{p} ({p.username})") for p in people]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        return queryset.filter(Q(actor_id=int(value))
                               | Q(object_type="accounts.user", object_id=value))


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "ip_address")
    list_filter = (PersonFilter, "action", "object_type")
    search_fields = ("action", "object_id", "actor__username")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)

    # Append-only in the admin too.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
