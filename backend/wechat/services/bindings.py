"""Followers bound to people: binding, binding links (QR codes), unbinding."""


from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import services as account_services
from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from .. import permissions, selectors
from ..error_codes import WeChatErrorCode
from ..models import (
    BindingLink,
    WeChatAccount,
    WeChatBinding,
)

logger = logging.getLogger(__name__)

BINDING_LINK_TTL = timedelta(days=7)


def binding_touch(*, account: WeChatAccount, openid: str, subscribed: bool | None = None
                  ) -> WeChatBinding:
    """The follower's row, created on first contact; `subscribed` updated when given (a
    subscribe or unsubscribe event), with the time it changed."""
    now = timezone.now()
    with transaction.atomic():
        binding, created = WeChatBinding.objects.get_or_create(
            account=account, openid=openid,
            defaults={"subscribed": True if subscribed is None else subscribed,
                      "subscribed_at": now if subscribed else None,
                      "unsubscribed_at": now if subscribed is False else None})
        if not created and subscribed is not None and binding.subscribed != subscribed:
            binding.subscribed = subscribed
            fields = ["subscribed", "updated_at"]
            if subscribed:
                binding.subscribed_at = now
                # Following again: a fresh openid relationship, no longer known bad.
                binding.invalid_at = None
                fields += ["subscribed_at", "invalid_at"]
            else:
                binding.unsubscribed_at = now
                fields.append("unsubscribed_at")
            binding.save(update_fields=fields)
    return binding


def follower_mark_unreachable(*, account: WeChatAccount, openid: str, invalid: bool
                              ) -> None:
    """WeChat said 43004 (not following) or 40003 (no such openid for this account):
    stop choosing this follower until they subscribe again."""
    now = timezone.now()
    fields = {"subscribed": False, "updated_at": now}
    if invalid:
        fields["invalid_at"] = now
    updated = (WeChatBinding.objects.filter(account=account, openid=openid, subscribed=True)
               .update(unsubscribed_at=now, **fields))
    if not updated and invalid:
        WeChatBinding.objects.filter(account=account, openid=openid).update(**fields)


def _bind(*, account: WeChatAccount, openid: str, user, actor, unionid: str = "",
          via: str) -> WeChatBinding:
    """Write the binding (inside the caller's transaction). One openid binds one person; a
    person may keep several openids (her own phone and her daughter's)."""
    binding, _created = WeChatBinding.objects.select_for_update().get_or_create(
        account=account, openid=openid, defaults={"subscribed": True})
    previous_user_id = binding.user_id
    binding.user = user
    binding.bound_at = timezone.now()
    fields = ["user", "bound_at", "updated_at"]
    if unionid and binding.unionid != unionid:
        binding.unionid = unionid
        fields.append("unionid")
    binding.save(update_fields=fields)
    audit_log_record(actor=actor, action="wechat.binding.bind", obj=binding,
                     detail={"account": account.slug, "via": via, "user_id": user.pk,
                             "replaced_user_id": previous_user_id
                             if previous_user_id not in (None, user.pk) else None})
    return binding


def binding_bind(*, account: WeChatAccount, openid: str, user, unionid: str = ""
                 ) -> WeChatBinding:
    """Bind a follower to a Linli user: the openid proven by WeChat OAuth, the user by a
    Linli login (staff and volunteers with a password). An openid bound to someone else
    moves over; the person's other openids stay bound."""
    if not openid:
        raise validation_error("openid", _("缺少微信身份。"), WeChatErrorCode.REQUIRED)
    if user is None or not user.is_authenticated:
        raise validation_error(None, _("请先登录。"), WeChatErrorCode.REQUIRED)
    with transaction.atomic():
        return _bind(account=account, openid=openid, user=user, actor=user, unionid=unionid,
                     via="password")


# --- Binding links: single-use QR codes staff hand out at the desk ------------------------
def binding_link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def binding_link_create(*, actor, user, account_slug: str | None = None
                        ) -> tuple[BindingLink, str]:
    """A new single-use binding link for `user`; returns (link, raw token). The raw token is
    not stored anywhere: put it in the URL now or lose it.

    Who: the "may act for this person" rule (accounts.permissions.can_act_for), checked
    first, with the same answer whether or not the person exists (`user` may be None).
    The account defaults to the district's."""
    account_services.act_for_check(actor=actor, person=user)
    if account_slug:
        account = selectors.account_get_by_slug(account_slug)
        if account is None:
            raise validation_error("account_slug", _("没有这个公众号。"),
                                   WeChatErrorCode.NOT_FOUND)
    else:
        account = selectors.district_account()
        if account is None:
            raise validation_error("account_slug", _("还没有配置区级公众号。"),
                                   WeChatErrorCode.NOT_FOUND)
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        link = BindingLink.objects.create(
            token_hash=binding_link_token_hash(token), user=user, account=account,
            created_by=actor, expires_at=timezone.now() + BINDING_LINK_TTL)
        audit_log_record(actor=actor, action="wechat.binding_link.create", obj=link,
                         detail={"account": account.slug, "user_id": user.pk})
    return link, token


@dataclass(frozen=True)
class LinkOutcome:
    """What opening a binding link came to: `binding` when this completion bound her."""

    link: BindingLink | None
    binding: WeChatBinding | None = None
    code: WeChatErrorCode | None = None
    message: str = ""


def binding_link_check(link: BindingLink | None) -> LinkOutcome | None:
    """Why a link cannot be used now (None when it can)."""
    if link is None:
        return LinkOutcome(link=None, code=WeChatErrorCode.NOT_FOUND,
                           message=_("这个绑定二维码无效。请找社区工作人员重新生成二维码。"))
    if link.spent_at is not None:
        return LinkOutcome(link=link, code=WeChatErrorCode.LINK_SPENT,
                           message=_("这个绑定二维码已经用过了，这次没有绑定任何人。"
                                     "如果还要绑定，请找社区工作人员重新生成二维码。"))
    if link.expires_at <= timezone.now():
        return LinkOutcome(link=link, code=WeChatErrorCode.LINK_EXPIRED,
                           message=_("这个绑定二维码已经过期了（有效期7天）。"
                                     "请找社区工作人员重新生成二维码。"))
    return None


def binding_link_redeem(*, link_id: int, openid: str, unionid: str = "") -> LinkOutcome:
    """Bind the follower who opened the link to the person it was made for, spending it.

    Exactly once: the link is spent by a conditional UPDATE (spent_at IS NULL, not expired)
    in the transaction that writes the binding; a second completion updates no row and
    binds nobody. An openid already bound to another person is not taken over by a QR code
    (that person's WeChat would silently become someone else's); the link stays unspent.
    """
    if not openid:
        raise validation_error("openid", _("缺少微信身份。"), WeChatErrorCode.REQUIRED)
    link = selectors.binding_link_get(pk=link_id)
    refusal = binding_link_check(link)
    if refusal is not None:
        return refusal
    existing = selectors.binding_get(account=link.account, openid=openid)
    if existing is not None and existing.user_id not in (None, link.user_id):
        return LinkOutcome(link=link, code=WeChatErrorCode.OPENID_TAKEN, message=_(
            "这个微信已经绑定了另一位邻里用户。请先在公众号里回复「解绑」，再扫这个二维码。"))
    now = timezone.now()
    with transaction.atomic():
        spent = (BindingLink.objects
                 .filter(pk=link.pk, spent_at__isnull=True, expires_at__gt=now)
                 .update(spent_at=now, spent_openid=openid, updated_at=now))
        if spent != 1:
            link.refresh_from_db()
            return binding_link_check(link) or LinkOutcome(
                link=link, code=WeChatErrorCode.LINK_SPENT,
                message=_("这个绑定二维码已经用过了，这次没有绑定任何人。"))
        binding = _bind(account=link.account, openid=openid, user=link.user, actor=link.user,
                        unionid=unionid, via="link")
    return LinkOutcome(link=link, binding=binding)


def binding_unbind_by(*, actor, binding_id: int) -> WeChatBinding:
    """The person (or someone who may act for her) unbinds one of her WeChats. A binding
    the actor may not touch answers the same as one that does not exist."""

    binding = (WeChatBinding.objects.select_related("account", "user__community")
               .filter(pk=binding_id, user__isnull=False).first())
    if binding is None or not permissions.can_unbind(actor, binding):
        raise PermissionDenied
    return binding_unbind(binding=binding, actor=actor)


def binding_unbind(*, binding: WeChatBinding, actor) -> WeChatBinding:
    with transaction.atomic():
        binding.user = None
        binding.bound_at = None
        binding.save(update_fields=["user", "bound_at", "updated_at"])
        audit_log_record(actor=actor, action="wechat.binding.unbind", obj=binding,
                         detail={"account": binding.account.slug})
    return binding
