from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.fields import EncryptedTextField, KeyedHashField
from backend.core.masking import mask_phone
from backend.core.models import TimeStampedModel

phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入11位手机号码，例如 13812345678。"))


class Street(TimeStampedModel):
    """A street office (街道)."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    wechat_account_name = models.CharField(_("公众号名称"), max_length=64, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class Community(TimeStampedModel):
    """A community (社区); every person, venue and volunteer belongs to one."""

    street = models.ForeignKey(Street, verbose_name=_("街道"), on_delete=models.PROTECT,
                               related_name="communities")
    name = models.CharField(_("名称"), max_length=64)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["street__sort_order", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"],
                                    name="community_name_unique_in_street")
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # Personal information (PIPL): stored once, here, encrypted at rest; shown through
    # mask_phone elsewhere. Found by its keyed hash (couples share a phone: not unique).
    phone = EncryptedTextField(_("手机号"), max_length=11, blank=True,
                               validators=[phone_validator])
    phone_hash = KeyedHashField(_("手机号摘要"), source="phone", purpose="phone")
    # The registered address (personal data, encrypted at rest): where doorstep help goes
    # unless she names another.
    address = EncryptedTextField(_("登记住址"), blank=True)
    community = models.ForeignKey(Community, verbose_name=_("所属社区"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="members")
    consent_version = models.CharField(_("同意的隐私声明版本"), max_length=32, blank=True)
    consented_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    # The secret in the person's calendar feed URL; regenerating it cuts off old links.
    calendar_token = models.CharField(_("日历订阅令牌"), max_length=43, unique=True, null=True,
                                      blank=True, editable=False)
    # Set once her personal data has been removed (backend.accounts.anonymise); the row
    # stays so statistics and certificates keep their counts.
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # not in django-stubs
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Role(models.TextChoices):
    DISTRICT_ADMIN = "DISTRICT_ADMIN", _("区管理员")
    STREET_COORDINATOR = "STREET_COORDINATOR", _("街道协调员")
    COMMUNITY_STAFF = "COMMUNITY_STAFF", _("社区工作人员")
    INSTRUCTOR = "INSTRUCTOR", _("讲师")
    VOLUNTEER = "VOLUNTEER", _("志愿者")
    RESIDENT = "RESIDENT", _("居民")


class RoleAssignment(TimeStampedModel):
    """A role held over a unit: the district (no unit), a street, or a community."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    street = models.ForeignKey(Street, verbose_name=_("街道"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, verbose_name=_("社区"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(role="DISTRICT_ADMIN", street__isnull=True, community__isnull=True)
                    | Q(role="STREET_COORDINATOR", street__isnull=False, community__isnull=True)
                    | Q(role="COMMUNITY_STAFF", street__isnull=True, community__isnull=False)
                    | (Q(role__in=["INSTRUCTOR", "VOLUNTEER", "RESIDENT"]) & Q(street__isnull=True))
                ),
            ),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        unit = self.community or self.street or _("全区")
        return f"{self.user} · {self.get_role_display()} · {unit}"


class ApiToken(models.Model):
    """An API key for `Authorization: Token <key>` (API.md "Tokens"): one per sign-in, so
    a new one leaves the earlier ones valid; it lapses after LINLI_TOKEN_IDLE_DAYS without
    use, and `tokenRevoke` ends it."""

    key = models.CharField(_("密钥"), max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("用户"))
    created = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used = models.DateTimeField(_("最近使用"), default=timezone.now)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.key[:6]}…"


class DataRequestKind(models.TextChoices):
    DELETE = "DELETE", _("删除我的信息")


class DataRequestStatus(models.TextChoices):
    OPEN = "OPEN", _("待处理")
    DONE = "DONE", _("已匿名化")
    REFUSED = "REFUSED", _("已拒绝")


class DataRequest(TimeStampedModel):
    """A person's request about her data (PIPL's right to deletion). Staff of her unit
    check it in the admin and either anonymise her account or refuse, saying why."""

    person = models.ForeignKey(User, verbose_name=_("申请人"), on_delete=models.CASCADE,
                               related_name="data_requests")
    kind = models.CharField(_("类型"), max_length=16, choices=DataRequestKind.choices,
                            default=DataRequestKind.DELETE)
    status = models.CharField(_("状态"), max_length=16, choices=DataRequestStatus.choices,
                              default=DataRequestStatus.OPEN)
    # Staff's answer when refusing (shown to her); never her personal data.
    reason = models.CharField(_("处理说明"), max_length=300, blank=True)
    handled_by = models.ForeignKey(User, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息申请")
        verbose_name_plural = _("个人信息申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request of a kind per person: pressing the button twice asks once.
            models.UniqueConstraint(fields=["person", "kind"], condition=Q(status="OPEN"),
                                    name="data_request_one_open_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.person_id} · {self.get_status_display()}"
