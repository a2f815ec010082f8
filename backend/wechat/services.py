"""Every write of the WeChat integration."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record, enqueue_on_commit

from . import client, menus
from .error_codes import WeChatErrorCode
from .models import AccountMode, WeChatAccount, WeChatBinding, WeChatInboundMessage, WeChatMenu

logger = logging.getLogger(__name__)


def account_upsert(*, slug: str, name: str, app_id: str, token: str, app_secret: str = "",
                   mode: str = AccountMode.PLAIN, encoding_aes_key: str | None = None,
                   street=None, community=None) -> tuple[WeChatAccount, bool]:
    """Create the account, or leave an existing one with this slug untouched (idempotent)."""
    if mode != AccountMode.PLAIN and (not encoding_aes_key or len(encoding_aes_key) != 43):
        raise validation_error("encoding_aes_key",
                               _("安全模式和兼容模式需要43位的消息加解密密钥。"),
                               WeChatErrorCode.REQUIRED)
    with transaction.atomic():
        return WeChatAccount.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "app_id": app_id, "token": token, "app_secret": app_secret,
                      "mode": mode, "encoding_aes_key": encoding_aes_key, "street": street,
                      "community": community},
        )


def inbound_claim(*, account: WeChatAccount, msg_id: str | None, from_user: str,
                  create_time: int, msg_type: str, event: str = "") -> bool:
    """Record a message as processed; False if it already was (a retry or a replay).

    The unique constraints decide, so two concurrent deliveries cannot both win: on
    PostgreSQL the second insert waits for the first transaction and then fails.
    Call inside the transaction that processes the message, so a failed processing
    releases the claim and WeChat's retry can run it.
    """
    try:
        with transaction.atomic():
            WeChatInboundMessage.objects.create(
                account=account, msg_id=msg_id or None, from_user=from_user,
                create_time=create_time, msg_type=msg_type[:32], event=event[:64])
    except IntegrityError:
        return False
    return True


def inbound_purge(*, older_than) -> int:
    """Forget processed-message records past WeChat's retry window."""
    deleted, _counts = WeChatInboundMessage.objects.filter(received_at__lt=older_than).delete()
    return deleted


def binding_touch(*, account: WeChatAccount, openid: str, subscribed: bool | None = None
                  ) -> WeChatBinding:
    """The follower's row, created on first contact; `subscribed` updated when given."""
    with transaction.atomic():
        binding, created = WeChatBinding.objects.get_or_create(
            account=account, openid=openid,
            defaults={"subscribed": True if subscribed is None else subscribed})
        if not created and subscribed is not None and binding.subscribed != subscribed:
            binding.subscribed = subscribed
            binding.save(update_fields=["subscribed", "updated_at"])
    return binding


def binding_bind(*, account: WeChatAccount, openid: str, user) -> WeChatBinding:
    """Bind a follower to a Linli user: the openid proven by WeChat OAuth, the user by a
    Linli login. A person keeps one follower identity per account, so an older openid of
    theirs on this account is released; an openid bound to someone else moves over."""
    if not openid:
        raise validation_error("openid", _("缺少微信身份。"), WeChatErrorCode.REQUIRED)
    if user is None or not user.is_authenticated:
        raise validation_error(None, _("请先登录。"), WeChatErrorCode.REQUIRED)
    with transaction.atomic():
        (WeChatBinding.objects.filter(account=account, user_id=user.pk)
         .exclude(openid=openid).update(user=None, bound_at=None, updated_at=timezone.now()))
        binding, _created = WeChatBinding.objects.select_for_update().get_or_create(
            account=account, openid=openid, defaults={"subscribed": True})
        previous_user_id = binding.user_id
        binding.user = user
        binding.bound_at = timezone.now()
        binding.save(update_fields=["user", "bound_at", "updated_at"])
        audit_log_record(actor=user, action="wechat.binding.bind", obj=binding,
                         detail={"account": account.slug,
                                 "replaced_user_id": previous_user_id
                                 if previous_user_id not in (None, user.pk) else None})
    return binding


def binding_unbind(*, binding: WeChatBinding, actor) -> WeChatBinding:
    with transaction.atomic():
        binding.user = None
        binding.bound_at = None
        binding.save(update_fields=["user", "bound_at", "updated_at"])
        audit_log_record(actor=actor, action="wechat.binding.unbind", obj=binding,
                         detail={"account": binding.account.slug})
    return binding


# --- Go-live: custom menus --------------------------------------------------------------
def menu_save(*, account: WeChatAccount, buttons: list, actor=None) -> WeChatMenu:
    """Store the account's menu after WeChat's rules (backend/wechat/menus.py); not pushed."""
    problems = menus.menu_problems(buttons)
    if problems:
        raise validation_error("buttons", problems[0], WeChatErrorCode.INVALID)
    with transaction.atomic():
        menu, _created = WeChatMenu.objects.update_or_create(
            account=account, defaults={"buttons": buttons})
        audit_log_record(actor=actor, action="wechat.menu.save", obj=menu,
                         detail={"account": account.slug})
    return menu


def menu_push(*, menu: WeChatMenu) -> WeChatMenu:
    """Send the menu to WeChat (`menu/create` replaces the account's whole menu, so pushing
    twice is harmless). Records when it went out, or why WeChat refused it; a retryable
    error is re-raised for the task to retry."""
    problems = menus.menu_problems(menu.buttons)
    if problems:
        raise validation_error("buttons", problems[0], WeChatErrorCode.INVALID)
    account = menu.account
    try:
        client.menu_create(account, menus.wechat_menu(menu.buttons, slug=account.slug))
    except client.WeChatPermanentError as exc:
        menu.push_error = _("微信拒绝了这个菜单（错误码 {code}）。").format(
            code=exc.errcode if exc.errcode is not None else exc.code.value)[:200]
        menu.save(update_fields=["push_error", "updated_at"])
        logger.warning("wechat menu refused account=%s errcode=%s", account.slug, exc.errcode)
        return menu
    menu.pushed_at = timezone.now()
    menu.push_error = ""
    menu.save(update_fields=["pushed_at", "push_error", "updated_at"])
    return menu


def menu_push_enqueue(*, menu: WeChatMenu) -> None:
    from .tasks import menu_push_task

    enqueue_on_commit(menu_push_task, menu.pk)
