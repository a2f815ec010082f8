from django.db.models import QuerySet

from .models import WeChatAccount, WeChatBinding


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


def account_get_by_mp_verify_code(code: str) -> WeChatAccount | None:
    """The account whose OAuth-domain check file is MP_verify_<code>.txt."""
    if not code:
        return None
    return WeChatAccount.objects.filter(mp_verify_code=code).first()
