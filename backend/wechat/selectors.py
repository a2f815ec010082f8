from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.accounts.permissions import coordinated_community_filter

from .models import (
    AccountType,
    BindingLink,
    Broadcast,
    WeChatAccount,
    WeChatBinding,
    WeChatTemplate,
)


def account_get_by_slug(slug: str) -> WeChatAccount | None:
    return (WeChatAccount.objects.select_related("street", "community__street")
            .filter(slug=slug).first())


def binding_get(*, account: WeChatAccount, openid: str) -> WeChatBinding | None:
    """The follower with the bound user and the user's community (commands need both)."""
    return (WeChatBinding.objects
            .select_related("user__community__street")
            .filter(account=account, openid=openid).first())


def bindings_for_user(user) -> QuerySet[WeChatBinding]:
    """Where a person can be reached: their subscribed bindings, most recently bound first."""
    if user is None or not getattr(user, "pk", None):
        return WeChatBinding.objects.none()
    return (WeChatBinding.objects.select_related("account")
            .filter(user_id=user.pk, subscribed=True, invalid_at__isnull=True)
            .order_by("-bound_at", "-id"))


def notification_target(user) -> WeChatBinding | None:
    """The binding a template message to this person should go through, or None."""
    return bindings_for_user(user).first()


def district_account() -> WeChatAccount | None:
    """The district's own account (no street, no community): 微市南, slug `weishinan`."""
    return (WeChatAccount.objects.filter(street__isnull=True, community__isnull=True)
            .order_by("id").first())


def binding_link_get(*, pk=None, token_hash: str | None = None) -> BindingLink | None:
    """A binding link with its person and account."""
    qs = BindingLink.objects.select_related("user", "account")
    if pk is not None:
        return qs.filter(pk=pk).first()
    return qs.filter(token_hash=token_hash).first() if token_hash else None


def user_for_follower(*, account: WeChatAccount, openid: str, unionid: str = ""):
    """The person signed in by this follower: the one bound to the openid on this account,
    else (with a unionid) the one bound to it through another alliance account."""
    binding = (WeChatBinding.objects.select_related("user")
               .filter(account=account, openid=openid, user__isnull=False,
                       user__is_active=True).first())
    if binding is not None:
        return binding.user
    if not unionid:
        return None
    other = (WeChatBinding.objects.select_related("user")
             .filter(unionid=unionid, user__isnull=False, user__is_active=True)
             .order_by("-bound_at", "-id").first())
    return other.user if other is not None else None


def bindings_bound_to(user) -> QuerySet[WeChatBinding]:
    """Every WeChat bound to the person, followed or not, newest first, with the account."""
    return (WeChatBinding.objects.select_related("account")
            .filter(user_id=user.pk).order_by("-bound_at", "-id"))


def account_get_by_mp_verify_code(code: str) -> WeChatAccount | None:
    """The account whose OAuth-domain check file is MP_verify_<code>.txt."""
    if not code:
        return None
    return WeChatAccount.objects.filter(mp_verify_code=code).first()


def template_id_for(account: WeChatAccount, kind: str) -> str:
    """The account's template id for `kind`: the database (WeChatTemplate), else the
    LINLI_WECHAT_TEMPLATE_IDS setting ({"<slug>" or "*": {"<KIND>": id}}) as a fallback."""
    template = WeChatTemplate.objects.filter(account=account, kind=kind).first()
    if template is not None and template.template_id:
        return template.template_id
    mapping = getattr(settings, "LINLI_WECHAT_TEMPLATE_IDS", None) or {}
    for key in (account.slug, "*"):
        template_id = (mapping.get(key) or {}).get(kind)
        if template_id:
            return str(template_id)
    return ""


@dataclass(frozen=True)
class TemplateSender:
    account: WeChatAccount
    openid: str
    template_id: str


# Why an account cannot send a template message (the text goes on the outbox row).
CANNOT_SUBSCRIPTION = "SUBSCRIPTION"
CANNOT_STOPPED = "STOPPED"
CANNOT_NO_TEMPLATE = "NO_TEMPLATE"


def _why_not(account: WeChatAccount, kind: str) -> tuple[str, tuple[str, str] | None]:
    """(template id, None) when the account can send a `kind` template message now or
    after a pause; ("", (code, text)) otherwise."""
    if not account.capabilities.template_messages:
        return "", (CANNOT_SUBSCRIPTION, _("“%(account)s”是订阅号，不能发模板消息")
                    % {"account": account.name})
    if account.sending_stopped_at is not None:
        return "", (CANNOT_STOPPED, _("“%(account)s”已停止发送（%(reason)s）") % {
            "account": account.name, "reason": account.sending_stopped_reason})
    template_id = template_id_for(account, kind)
    if not template_id:
        return "", (CANNOT_NO_TEMPLATE, _("公众号“%(account)s”未配置该类消息的模板")
                    % {"account": account.name})
    return template_id, None


def template_senders(user, kind: str
                     ) -> tuple[list[TemplateSender], list[tuple[str, str]], bool]:
    """Who can send a `kind` template message to this person, best first, and why the
    others cannot: (senders, reasons, has_any_binding).

    First the accounts the person follows and is bound on (most recently bound first) that
    can send it; then the district's service account, where the person has an openid there
    — bound on it, or a follower of it with the unionid of one of their bound openids (one
    person across the alliance).
    """
    bindings = list(bindings_for_user(user))
    senders: list[TemplateSender] = []
    reasons: list[tuple[str, str]] = []
    used: set[int] = set()
    for binding in bindings:
        template_id, why = _why_not(binding.account, kind)
        if template_id:
            if binding.account_id not in used:
                senders.append(TemplateSender(binding.account, binding.openid, template_id))
                used.add(binding.account_id)
        else:
            reasons.append(why)
    unionids = {b.unionid for b in bindings if b.unionid}
    districts = WeChatAccount.objects.filter(
        street__isnull=True, community__isnull=True,
        account_type=AccountType.SERVICE).exclude(pk__in=used).order_by("id")
    for district in districts:
        follower = (WeChatBinding.objects
                    .filter(account=district, subscribed=True, invalid_at__isnull=True,
                            unionid__in=unionids)
                    .order_by("-id").first()) if unionids else None
        if follower is None:
            continue
        template_id, why = _why_not(district, kind)
        if template_id:
            senders.append(TemplateSender(district, follower.openid, template_id))
        else:
            reasons.append(why)
    return senders, reasons, bool(bindings)


# --- Broadcasts -------------------------------------------------------------------------------
def broadcast_senders(*, street=None, community=None) -> list[WeChatAccount]:
    """The accounts a broadcast goes through, in the order that decides who sends to a
    person following several (API.md "Broadcasts"): a community's account; a street's own
    account, else each community account in the street; the district's account. Accounts
    WeChat refused (sending stopped) are left out."""
    live = WeChatAccount.objects.filter(sending_stopped_at__isnull=True).order_by("id")
    if community is not None:
        return list(live.filter(community=community)[:1])
    if street is not None:
        own = list(live.filter(street=street, community__isnull=True)[:1])
        return own or list(live.filter(community__street=street))
    return list(live.filter(street__isnull=True, community__isnull=True)[:1])


def broadcast_followers(account_ids) -> QuerySet[WeChatBinding]:
    """Followers a mass send can reach: subscribed, openid not known bad."""
    return WeChatBinding.objects.filter(account_id__in=list(account_ids), subscribed=True,
                                        invalid_at__isnull=True)


def _audience_sql(table: str, earlier: int, *, select: str, bounded: bool) -> str:
    """The followers of one account a mass send can reach, minus people (by bound user or
    unionid) who follow one of `earlier` accounts: they get the broadcast there.

    No OR around the two NOT EXISTS (a NULL user_id equals nothing; an empty unionid is
    excluded inside), so PostgreSQL runs them as anti-joins probing the partial
    (unionid, account) and (user, account) indexes for each row of the page. Only the
    quoted table name and placeholders are interpolated; values are parameters."""
    live = "{0}.subscribed AND {0}.invalid_at IS NULL"
    sql = (f"SELECT {select} FROM {table} b WHERE b.account_id = %s "  # noqa: S608
           + ("AND b.id BETWEEN %s AND %s " if bounded else "AND b.id > %s ")
           + f"AND {live.format('b')}")
    if earlier:
        among = ", ".join(["%s"] * earlier)
        sql += (f" AND NOT EXISTS (SELECT 1 FROM {table} e WHERE e.user_id = b.user_id"  # noqa: S608
                f" AND e.account_id IN ({among}) AND {live.format('e')})"
                f" AND NOT EXISTS (SELECT 1 FROM {table} e WHERE e.unionid = b.unionid"
                f" AND e.unionid <> '' AND e.account_id IN ({among}) AND {live.format('e')})")
    return sql + " ORDER BY b.id LIMIT %s"


def broadcast_audience_pages(*, account_id: int, earlier_account_ids, limit: int
                             ) -> Iterator[list[int]]:
    """The binding ids of `account_id`'s broadcast audience (see `_audience_sql`) as keyset
    pages of at most `limit`, in id order (`WHERE id > last ORDER BY id LIMIT n`). Only the
    current page is held. In SQL because it is the hot loop of planning: the ORM's
    per-page compiling and row handling doubled the time of a plain read."""
    table = connection.ops.quote_name(WeChatBinding._meta.db_table)
    earlier = [int(pk) for pk in earlier_account_ids]
    sql = _audience_sql(table, len(earlier), select="b.id", bounded=False)
    after = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [account_id, after, *earlier, *earlier, limit])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            yield ids
            after = ids[-1]


def broadcast_chunk_openids(chunk, *, limit: int) -> list[str]:
    """The openids a planned chunk sends to now: its binding-id range, with the same rules
    as planning, so whoever unsubscribed (or followed an earlier account) since is left
    out."""
    table = connection.ops.quote_name(WeChatBinding._meta.db_table)
    earlier = [int(pk) for pk in chunk.earlier_accounts]
    sql = _audience_sql(table, len(earlier), select="b.openid", bounded=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, [chunk.account_id, chunk.first_binding_id, chunk.last_binding_id,
                             *earlier, *earlier, limit])
        return [row[0] for row in cursor.fetchall()]


def broadcasts_visible_to(user) -> QuerySet[Broadcast]:
    """Broadcasts of the units the user coordinates (admins: all, district ones too),
    newest first, with their unit and author."""
    return (Broadcast.objects.select_related("community", "street", "created_by")
            .filter(coordinated_community_filter(user, "community", street_field="street")))


def broadcast_get(pk) -> Broadcast | None:
    return Broadcast.objects.select_related("community__street", "street").filter(pk=pk).first()
