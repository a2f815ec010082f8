"""The alliance's accounts: create, sending state (stopped, paused), templates, CSV."""


from __future__ import annotations

import csv
import io
import logging
import secrets
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Community, Role, Street, User
from backend.core.errors import validation_error
from backend.core.services import audit_log_record

from ..error_codes import WeChatErrorCode
from ..models import (
    AccountMode,
    AccountType,
    WeChatAccount,
    WeChatTemplate,
)

logger = logging.getLogger(__name__)


def account_upsert(*, slug: str, name: str, app_id: str, token: str, app_secret: str = "",
                   mode: str = AccountMode.PLAIN, encoding_aes_key: str | None = None,
                   street=None, community=None, account_type: str = "SERVICE",
                   in_open_platform: bool = False) -> tuple[WeChatAccount, bool]:
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
                      "community": community, "account_type": account_type,
                      "in_open_platform": in_open_platform},
        )


# --- Account sending state: stopped by an operator problem, paused by the quota -----------
STOP_REASONS = {
    40164: _("服务器IP不在公众号白名单中（40164）"),
    40125: _("AppSecret 不正确（40125）"),
    48001: _("公众号未获得该接口权限（48001）"),
}


def account_sending_stop(*, account: WeChatAccount, errcode: int | None) -> bool:
    """WeChat refused the account itself: stop sending through it and alert the district
    admins, once (the conditional update decides which caller alerts). True if this call
    stopped it."""
    reason = str(STOP_REASONS.get(errcode or 0) or _("微信拒绝了该公众号的请求（%(code)s）")
                 % {"code": errcode})
    now = timezone.now()
    with transaction.atomic():
        stopped = WeChatAccount.objects.filter(
            pk=account.pk, sending_stopped_at__isnull=True).update(
            sending_stopped_at=now, sending_stopped_reason=reason[:200], updated_at=now)
        if not stopped:
            return False
        audit_log_record(actor=None, action="wechat.account.sending_stopped", obj=account,
                         detail={"account": account.slug, "errcode": errcode})
        transaction.on_commit(lambda: _alert_district_admins(account, reason), robust=True)
    account.sending_stopped_at, account.sending_stopped_reason = now, reason[:200]
    logger.error("ALERT wechat account %s stopped sending: errcode=%s", account.slug, errcode)
    return True


def _alert_district_admins(account: WeChatAccount, reason: str) -> int:
    """E-mail every district admin who has an address. E-mail, not WeChat: the account
    that failed may be the one their alert would go through."""


    recipients = sorted(set(User.objects.filter(
        is_active=True, role_assignments__role=Role.DISTRICT_ADMIN).exclude(email="")
        .values_list("email", flat=True)))
    if not recipients:
        logger.error("ALERT wechat account %s stopped and no district admin has an e-mail",
                     account.slug)
        return 0
    subject = _("【邻里】公众号“%(name)s”已停止发送消息") % {"name": account.name}
    body = _("公众号“%(name)s”（%(slug)s）的消息发送已停止。\n原因：%(reason)s\n"
             "请在公众号后台处理后，到邻里管理后台的“公众号”页面恢复发送。"
             "在此期间，能改由区公众号发送的通知会改由区公众号发送。") % {
        "name": account.name, "slug": account.slug, "reason": reason}
    try:
        return send_mail(subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", None),
                         recipients)
    except OSError as exc:  # the mail server is down: the audit log still has it
        logger.error("ALERT mail to district admins failed (%s)", type(exc).__name__)
        return 0


def account_sending_resume(*, actor, account: WeChatAccount) -> WeChatAccount:
    """An operator fixed the account (whitelist, secret, permission): send through it again."""
    with transaction.atomic():
        previous = account.sending_stopped_reason
        WeChatAccount.objects.filter(pk=account.pk).update(
            sending_stopped_at=None, sending_stopped_reason="", sending_paused_until=None,
            updated_at=timezone.now())
        audit_log_record(actor=actor, action="wechat.account.sending_resumed", obj=account,
                         detail={"account": account.slug, "previous_reason": previous})
    account.refresh_from_db()
    return account


def quota_resume_time(now=None):
    """WeChat's template-message quota is per day: the next local midnight."""

    local = timezone.localtime(now or timezone.now())
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=local.tzinfo)


def account_sending_pause(*, account: WeChatAccount, until) -> None:
    """The quota circuit (45009): deliveries through this account wait until `until`;
    other accounts are unaffected."""
    (WeChatAccount.objects.filter(pk=account.pk)
     .filter(Q(sending_paused_until__isnull=True) | Q(sending_paused_until__lt=until))
     .update(sending_paused_until=until, updated_at=timezone.now()))
    account.sending_paused_until = until
    logger.warning("wechat account %s paused until %s (quota)", account.slug, until)


# --- Templates --------------------------------------------------------------------------
def template_set(*, account: WeChatAccount, kind: str, template_id: str) -> WeChatTemplate:
    template, _created = WeChatTemplate.objects.update_or_create(
        account=account, kind=kind, defaults={"template_id": template_id})
    return template


# --- CSV import / export of the alliance's accounts ---------------------------------------
ACCOUNT_CSV_COLUMNS = ["slug", "name", "app_id", "account_type", "street", "community"]


def accounts_export_csv(*, actor, queryset) -> str:
    """Slug, name, app id, type and unit: never secrets or tokens."""

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ACCOUNT_CSV_COLUMNS)
    rows = 0
    for account in queryset.select_related("street", "community"):
        writer.writerow([account.slug, account.name, account.app_id, account.account_type,
                         account.street.name if account.street else "",
                         account.community.name if account.community else ""])
        rows += 1
    audit_log_record(actor=actor, action="wechat.account.export",
                     object_type="wechat.wechataccount", detail={"rows": rows})
    return out.getvalue()


def _account_row(row: dict, *, ctx: dict[str, Any]) -> tuple:
    """One CSV row checked against the database and the rows before it; ValueError with a
    Chinese message when it cannot be imported."""
    slug = (row["slug"] or "").strip()
    name = (row["name"] or "").strip()
    app_id = (row["app_id"] or "").strip()
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValueError(_("标识只能包含字母、数字、下划线和连字符")) from None
    if slug in ctx["seen_slugs"]:
        raise ValueError(_("标识在文件中重复"))
    if not name:
        raise ValueError(_("缺少名称"))
    if not app_id.startswith("wx") or len(app_id) > 32:
        raise ValueError(_("AppID 格式不正确"))
    if app_id in ctx["seen_app_ids"] or ctx["app_ids"].get(app_id, slug) != slug:
        raise ValueError(_("AppID 已被其他公众号使用"))
    if slug in ctx["existing"] and ctx["existing"][slug].app_id != app_id:
        raise ValueError(_("不能修改已有公众号的 AppID"))
    account_type = ctx["types"].get((row["account_type"] or "").strip() or "SERVICE")
    if account_type is None:
        raise ValueError(_("类型应为 SERVICE（服务号）或 SUBSCRIPTION（订阅号）"))
    street_name = (row["street"] or "").strip()
    community_name = (row["community"] or "").strip()
    if street_name and community_name:
        raise ValueError(_("街道和社区只能填一个（都不填表示区级公众号）"))
    street = ctx["streets"].get(street_name) if street_name else None
    community = ctx["communities"].get(community_name) if community_name else None
    if street_name and street is None:
        raise ValueError(_("未知街道"))
    if community_name and community is None:
        raise ValueError(_("未知社区"))
    return slug, name, app_id, account_type, street, community


def accounts_import_csv(*, actor, content: str) -> dict:
    """Validate every row, then create or update all of them or none. Returns
    {"created": n, "updated": n, "rejected": [(line, message), ...]}. Existing accounts
    (by slug) get their name, type and unit updated; their app id must not change."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in ACCOUNT_CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return {"created": 0, "updated": 0, "rejected": [(1, _("缺少列：%(cols)s") % {
            "cols": ", ".join(missing)})]}
    existing = {a.slug: a for a in WeChatAccount.objects.all()}
    ctx: dict[str, Any] = {
        "streets": {s.name: s for s in Street.objects.all()},
        "communities": {c.name: c for c in Community.objects.select_related("street")},
        "existing": existing,
        "app_ids": {a.app_id: a.slug for a in existing.values()},
        "types": {**{t.value: t.value for t in AccountType},
                  **{str(t.label): t.value for t in AccountType}},
        "seen_slugs": set(), "seen_app_ids": set(),
    }
    parsed, rejected = [], []
    for line, row in enumerate(reader, start=2):
        try:
            parsed_row = _account_row(row, ctx=ctx)
        except ValueError as exc:
            rejected.append((line, str(exc)))
            continue
        parsed.append(parsed_row)
        ctx["seen_slugs"].add(parsed_row[0])
        ctx["seen_app_ids"].add(parsed_row[2])
    if rejected:
        return {"created": 0, "updated": 0, "rejected": rejected}
    created = updated = 0
    with transaction.atomic():
        for slug, name, app_id, account_type, street, community in parsed:
            account = existing.get(slug)
            if account is None:
                WeChatAccount.objects.create(
                    slug=slug, name=name, app_id=app_id, account_type=account_type,
                    street=street, community=community, token=secrets.token_hex(16))
                created += 1
            else:
                account.name, account.account_type = name, account_type
                account.street, account.community = street, community
                account.save(update_fields=["name", "account_type", "street", "community",
                                            "updated_at"])
                updated += 1
        audit_log_record(actor=actor, action="wechat.account.import",
                         object_type="wechat.wechataccount",
                         detail={"created": created, "updated": updated})
    return {"created": created, "updated": updated, "rejected": []}
