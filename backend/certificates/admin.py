from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions, services
from .codes import normalize_code
from .models import Certificate, CertificateStatus


class StatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CertificateStatus.choices

    def queryset(self, request, queryset):
        today = timezone.localdate()
        not_expired = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        if self.value() == CertificateStatus.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == CertificateStatus.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, valid_until__lt=today)
        if self.value() == CertificateStatus.VALID:
            return queryset.filter(not_expired, revoked_at__isnull=True)
        return queryset


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤销原因"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are issued by the domains and never edited here; revoking goes through
    the service, so it is audited and checked exactly like the API."""

    list_display = ("display_code", "kind", "holder", "title", "issuer", "issued_at",
                    "status_label")
    list_filter = ("kind", StatusFilter, "issuer_street")
    search_fields = ("code", "holder__username", "holder__display_name", "source_key")
    list_select_related = ("holder", "issuer_street", "issuer_community__street")
    date_hierarchy = "issued_at"
    actions = ["revoke_selected"]
    readonly_fields = ("kind", "holder", "source_key", "code", "snapshot", "issuer_street",
                       "issuer_community", "pdf", "pdf_sha256", "issued_at", "valid_until",
                       "revoked_at", "revoked_by", "revoke_reason")
    fields = readonly_fields

    @admin.display(description=gettext_lazy("证书编号"), ordering="code")
    def display_code(self, obj):
        return obj.display_code

    @admin.display(description=gettext_lazy("名称"))
    def title(self, obj):
        return obj.title

    @admin.display(description=gettext_lazy("颁发单位"))
    def issuer(self, obj):
        return obj.issuer_name

    @admin.display(description=gettext_lazy("状态"))
    def status_label(self, obj):
        return CertificateStatus(obj.status).label

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(permissions.certificates_coordinated_by(request.user))

    def get_search_results(self, request, queryset, search_term):
        # A code is found however it was typed (lower case, with a dash or spaces).
        code = normalize_code(search_term)
        if code is not None:
            return queryset.filter(code=code), False
        return super().get_search_results(request, queryset, search_term)

    def has_module_permission(self, request):
        # Coordinators work in the admin without model permissions; get_queryset limits
        # them to certificates their unit issued.
        return permissions.can_use_certificate_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only detail page; the revoke action needs the view permission only.
        return False

    @admin.action(description=gettext_lazy("撤销所选证书"), permissions=["view"])
    def revoke_selected(self, request, queryset):
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for certificate in queryset.select_related("issuer_street",
                                                       "issuer_community__street"):
                try:
                    services.certificate_revoke(actor=request.user, certificate=certificate,
                                                reason=form.cleaned_data["reason"])
                    done += 1
                except PermissionDenied:
                    self.message_user(request, _("无权撤销证书 %(code)s。")
                                      % {"code": certificate.display_code}, messages.ERROR)
                except ValidationError as exc:
                    self.message_user(request, f"{certificate.display_code}: "
                                      + " ".join(exc.messages), messages.WARNING)
            if done:
                self.message_user(request, _("已撤销 %(n)d 份证书。") % {"n": done},
                                  messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/certificates/certificate/revoke.html", {
            **self.admin_site.each_context(request),
            "title": _("撤销证书"),
            "opts": self.model._meta,
            "certificates": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })
