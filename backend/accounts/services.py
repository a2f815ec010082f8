"""Account writes. Callers check who may act (permissions.py) before calling."""

import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from . import anonymise, permissions, ratelimit
from .error_codes import AccountErrorCode
from .models import (
    ApiToken,
    Community,
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
    Role,
    RoleAssignment,
    Street,
    User,
    phone_validator,
)


def _validate_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not phone:
        return ""
    try:
        phone_validator(phone)
    except ValidationError:
        raise validation_error("phone", _("手机号格式不正确，请输入11位手机号码。"),
                               AccountErrorCode.INVALID_PHONE) from None
    return phone


@transaction.atomic
def user_create(
    *, username: str, password: str | None, display_name: str = "", phone: str = "",
    community: Community | None = None, check_password: bool = True,
) -> User:
    username = (username or "").strip()
    if not username:
        raise validation_error("username", _("请填写用户名。"), AccountErrorCode.REQUIRED)
    phone = _validate_phone(phone)
    user = User(username=username, display_name=(display_name or "").strip(), phone=phone,
                community=community)
    if password:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise validation_error("password", " ".join(exc.messages),
                                       AccountErrorCode.WEAK_PASSWORD) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    if User.objects.filter(username__iexact=username).exists():
        raise validation_error(
            "username", _("用户名“%(username)s”已被使用，请换一个。") % {"username": username},
            AccountErrorCode.USERNAME_TAKEN)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise validation_error(
            "username", _("用户名“%(username)s”已被使用，请换一个。") % {"username": username},
            AccountErrorCode.USERNAME_TAKEN) from None
    return user


def role_assign(
    *, user: User, role: str, street: Street | None = None, community: Community | None = None,
) -> RoleAssignment:
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, street=street, community=community
    )
    if role in permissions.COORDINATOR_ROLES and not user.is_staff:
        # Coordinators work in the admin; what they see there is limited to their unit.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    permissions.forget_roles(user)
    return assignment


@transaction.atomic
def resident_create(
    *, actor: User, username: str, password: str, display_name: str, phone: str,
    community: Community, consent_version: str, address: str = "",
) -> User:
    """Staff register a resident at the counter; the resident's consent is recorded.
    `password` may be empty: most elderly residents sign in through a WeChat binding."""
    if not permissions.can_register_residents_somewhere(actor):
        raise PermissionDenied
    if not permissions.can_register_resident(actor, community):
        raise validation_error("community_id", _("您只能为本单位管辖的社区登记居民。"),
                               AccountErrorCode.OUTSIDE_YOUR_UNIT)
    if consent_version != settings.PRIVACY_NOTICE_VERSION:
        raise validation_error(
            "consent_version",
            _("请先让居民阅读并同意当前版本（%(version)s）的隐私声明。")
            % {"version": settings.PRIVACY_NOTICE_VERSION},
            AccountErrorCode.CONSENT_REQUIRED)
    user = user_create(username=username, password=password, display_name=display_name,
                       phone=phone, community=community)
    user.consent_version = consent_version
    user.consented_at = timezone.now()
    user.address = (address or "").strip()
    user.save(update_fields=["consent_version", "consented_at", "address"])
    role_assign(user=user, role=Role.RESIDENT, community=community)
    audit_log_record(actor=actor, action="resident.create", obj=user,
                     detail={"community_id": community.pk, "consent_version": consent_version})
    return user


def consent_ensure(*, actor: User, user: User, consent_version: str | None,
                   field: str = "consent_version") -> None:
    """API.md "Consent": the consent that counts is the version recorded on the person.
    She passes when she has consented to the current notice; otherwise `consent_version`
    (given by her, or by staff at the counter after she agreed) must be the current
    version, and it is recorded. Anything else is CONSENT_REQUIRED."""
    current = settings.PRIVACY_NOTICE_VERSION
    if user.consent_version == current:
        return
    if (consent_version or "").strip() != current:
        raise validation_error(
            field, _("请先阅读并同意当前版本（%(version)s）的隐私声明。") % {"version": current},
            AccountErrorCode.CONSENT_REQUIRED)
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(consent_version=current, consented_at=now)
    user.consent_version, user.consented_at = current, now
    audit_log_record(actor=actor, action="account.consent", obj=user,
                     detail={"consent_version": current, "on_behalf": actor.pk != user.pk})


@transaction.atomic
def consent_withdraw(*, user: User) -> None:
    """She withdraws her own consent to the privacy notice: nothing that needs it (a
    booking, a shift, a help request) goes through until she consents again; what she
    already has stays. Audit-logged."""
    withdrawn = user.consent_version
    User.objects.filter(pk=user.pk).update(consent_version="", consented_at=None)
    user.consent_version, user.consented_at = "", None
    audit_log_record(actor=user, action="account.consent_withdraw", obj=user,
                     detail={"consent_version": withdrawn})


def act_for_check(*, actor, person: User | None, field: str = "user_id") -> None:
    """Refuse unless `actor` may act for `person` (permissions.can_act_for). Desk workers
    (staff, coordinators) get OUTSIDE_YOUR_UNIT, anyone else PERMISSION_DENIED; the answer
    is the same for a person who does not exist."""
    if permissions.can_act_for(actor, person):
        return
    if permissions.can_register_residents_somewhere(actor):
        raise validation_error(field, _("您只能为本单位管辖的社区的居民办理。"),
                               AccountErrorCode.OUTSIDE_YOUR_UNIT)
    raise PermissionDenied


def calendar_token_regenerate(*, user: User) -> str:
    """A new secret for the person's calendar feed; the old URL stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    audit_log_record(actor=user, action="calendar_token.regenerate", obj=user)
    return user.calendar_token


def calendar_token_ensure(*, user: User) -> str:
    if not user.calendar_token:
        # Conditional, so two first requests at once agree on one token.
        User.objects.filter(pk=user.pk, calendar_token__isnull=True).update(
            calendar_token=secrets.token_urlsafe(32))
        user.calendar_token = User.objects.values_list("calendar_token", flat=True).get(
            pk=user.pk)
    token = user.calendar_token
    assert token is not None  # set above, by this request or the one that won the race
    return token


def token_create(*, username: str, password: str) -> tuple[ApiToken, User]:
    # Checked per call, so aliases in one request count one attempt each.
    if ratelimit.retry_after(username):
        raise validation_error("username", ratelimit.MESSAGE, AccountErrorCode.RATE_LIMITED)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise validation_error("username", _("用户名或密码不正确。"),
                               AccountErrorCode.INVALID_CREDENTIALS)
    return token_issue(user), user


def token_issue(user: User) -> ApiToken:
    """A new API token; earlier ones stay valid (API.md "Tokens")."""
    return ApiToken.objects.create(user=user, key=secrets.token_hex(20))


def token_revoke(*, user: User, key: str) -> bool:
    """End one of the user's own tokens; False when it is not theirs or already ended."""
    return bool(ApiToken.objects.filter(user=user, key=key, revoked_at__isnull=True)
                .update(revoked_at=timezone.now()))


def data_request_delete(*, user: User) -> DataRequest:
    """She asks for her personal data to be deleted; asking again while one is open answers
    the open one. Staff of her unit act on it (data_request_complete / _refuse)."""
    with transaction.atomic():
        request, created = DataRequest.objects.get_or_create(
            person=user, kind=DataRequestKind.DELETE, status=DataRequestStatus.OPEN)
        if created:
            audit_log_record(actor=user, action="account.data_request", obj=request,
                             detail={"kind": request.kind})
    return request


def _handle_check(actor: User, request: DataRequest) -> None:
    if not permissions.can_handle_data_request(actor, request.person):
        raise PermissionDenied
    if request.status != DataRequestStatus.OPEN:
        raise validation_error("id", _("这条申请已经处理过了。"),
                               AccountErrorCode.ALREADY_HANDLED)


@transaction.atomic
def data_request_complete(*, actor: User, request: DataRequest) -> dict[str, int]:
    """Staff checked the request: anonymise her account and close it."""
    request = DataRequest.objects.select_for_update(of=("self",)).select_related(
        "person__community").get(pk=request.pk)
    _handle_check(actor, request)
    done = anonymise.anonymise_user(user=request.person, actor=actor,
                                    why=f"data_request:{request.pk}")
    request.status, request.handled_by, request.handled_at = (
        DataRequestStatus.DONE, actor, timezone.now())
    request.save(update_fields=["status", "handled_by", "handled_at", "updated_at"])
    return done


@transaction.atomic
def data_request_refuse(*, actor: User, request: DataRequest, reason: str) -> None:
    """Staff refuse (e.g. a help visit still open), saying why; she can ask again later."""
    request = DataRequest.objects.select_for_update(of=("self",)).select_related(
        "person__community").get(pk=request.pk)
    _handle_check(actor, request)
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("请写明拒绝的原因。"), AccountErrorCode.REQUIRED)
    request.status, request.reason = DataRequestStatus.REFUSED, reason[:300]
    request.handled_by, request.handled_at = actor, timezone.now()
    request.save(update_fields=["status", "reason", "handled_by", "handled_at", "updated_at"])
    audit_log_record(actor=actor, action="account.data_request_refuse", obj=request,
                     detail={"kind": request.kind})
