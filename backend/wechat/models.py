from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community, Street
from backend.core.models import TimeStampedModel


class AccountMode(models.TextChoices):
    PLAIN = "PLAIN", _("明文模式")
    SAFE = "SAFE", _("安全模式")
    COMPATIBLE = "COMPATIBLE", _("兼容模式")


class WeChatAccount(TimeStampedModel):
    """One of the alliance's official accounts: the district's, a street's or a community's."""

    slug = models.SlugField(_("标识"), max_length=64, unique=True,
                            help_text=_("回调地址 /wechat/<标识>/ 中的部分"))
    name = models.CharField(_("名称"), max_length=64)
    app_id = models.CharField(_("AppID"), max_length=32, unique=True)
    app_secret = models.CharField(_("AppSecret"), max_length=128, blank=True)
    token = models.CharField(_("令牌 Token"), max_length=64)
    # 43 characters, WeChat's EncodingAESKey; needed in safe and compatible mode only.
    encoding_aes_key = models.CharField(_("消息加解密密钥"), max_length=43, null=True,
                                        blank=True)
    mode = models.CharField(_("消息加解密方式"), max_length=16, choices=AccountMode.choices,
                            default=AccountMode.PLAIN)
    # Both empty: the district's account; otherwise the unit that runs it.
    street = models.ForeignKey(Street, verbose_name=_("街道"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="wechat_accounts")
    community = models.ForeignKey(Community, verbose_name=_("社区"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="wechat_accounts")
    # Go-live: WeChat's console hands out MP_verify_<code>.txt to prove the OAuth domain.
    mp_verify_code = models.CharField(
        _("网页授权域名校验码"), max_length=64, blank=True, default="",
        validators=[RegexValidator(r"^[A-Za-z0-9]*$", _("只能是字母和数字。"))],
        help_text=_("微信后台下载的 MP_verify_xxxx.txt 文件名中的 xxxx 部分。"))

    class Meta:
        verbose_name = _("公众号")
        verbose_name_plural = _("公众号")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="wechat_account_one_unit",
                                   condition=Q(street__isnull=True) | Q(community__isnull=True)),
            models.CheckConstraint(
                name="wechat_account_aes_key_for_encrypted_modes",
                condition=Q(mode="PLAIN") | Q(encoding_aes_key__isnull=False)),
            models.UniqueConstraint(fields=["mp_verify_code"], condition=~Q(mp_verify_code=""),
                                    name="wechat_account_mp_verify_code_unique"),
        ]

    def __str__(self):
        return self.name


class WeChatBinding(TimeStampedModel):
    """A follower (openid) of one account, bound to a Linli user through a binding link or a
    password login after OAuth. One openid binds one person; one person may have several
    (her own phone and her daughter's)."""

    account = models.ForeignKey(WeChatAccount, verbose_name=_("公众号"), on_delete=models.CASCADE,
                                related_name="bindings")
    openid = models.CharField(_("OpenID"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True,
                             blank=True, on_delete=models.SET_NULL,
                             related_name="wechat_bindings")
    # WeChat's id of the person across the alliance's accounts, when the OAuth answer has one.
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True, db_index=True)
    subscribed = models.BooleanField(_("已关注"), default=True)
    bound_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("粉丝绑定")
        verbose_name_plural = _("粉丝绑定")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "openid"],
                                    name="wechat_binding_openid_unique"),
        ]

    def __str__(self):
        return f"{self.account} · {self.openid}"


class BindingLink(TimeStampedModel):
    """A single-use binding QR code that staff hand a person at the desk: whoever opens it in
    WeChat is bound to her. Only the token's SHA-256 is stored; the raw token exists in the
    link given out and nowhere else."""

    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("为谁绑定"),
                             on_delete=models.CASCADE, related_name="wechat_binding_links")
    account = models.ForeignKey(WeChatAccount, verbose_name=_("公众号"), on_delete=models.CASCADE,
                                related_name="binding_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("过期时间"))
    spent_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    spent_openid = models.CharField(_("绑定的OpenID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("绑定二维码")
        verbose_name_plural = _("绑定二维码")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                name="wechat_binding_link_spent_has_openid",
                condition=Q(spent_at__isnull=True) | ~Q(spent_openid="")),
        ]

    def __str__(self):
        return f"{self.account} → {self.user}"


class WeChatInboundMessage(models.Model):
    """One processed inbound message or event: WeChat retries a message it got no answer to
    within 5 s, and a replayed request must not run a command twice."""

    account = models.ForeignKey(WeChatAccount, verbose_name=_("公众号"), on_delete=models.CASCADE,
                                related_name="+")
    # Messages carry MsgId; events don't, they are identified by sender and CreateTime.
    msg_id = models.CharField(_("消息编号"), max_length=64, null=True, blank=True)
    from_user = models.CharField(_("发送者"), max_length=64)
    create_time = models.BigIntegerField(_("消息时间戳"))
    msg_type = models.CharField(_("类型"), max_length=32)
    event = models.CharField(_("事件"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("已处理消息")
        verbose_name_plural = _("已处理消息")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "msg_id"], condition=Q(msg_id__isnull=False),
                                    name="wechat_inbound_msg_id_unique"),
            models.UniqueConstraint(fields=["account", "from_user", "create_time"],
                                    condition=Q(msg_id__isnull=True),
                                    name="wechat_inbound_event_unique"),
        ]

    def __str__(self):
        return f"{self.account_id}:{self.msg_id or self.create_time}"


# --- Go-live: custom menus (pushed with menu/create) ----------------------------------------
class WeChatMenu(TimeStampedModel):
    """An account's custom menu, as buttons an admin writes (see backend/wechat/menus.py);
    pushed to WeChat from the admin."""

    account = models.OneToOneField(WeChatAccount, verbose_name=_("公众号"),
                                   on_delete=models.CASCADE, related_name="menu")
    buttons = models.JSONField(
        _("按钮"), default=list,
        help_text=_('例如 [{"name": "课程", "page": "/courses/"}, {"name": "帮助", '
                    '"command": "帮助"}, {"name": "我的", "sub_button": [...]}]；'
                    "最多3个一级按钮，每个最多5个子按钮。"))
    pushed_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    push_error = models.CharField(_("推送失败原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("自定义菜单")
        verbose_name_plural = _("自定义菜单")
        ordering = ["account_id"]

    def __str__(self):
        return str(self.account)

    def clean(self):
        from django.core.exceptions import ValidationError

        from .menus import menu_problems

        problems = menu_problems(self.buttons)
        if problems:
            raise ValidationError({"buttons": problems})
