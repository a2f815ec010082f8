"""The help-request columns of ServiceRequest, kept here so volunteers/models.py stays small.
An abstract model: the columns live on the one `volunteers_servicerequest` table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.fields import EncryptedTextField


class PartOfDay(models.TextChoices):
    MORNING = "MORNING", _("上午")
    AFTERNOON = "AFTERNOON", _("下午")
    EVENING = "EVENING", _("晚上")


class HelpRequestFields(models.Model):
    """A help request is a ServiceRequest with a requester; a plain dispatch has none.
    Its doorstep address is ServiceRequest.address (personal data; the one column the
    field-encryption change converts, with User.address)."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("求助人"), null=True,
                                  blank=True, on_delete=models.PROTECT,
                                  related_name="help_requests")
    # Her own words may hold a phone number or an address: encrypted at rest.
    description = EncryptedTextField(_("求助内容"), max_length=1000, blank=True)
    preferred_date = models.DateField(_("希望日期"), null=True, blank=True)
    part_of_day = models.CharField(_("希望时段"), max_length=16, choices=PartOfDay.choices,
                                   blank=True)
    decline_reason = models.CharField(_("不受理原因"), max_length=200, blank=True)
    merged_into = models.ForeignKey("self", verbose_name=_("合并到"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged_requests")
    consent_version = models.CharField(_("同意的隐私声明版本"), max_length=32, blank=True)
    # Said at the door by the volunteer, so the resident can tell an impostor.
    visit_code = models.CharField(_("上门暗号"), max_length=8, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        abstract = True
