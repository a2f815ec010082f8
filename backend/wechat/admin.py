import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from backend.core.links import absolute_url

from . import (
    admin_broadcasts,  # noqa: F401 - registers the broadcasts admin
    menus,
    permissions,
    services,
)
from .models import (
    AccountType,
    BindingLink,
    WeChatAccount,
    WeChatBinding,
    WeChatInboundMessage,
    WeChatMenu,
    WeChatTemplate,
)

SECRET_FIELDS = ("app_secret", "token", "encoding_aes_key")
CONSOLE_FIELDS = ("wechat_console",)


class WeChatAccountForm(forms.ModelForm):
    """The secret is write-only: never rendered back, and left unchanged when blank."""

    app_secret = forms.CharField(label=_("AppSecret"), required=False, strip=True,
                                 widget=forms.PasswordInput(render_value=False),
                                 help_text=_("留空表示不修改。"))

    # Optional in the form so older scripts posting without them keep an account's values.
    account_type = forms.ChoiceField(label=_("类型"), choices=AccountType.choices,
                                     required=False)

    class Meta:
        model = WeChatAccount
        fields = ("slug", "name", "app_id", "account_type", "in_open_platform", "app_secret",
                  "token", "encoding_aes_key", "mode", "street", "community",
                  "mp_verify_code")

    def clean_account_type(self):
        return (self.cleaned_data.get("account_type") or self.instance.account_type
                or AccountType.SERVICE)

    def clean_app_secret(self):
        value = self.cleaned_data.get("app_secret")
        if not value and self.instance.pk:
            return self.instance.app_secret
        return value or ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("street") and cleaned.get("community"):
            self.add_error("community", _("街道和社区只能选一个（都不选表示区级公众号）。"))
        mode = cleaned.get("mode")
        key = cleaned.get("encoding_aes_key") or None
        cleaned["encoding_aes_key"] = key
        if mode and mode != "PLAIN" and (not key or len(key) != 43):
            self.add_error("encoding_aes_key", _("安全模式和兼容模式需要43位的消息加解密密钥。"))
        return cleaned


class CoordinatorScopedAdmin(admin.ModelAdmin):
    # Coordinators see only their units' accounts (and those accounts' followers).
    account_prefix = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(permissions.accounts_visible_filter(request.user, self.account_prefix))

    def has_module_permission(self, request):
        return permissions.can_manage_accounts(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_manage_accounts(request.user)


class AccountImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 文件（UTF-8）"),
                           help_text="slug, name, app_id, account_type (SERVICE/SUBSCRIPTION "
                                     "或 服务号/订阅号), street, community")


class WeChatTemplateInline(admin.TabularInline):
    model = WeChatTemplate
    extra = 0
    fields = ("kind", "template_id")

    # Access by Linli's roles (as the account admin), not Django's model permissions.
    def has_view_permission(self, request, obj=None):
        return permissions.can_edit_credentials(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(WeChatAccount)
class WeChatAccountAdmin(CoordinatorScopedAdmin):
    form = WeChatAccountForm
    # No app_secret, token or AES key in lists.
    list_display = ("name", "slug", "app_id", "account_type", "mode", "street", "community",
                    "sending_state", "callback_path")
    list_filter = ("account_type", "mode", ("street", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "app_id")
    list_select_related = ("street", "community")
    autocomplete_fields = ("community",)
    readonly_fields = ("sending_stopped_at", "sending_stopped_reason", "sending_paused_until")
    inlines = [WeChatTemplateInline]
    actions = ["export_csv", "resume_sending", "sync_followers"]
    change_list_template = "admin/wechat/wechataccount/change_list.html"

    @admin.display(description=_("回调地址"))
    def callback_path(self, obj):
        return f"/wechat/{obj.slug}/"

    @admin.display(description=_("发送状态"))
    def sending_state(self, obj):

        if obj.sending_stopped_at:
            return gettext_now("已停止：%(reason)s") % {"reason": obj.sending_stopped_reason}
        if obj.sending_paused_until and obj.sending_paused_until > timezone.now():
            return gettext_now("额度用完，暂停至 %(until)s") % {
                "until": f"{timezone.localtime(obj.sending_paused_until):%m-%d %H:%M}"}
        return gettext_now("正常")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not permissions.can_edit_credentials(request.user):
            # The view-only page would print them as text.
            fields = [f for f in fields if f not in SECRET_FIELDS + CONSOLE_FIELDS]
        elif obj is not None and "wechat_console" not in fields:
            fields.append("wechat_console")
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and permissions.can_edit_credentials(request.user):
            return (*super().get_readonly_fields(request, obj), *CONSOLE_FIELDS)
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("填到微信公众平台"))
    def wechat_console(self, obj):
        """What to paste into WeChat's console (基本配置 and 网页授权域名), read-only."""
        rows = [
            (_("服务器地址(URL)"), absolute_url("wechat-callback", slug=obj.slug)),
            (_("令牌(Token)"), obj.token),
            (_("消息加解密密钥(EncodingAESKey)"), obj.encoding_aes_key or _("（明文模式不需要）")),
            (_("消息加解密方式"), obj.get_mode_display()),
            (_("网页授权域名"), absolute_url("page-home").split("://", 1)[-1].rstrip("/")),
        ]
        if obj.mp_verify_code:
            rows.append((_("校验文件地址"),
                         absolute_url("wechat-mp-verify", code=obj.mp_verify_code)))
        return format_html("<dl>{}</dl>", format_html_join(
            "", "<dt>{}</dt><dd><code>{}</code></dd>", ((str(k), v) for k, v in rows)))

    def get_inlines(self, request, obj):
        # Template ids are edited with the credentials, by the same people.
        return self.inlines if permissions.can_edit_credentials(request.user) else []

    @admin.action(description=_("导出所选公众号（CSV，不含密钥）"))
    def export_csv(self, request, queryset):
        content = services.accounts_export_csv(actor=request.user, queryset=queryset)
        response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="wechat-accounts.csv"'
        return response

    @admin.action(description=_("恢复发送（已在公众号后台处理好白名单/密钥/权限）"))
    def resume_sending(self, request, queryset):
        if not permissions.can_edit_credentials(request.user):
            raise PermissionDenied
        for account in queryset:
            services.account_sending_resume(actor=request.user, account=account)
        self.message_user(request, gettext_now("已恢复 %(n)d 个公众号的发送。")
                          % {"n": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("同步粉丝（后台执行）"))
    def sync_followers(self, request, queryset):
        for account in queryset:
            services.followers_sync_enqueue(account=account)
        self.message_user(request, gettext_now("已安排同步 %(n)d 个公众号的粉丝。")
                          % {"n": queryset.count()}, messages.SUCCESS)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view),
                     name="wechat_wechataccount_import"), *super().get_urls()]

    def import_view(self, request):
        """All or nothing, with a row-by-row report (as the volunteers' import)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AccountImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            content = form.cleaned_data["file"].read().decode("utf-8", errors="replace")
            report = services.accounts_import_csv(actor=request.user, content=content)
            if not report["rejected"]:
                messages.success(request, gettext_now(
                    "已导入：新建 %(created)d 个，更新 %(updated)d 个公众号。") % report)
                return redirect("admin:wechat_wechataccount_changelist")
            messages.error(request, gettext_now("有 %(n)d 行未通过校验，本次没有导入任何数据。")
                           % {"n": len(report["rejected"])})
        context = {**self.admin_site.each_context(request), "form": form, "report": report,
                   "opts": self.model._meta, "title": gettext_now("导入公众号")}
        return TemplateResponse(request, "admin/wechat/wechataccount/import.html", context)

    def has_add_permission(self, request):
        return permissions.can_edit_credentials(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_credentials(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WeChatBinding)
class WeChatBindingAdmin(CoordinatorScopedAdmin):
    account_prefix = "account__"
    list_display = ("openid", "account", "user", "subscribed", "bound_at", "subscribed_at")
    list_filter = ("subscribed", ("account", admin.RelatedOnlyFieldListFilter))
    search_fields = ("openid", "user__username", "user__display_name")
    list_select_related = ("account", "user")
    readonly_fields = ("account", "openid", "unionid", "user", "subscribed", "subscribed_at",
                       "unsubscribed_at", "invalid_at", "bound_at", "created_at")
    fields = readonly_fields
    actions = ["unbind"]

    @admin.action(description=_("解绑所选的微信"))
    def unbind(self, request, queryset):
        done = 0
        for binding in queryset.filter(user__isnull=False).select_related("account", "user"):
            if permissions.can_unbind(request.user, binding):
                services.binding_unbind(binding=binding, actor=request.user)
                done += 1
        self.message_user(request, _("已解绑 %(count)d 个微信。") % {"count": done})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BindingLink)
class BindingLinkAdmin(CoordinatorScopedAdmin):
    """Who made which binding QR code and whether it was used; the token is never shown."""

    account_prefix = "account__"
    list_display = ("user", "account", "created_by", "created_at", "expires_at", "spent_at")
    list_filter = (("account", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "account", "created_by")
    fields = ("user", "account", "created_by", "created_at", "expires_at", "spent_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WeChatInboundMessage)
class WeChatInboundMessageAdmin(CoordinatorScopedAdmin):
    account_prefix = "account__"
    list_display = ("received_at", "account", "msg_type", "event", "msg_id")
    list_filter = ("msg_type", ("account", admin.RelatedOnlyFieldListFilter))
    search_fields = ("msg_id",)
    list_select_related = ("account",)
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Go-live: custom menus ----------------------------------------------------------------
class WeChatMenuForm(forms.ModelForm):
    class Meta:
        model = WeChatMenu
        fields = ("account", "buttons")


@admin.register(WeChatMenu)
class WeChatMenuAdmin(CoordinatorScopedAdmin):
    """Coordinators write their accounts' menus and push them to WeChat."""

    form = WeChatMenuForm
    account_prefix = "account__"
    list_display = ("account", "pushed_at", "push_error")
    list_select_related = ("account",)
    readonly_fields = ("pushed_at", "push_error", "preview")
    fields = ("account", "buttons", "preview", "pushed_at", "push_error")
    actions = ("push_to_wechat",)

    def has_add_permission(self, request):
        return permissions.can_manage_accounts(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_accounts(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_manage_accounts(request.user)

    def get_readonly_fields(self, request, obj=None):
        # One menu per account: an existing menu stays with its account.
        return (("account",) if obj is not None else ()) + self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account":
            kwargs["queryset"] = WeChatAccount.objects.filter(
                permissions.accounts_visible_filter(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("推送给微信的内容"))
    def preview(self, obj):

        if obj is None or not obj.pk or menus.menu_problems(obj.buttons):
            return "-"
        return format_html("<pre>{}</pre>", _json(menus.wechat_menu(obj.buttons,
                                                                  slug=obj.account.slug)))

    def save_model(self, request, obj, form, change):
        # Through the service, so the rules and the audit log are the same everywhere.
        saved = services.menu_save(account=obj.account, buttons=obj.buttons,
                                   actor=request.user)
        obj.pk = saved.pk

    @admin.action(description=_("推送到微信（替换公众号现在的菜单）"))
    def push_to_wechat(self, request, queryset):
        count = 0
        for menu in queryset.select_related("account"):
            services.menu_push_enqueue(menu=menu)
            count += 1
        self.message_user(request, _("已提交 {n} 个菜单的推送，稍后刷新查看推送时间。").format(
            n=count), messages.SUCCESS)


def _json(value) -> str:

    return json.dumps(value, ensure_ascii=False, indent=2)
