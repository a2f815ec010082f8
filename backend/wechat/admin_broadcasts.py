"""The broadcasts admin: coordinators plan a broadcast (the add form runs the same service as
`broadcastCreate`), send or cancel it with the list's actions, and follow its progress and
final counts. Registered from admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community, Street
from backend.accounts.permissions import coordinated_community_filter

from . import permissions, selectors, services
from .models import Broadcast, BroadcastChunk, ChunkStatus


class BroadcastForm(forms.ModelForm):
    district = forms.BooleanField(label=_("全区"), required=False,
                                  help_text=_("社区、街道、全区三选一。"))

    class Meta:
        model = Broadcast
        fields = ("community", "street", "district", "title", "body", "url")
        help_texts = {"url": _("邻里平台的页面，如 /courses/；留空则为首页。")}

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.created: Broadcast | None = None
        self.fields["url"].required = False

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # The service validates and plans (counting the recipients) in one go; its refusals
        # show on the form and nothing is created.
        try:
            self.created = services.broadcast_create(
                actor=self.actor, community=cleaned.get("community"),
                street=cleaned.get("street"), district=bool(cleaned.get("district")),
                title=cleaned.get("title") or "", body=cleaned.get("body") or "",
                url=cleaned.get("url") or "")
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class BroadcastChunkInline(admin.TabularInline):
    model = BroadcastChunk
    fields = ("seq", "account", "size", "status", "msg_id", "sent", "failed", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return permissions.can_broadcast_somewhere(request.user)


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    form = BroadcastForm
    list_display = ("title", "unit_name", "status", "planned", "sent", "failed", "progress",
                    "sending_started_at", "finished_at")
    list_filter = ("status", "scope")
    actions = ["send", "cancel"]
    inlines = [BroadcastChunkInline]
    readonly_fields = ("scope", "community", "street", "title", "body", "url", "status",
                       "planned", "sent", "failed", "created_by", "sending_started_at",
                       "finished_at")

    def get_queryset(self, request):
        in_flight = Q(chunks__status__in=[ChunkStatus.PENDING, ChunkStatus.SENDING,
                                          ChunkStatus.SUBMITTED])
        return (selectors.broadcasts_visible_to(request.user)
                .annotate(chunk_count=Count("chunks"),
                          chunks_in_flight=Count("chunks", filter=in_flight)))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form

        class ActorForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, actor=request.user, **inner)

        return ActorForm

    def get_inlines(self, request, obj):
        # None on the add page: the form's clean() creates the broadcast, so nothing else on
        # that page may fail validation afterwards.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else BroadcastForm.Meta.fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        communities = Community.objects.filter(
            coordinated_community_filter(request.user, ""))
        if db_field.name == "community":
            kwargs["queryset"] = communities
        elif db_field.name == "street":
            kwargs["queryset"] = Street.objects.filter(
                Q(pk__in=communities.values("street_id"))
                if not permissions.can_broadcast(request.user, None) else Q())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Created (and planned) by the service in the form's clean(); nothing to save here.
        obj.pk = form.created.pk

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        return None  # the service wrote the audit entry

    @admin.display(description=_("单位"))
    def unit_name(self, obj):
        return str(obj.unit) if obj.unit is not None else gettext_now("全区")

    @admin.display(description=_("进度（已结束/分批）"))
    def progress(self, obj):
        return f"{obj.chunk_count - obj.chunks_in_flight}/{obj.chunk_count}"

    @admin.action(description=_("发送所选群发"))
    def send(self, request, queryset):
        self._each(request, queryset, services.broadcast_send, gettext_now("已开始发送"))

    @admin.action(description=_("取消所选群发（未发出的分批不再发送）"))
    def cancel(self, request, queryset):
        self._each(request, queryset, services.broadcast_cancel, gettext_now("已取消"))

    def _each(self, request, queryset, service, done: str) -> None:
        for broadcast in queryset:
            try:
                service(actor=request.user, broadcast=broadcast)
            except ValidationError as exc:
                self.message_user(request, f"{broadcast.title}：{' '.join(exc.messages)}",
                                  messages.ERROR)
            else:
                self.message_user(request, f"{broadcast.title}：{done}", messages.SUCCESS)

    def has_module_permission(self, request):
        return permissions.can_broadcast_somewhere(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_broadcast_somewhere(request.user)

    def has_add_permission(self, request):
        return permissions.can_broadcast_somewhere(request.user)

    def has_change_permission(self, request, obj=None):
        # No edits: the list's actions send and cancel; the change page only shows.
        return obj is None and permissions.can_broadcast_somewhere(request.user)

    def has_delete_permission(self, request, obj=None):
        return False
