from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community, Street
from backend.core.fields import EncryptedTextField
from backend.core.models import TimeStampedModel
from backend.notifications.models import NotificationKind

from .menus import menu_problems


class AccountMode(models.TextChoices):
    PLAIN = "PLAIN", _("明文模式")
    SAFE = "SAFE", _("安全模式")
    COMPATIBLE = "COMPATIBLE", _("兼容模式")


class AccountType(models.TextChoices):
    SERVICE = "SERVICE", _("服务号")
    SUBSCRIPTION = "SUBSCRIPTION", _("订阅号")


@dataclass(frozen=True)
class AccountCapabilities:
    """What WeChat lets an account type do; data, not code paths."""

    template_messages: bool
    mass_sends_per_period: int
    mass_send_period: str   # "month" or "day"


# 服务号: template messages, about four mass sends a month; 订阅号: no template messages,
# one mass send a day.
CAPABILITIES = {
    AccountType.SERVICE: AccountCapabilities(template_messages=True, mass_sends_per_period=4,
                                             mass_send_period="month"),
    AccountType.SUBSCRIPTION: AccountCapabilities(template_messages=False,
                                                  mass_sends_per_period=1,
                                                  mass_send_period="day"),
}


class WeChatAccount(TimeStampedModel):
    """One of the alliance's official accounts: the district's, a street's or a community's."""

    slug = models.SlugField(_("标识"), max_length=64, unique=True,
                            help_text=_("回调地址 /wechat/<标识>/ 中的部分"))
    name = models.CharField(_("名称"), max_length=64)
    app_id = models.CharField(_("AppID"), max_length=32, unique=True)
    # The account's secrets are encrypted at rest (backend/core/fields.py).
    app_secret = EncryptedTextField(_("AppSecret"), max_length=128, blank=True)
    token = EncryptedTextField(_("令牌 Token"), max_length=64)
    # 43 characters, WeChat's EncodingAESKey; needed in safe and compatible mode only.
    encoding_aes_key = EncryptedTextField(_("消息加解密密钥"), max_length=43, null=True,
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
    account_type = models.CharField(_("类型"), max_length=16, choices=AccountType.choices,
                                    default=AccountType.SERVICE)
    # Bound to the district's WeChat open platform: followers carry a unionid.
    in_open_platform = models.BooleanField(
        _("已绑定开放平台"), default=False,
        help_text=_("绑定后粉丝带有 UnionID，可跨公众号识别同一人"))
    # Set when WeChat refused the account itself (IP not whitelisted, wrong AppSecret, API
    # not authorised): nothing is sent through it until an operator fixes it and clears this.
    sending_stopped_at = models.DateTimeField(_("停止发送时间"), null=True, blank=True)
    sending_stopped_reason = models.CharField(_("停止发送原因"), max_length=200, blank=True)
    # The template-message quota (45009) circuit: rows for this account wait until then.
    sending_paused_until = models.DateTimeField(_("暂停发送至"), null=True, blank=True)

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

    @property
    def capabilities(self) -> AccountCapabilities:
        return CAPABILITIES[AccountType(self.account_type)]

    @property
    def is_district(self) -> bool:
        return self.street_id is None and self.community_id is None


class WeChatTemplate(TimeStampedModel):
    """The template id an account got for one notification kind (each account adds the
    template from WeChat's library and gets its own id)."""

    account = models.ForeignKey(WeChatAccount, verbose_name=_("公众号"), on_delete=models.CASCADE,
                                related_name="templates")
    kind = models.CharField(_("通知类型"), max_length=32, choices=NotificationKind.choices)
    template_id = models.CharField(_("模板ID"), max_length=64)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["account_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"],
                                    name="wechat_template_account_kind_unique"),
        ]

    def __str__(self):
        return f"{self.account} · {self.kind}"


class WeChatBinding(TimeStampedModel):
    """A follower (openid) of one account, bound to a Linli user once they log in via OAuth.

    One row per (account, openid) whether bound or not: the follower record that the
    callback's (un)subscribe events and the follower sync keep up to date. One openid binds
    one person; a person may have openids on several accounts (or several on one, her own
    and her daughter's), and the unionid ties a person's openids across accounts.
    """

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
    subscribed_at = models.DateTimeField(_("关注时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("取消关注时间"), null=True, blank=True)
    # Set when WeChat answered 40003 for this openid: never send to it again.
    invalid_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("粉丝绑定")
        verbose_name_plural = _("粉丝绑定")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "openid"],
                                    name="wechat_binding_openid_unique"),
        ]
        # Broadcast planning walks one account's followers in id order (keyset pages).
        # The de-duplication across accounts probes by person (user or unionid) and account.
        indexes = [models.Index(fields=["account", "id"], name="wechat_binding_account_id"),
                   models.Index(fields=["user", "account"], name="wechat_binding_user_live",
                                condition=Q(subscribed=True, invalid_at__isnull=True,
                                            user__isnull=False)),
                   models.Index(fields=["unionid", "account"], name="wechat_binding_unionid_live",
                                condition=Q(subscribed=True, invalid_at__isnull=True)
                                & ~Q(unionid=""))]

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


        problems = menu_problems(self.buttons)
        if problems:
            raise ValidationError({"buttons": problems})


# --- Broadcasts (mass sends to an account's followers) --------------------------------------
class BroadcastScope(models.TextChoices):
    COMMUNITY = "COMMUNITY", _("社区")
    STREET = "STREET", _("街道")
    DISTRICT = "DISTRICT", _("全区")


class BroadcastStatus(models.TextChoices):
    PLANNED = "PLANNED", _("已计划")
    SENDING = "SENDING", _("发送中")
    SENT = "SENT", _("已发送")
    CANCELLED = "CANCELLED", _("已取消")
    FAILED = "FAILED", _("发送失败")


class Broadcast(TimeStampedModel):
    """A community, a street or the district announcing something to its followers: planned
    into chunks of at most 10,000 openids (one mass/send call each), then sent."""

    scope = models.CharField(_("范围"), max_length=16, choices=BroadcastScope.choices)
    street = models.ForeignKey(Street, verbose_name=_("街道"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, verbose_name=_("社区"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=64)
    body = models.TextField(_("正文"), max_length=600)
    url = models.CharField(_("链接"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=BroadcastStatus.choices,
                              default=BroadcastStatus.PLANNED, db_index=True)
    planned = models.PositiveIntegerField(_("计划人数"), default=0)
    sent = models.PositiveIntegerField(_("送达人数"), default=0)
    failed = models.PositiveIntegerField(_("失败人数"), default=0)
    sending_started_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群发")
        verbose_name_plural = _("群发")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                name="wechat_broadcast_scope_unit",
                condition=(Q(scope="COMMUNITY", community__isnull=False, street__isnull=True)
                           | Q(scope="STREET", street__isnull=False, community__isnull=True)
                           | Q(scope="DISTRICT", street__isnull=True, community__isnull=True))),
        ]

    def __str__(self):
        return self.title

    @property
    def unit(self):
        """The unit whose coordinators own it: a Community, a Street or None (district)."""
        return self.community or self.street


class ChunkStatus(models.TextChoices):
    PENDING = "PENDING", _("待发送")
    SENDING = "SENDING", _("发送中")
    SUBMITTED = "SUBMITTED", _("已提交微信")
    DONE = "DONE", _("已完成")
    FAILED = "FAILED", _("失败")
    CANCELLED = "CANCELLED", _("已取消")


class BroadcastChunk(models.Model):
    """One mass/send call: up to 10,000 followers of one account, the range
    first_binding_id..last_binding_id of its audience in binding-id order (the openids are
    read again when it is sent, so the plan stays small); counts come from
    MASSSENDJOBFINISH."""

    broadcast = models.ForeignKey(Broadcast, verbose_name=_("群发"), on_delete=models.CASCADE,
                                  related_name="chunks")
    account = models.ForeignKey(WeChatAccount, verbose_name=_("公众号"),
                                on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField(_("序号"))
    first_binding_id = models.BigIntegerField(_("起始粉丝编号"))
    last_binding_id = models.BigIntegerField(_("结束粉丝编号"))
    # The accounts before this one in the broadcast's order: their followers are left out.
    earlier_accounts = models.JSONField(_("优先发送的公众号"), default=list)
    size = models.PositiveIntegerField(_("计划人数"))
    status = models.CharField(_("状态"), max_length=16, choices=ChunkStatus.choices,
                              default=ChunkStatus.PENDING)
    msg_id = models.CharField(_("微信消息编号"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    sent = models.PositiveIntegerField(_("送达"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    error = models.CharField(_("错误"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("群发分批")
        verbose_name_plural = _("群发分批")
        ordering = ["broadcast_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "seq"],
                                    name="wechat_broadcast_chunk_seq_unique"),
            models.UniqueConstraint(fields=["account", "msg_id"], condition=~Q(msg_id=""),
                                    name="wechat_broadcast_chunk_msg_id_unique"),
            models.CheckConstraint(name="wechat_broadcast_chunk_size",
                                   condition=Q(size__lte=10_000)),
        ]

    def __str__(self):
        return f"{self.broadcast_id}#{self.seq}"


class MassSendResult(models.Model):
    """WeChat's MASSSENDJOBFINISH for one msg_id, kept as received: it may arrive before the
    sender has recorded the msg_id on its chunk, and the later of the two applies it."""

    account = models.ForeignKey(WeChatAccount, verbose_name=_("公众号"), on_delete=models.CASCADE,
                                related_name="+")
    msg_id = models.CharField(_("微信消息编号"), max_length=64)
    status = models.CharField(_("微信状态"), max_length=64, blank=True)
    total = models.PositiveIntegerField(_("提交人数"), default=0)
    filtered = models.PositiveIntegerField(_("过滤后人数"), default=0)
    sent = models.PositiveIntegerField(_("送达"), default=0)
    errors = models.PositiveIntegerField(_("失败"), default=0)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("群发结果")
        verbose_name_plural = _("群发结果")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "msg_id"],
                                    name="wechat_mass_send_result_unique"),
        ]

    def __str__(self):
        return f"{self.account_id}:{self.msg_id}"
