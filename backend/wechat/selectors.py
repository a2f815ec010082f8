from django.db.models import QuerySet

from .models import BindingLink, WeChatAccount, WeChatBinding


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
            .filter(user_id=user.pk, subscribed=True).order_by("-bound_at", "-id"))


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
