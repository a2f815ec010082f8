"""Custom menus: store after WeChat's rules, push with menu/create."""


from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import validation_error
from backend.core.services import audit_log_record, enqueue_on_commit

from .. import client, menus
from ..error_codes import WeChatErrorCode
from ..models import (
    WeChatAccount,
    WeChatMenu,
)
from ..tasks import menu_push_task

logger = logging.getLogger(__name__)


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
    enqueue_on_commit(menu_push_task, menu.pk)
