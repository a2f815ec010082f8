from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    ENROLLMENT_CONFIRMED = "ENROLLMENT_CONFIRMED", _("报名成功")
    ENROLLMENT_WAITLISTED = "ENROLLMENT_WAITLISTED", _("已进入候补")
    WAITLIST_PROMOTED = "WAITLIST_PROMOTED", _("候补转正")
    CLASS_REMINDER = "CLASS_REMINDER", _("上课提醒")
    TUTORING_BOOKED = "TUTORING_BOOKED", _("辅导预约成功")
    TUTORING_REMINDER = "TUTORING_REMINDER", _("辅导提醒")
    TUTORING_CANCELLED = "TUTORING_CANCELLED", _("辅导取消")
    JOB_OFFERED = "JOB_OFFERED", _("派单邀请")
    JOB_OFFER_WITHDRAWN = "JOB_OFFER_WITHDRAWN", _("派单已撤回")
    JOB_OFFER_EXPIRED = "JOB_OFFER_EXPIRED", _("派单已超时")
    JOB_COMPLETED = "JOB_COMPLETED", _("上门服务已完成")
    SHIFT_CHANGED = "SHIFT_CHANGED", _("排班变更")
    SHIFT_CANCELLED = "SHIFT_CANCELLED", _("排班取消")
    CREDENTIAL_EXPIRING = "CREDENTIAL_EXPIRING", _("证件即将到期")
    CERTIFICATE_ISSUED = "CERTIFICATE_ISSUED", _("证书已颁发")
    HOURS_REVIEWED = "HOURS_REVIEWED", _("服务时长审核结果")
    HELP_RECEIVED = "HELP_RECEIVED", _("求助已收到")
    HELP_VOLUNTEER_COMING = "HELP_VOLUNTEER_COMING", _("志愿者将上门")
    HELP_CHANGED = "HELP_CHANGED", _("求助有变动")
    HELP_DECLINED = "HELP_DECLINED", _("求助未受理")
    HELP_DONE = "HELP_DONE", _("求助已完成")
    HELP_LOW_RATING = "HELP_LOW_RATING", _("求助评价较低")


class NotificationStatus(models.TextChoices):
    PENDING = "PENDING", _("待发送")
    SENDING = "SENDING", _("发送中")
    SENT = "SENT", _("已发送")
    SKIPPED = "SKIPPED", _("未发送")
    FAILED = "FAILED", _("发送失败")


class SkipReason(models.TextChoices):
    NOT_BOUND = "NOT_BOUND", _("未绑定微信")
    # Bound, but no account the person follows can send this kind (a 订阅号, no template)
    # and the district's service account has no openid of theirs: staff call them.
    NO_SENDABLE_ACCOUNT = "NO_SENDABLE_ACCOUNT", _("没有可发送的公众号")
    USER_INACTIVE = "USER_INACTIVE", _("账号已停用")


class Notification(TimeStampedModel):
    """One row of the outbox: what to tell whom about one event.

    `dedup_key` names the event ("offer:12", "credential:5:30d"); its unique index is what
    makes a notification at most once per event, however often the caller runs.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"),
                             on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    dedup_key = models.CharField(_("事件标识"), max_length=128)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=1000, blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=NotificationStatus.choices,
                              default=NotificationStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    skip_reason = models.CharField(_("未发送原因"), max_length=32, choices=SkipReason.choices,
                                   blank=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=32, blank=True)
    channel_ref = models.CharField(_("渠道消息编号"), max_length=64, blank=True)
    # When the next delivery is due; the sweep re-enqueues PENDING rows well past it.
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # Set when desk staff have phoned the person about a message WeChat could not carry:
    # the row then leaves the call list.
    handled_at = models.DateTimeField(_("已电话告知时间"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("电话告知人"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], name="notification_dedup_key_unique"),
            models.CheckConstraint(
                name="notification_sent_has_time",
                condition=~Q(status="SENT") | Q(sent_at__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.dedup_key}"
