"""Help drafts (a WeChat message not yet confirmed), photos, and a help request's history.
Imported by volunteers/models.py, so they belong to the `volunteers` app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.fields import EncryptedTextField
from backend.core.models import TimeStampedModel


class HelpDraft(TimeStampedModel):
    """`求助 …` or a photo sent to an account: confirmed once through /help/new/<token>
    within 24 h, then it becomes a ServiceRequest."""

    token = models.CharField(_("确认令牌"), max_length=43, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("求助人"),
                             on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("wechat.WeChatAccount", verbose_name=_("公众号"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")
    openid = models.CharField(_("OpenID"), max_length=64, blank=True)
    # WeChat's MsgId: a message WeChat retries makes no second draft.
    msg_id = models.CharField(_("消息编号"), max_length=64, blank=True)
    text = EncryptedTextField(_("内容"), max_length=1000, blank=True)  # her words: encrypted
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    request = models.ForeignKey("volunteers.ServiceRequest", verbose_name=_("求助"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("求助草稿")
        verbose_name_plural = _("求助草稿")
        constraints = [
            models.UniqueConstraint(fields=["openid", "msg_id"], condition=~Q(msg_id=""),
                                    name="help_draft_once_per_message"),
        ]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class HelpPhoto(models.Model):
    """An uploaded image, re-encoded without EXIF. Usable in photoIds by its uploader for
    24 h; its file is deleted after HELP_PHOTO_RETENTION_DAYS (the row keeps deleted_at)."""

    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"),
                                 on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("文件"), upload_to="help/%Y/%m/", max_length=200, blank=True)
    content_type = models.CharField(_("类型"), max_length=32, default="image/jpeg")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    request = models.ForeignKey("volunteers.ServiceRequest", verbose_name=_("求助"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="photos")
    draft = models.ForeignKey(HelpDraft, verbose_name=_("草稿"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="photos")

    class Meta:
        verbose_name = _("求助照片")
        verbose_name_plural = _("求助照片")
        ordering = ["id"]

    def __str__(self):
        return f"photo {self.pk}"


class HelpEventKind(models.TextChoices):
    RECEIVED = "RECEIVED", _("已收到")
    TRIAGED = "TRIAGED", _("已派单")
    ACCEPTED = "ACCEPTED", _("志愿者已接单")
    CHANGED = "CHANGED", _("有变动")
    DECLINED = "DECLINED", _("未受理")
    MERGED = "MERGED", _("已合并")
    COMPLETED = "COMPLETED", _("已完成")
    CANCELLED = "CANCELLED", _("已取消")
    RATED = "RATED", _("已评价")


class HelpEvent(models.Model):
    """One step of a help request's history: what the resident's page and staff see."""

    request = models.ForeignKey("volunteers.ServiceRequest", verbose_name=_("求助"),
                                on_delete=models.CASCADE, related_name="help_events")
    kind = models.CharField(_("类型"), max_length=16, choices=HelpEventKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("求助进展")
        verbose_name_plural = _("求助进展")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.kind}"
