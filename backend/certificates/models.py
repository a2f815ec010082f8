from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Community, Street
from backend.core.models import TimeStampedModel

from .codes import display_code


class CertificateKind(models.TextChoices):
    COURSE_COMPLETION = "COURSE_COMPLETION", _("结业证书")
    SERVICE_HOURS = "SERVICE_HOURS", _("志愿服务证明")


class CertificateStatus(models.TextChoices):
    VALID = "VALID", _("有效")
    REVOKED = "REVOKED", _("已撤销")
    EXPIRED = "EXPIRED", _("已过期")


class Certificate(TimeStampedModel):
    """An issued certificate: what was printed (snapshot), the PDF bytes and their hash.

    Never deleted and never re-rendered; revoking records who, when and why and keeps the
    code, so the printed QR code keeps answering "revoked" instead of "unknown".
    """

    kind = models.CharField(_("类型"), max_length=32, choices=CertificateKind.choices)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("持有人"),
                               on_delete=models.PROTECT, related_name="certificates")
    # What the certificate is for, e.g. "enrollment:42" or "hours:7:2026-H1"; unique, so
    # issuing twice (a task run twice, two racing workers) yields one row.
    source_key = models.CharField(_("来源"), max_length=128, unique=True)
    code = models.CharField(_("证书编号"), max_length=16, unique=True)
    snapshot = models.JSONField(_("证书内容"), default=dict)
    # The issuing unit ("谁记录谁证明"); both empty means the district.
    issuer_street = models.ForeignKey(Street, verbose_name=_("颁发街道"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    issuer_community = models.ForeignKey(Community, verbose_name=_("颁发社区"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("颁发时间"), default=timezone.now)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="certificate_one_issuer_unit",
                condition=Q(issuer_street__isnull=True) | Q(issuer_community__isnull=True),
            ),
            models.CheckConstraint(
                name="certificate_revocation_has_time",
                condition=Q(revoked_at__isnull=False) | Q(revoked_by__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["holder", "-issued_at"], name="certificate_holder_idx")]

    def __str__(self):
        return f"{self.display_code} {self.title}"

    @property
    def display_code(self) -> str:
        return display_code(self.code)

    @property
    def title(self) -> str:
        return str(self.snapshot.get("title", ""))

    @property
    def holder_name(self) -> str:
        return str(self.snapshot.get("holder_name", ""))

    @property
    def issuer_name(self) -> str:
        return str(self.snapshot.get("issuer_name", ""))

    @property
    def issuer_unit(self) -> Street | Community | None:
        return self.issuer_community or self.issuer_street

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.valid_until is not None and timezone.localdate() > self.valid_until:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID
