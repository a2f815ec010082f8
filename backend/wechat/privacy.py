"""WeChat's part of anonymising an account: her openids are unbound (the follower rows
stay, nameless) and her unused binding links are deleted."""

from backend.accounts import anonymise

from .models import BindingLink, WeChatBinding


def clean_bindings(user) -> int:
    unbound = WeChatBinding.objects.filter(user=user).update(user=None, bound_at=None,
                                                               unionid="")
    deleted, _ = BindingLink.objects.filter(user=user).delete()
    return unbound + deleted


def connect() -> None:
    anonymise.register("wechat_bindings", clean_bindings)
