"""Binding without passwords: the /bind/<token> page a desk QR code opens, its OAuth
return, and the person's own list of bound WeChats with 解绑.

/bind/<token> goes straight to the link's account OAuth when the browser is WeChat's, or
whenever browsers go to a fake WeChat (LINLI_WECHAT_OPEN_ORIGIN not WeChat's own); a plain
browser against real WeChat sees the QR code and "请用微信扫一扫" instead. The OAuth return
spends the link (services.binding_link_redeem) in the transaction that writes the binding.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from backend.core.links import absolute_url
from backend.core.masking import mask_name
from backend.wechat import client, selectors, services
from backend.wechat.error_codes import WeChatErrorCode

from . import signin
from .qr import qr_svg

LINK_SESSION_KEY = "wechat_bind_link:{state}"
STATUS_FOR = {WeChatErrorCode.NOT_FOUND: 404, WeChatErrorCode.LINK_SPENT: 410,
              WeChatErrorCode.LINK_EXPIRED: 410, WeChatErrorCode.OPENID_TAKEN: 409}


def _message(request, message: str, *, status: int = 200, level: str = "", hint: str = ""):
    return render(request, "desk/message.html",
                  {"message": message, "level": level, "hint": hint}, status=status)


def _refusal(request, outcome: services.LinkOutcome):
    return _message(request, outcome.message, status=STATUS_FOR.get(outcome.code, 400),
                    level="error")


@require_safe
@never_cache
def bind_page(request, token: str):
    link = selectors.binding_link_get(token_hash=services.binding_link_token_hash(token))
    refusal = services.binding_link_check(link)
    if refusal is not None:
        return _refusal(request, refusal)
    if signin.inside_wechat(request) or not client.is_wechat_open_origin():
        state = secrets.token_urlsafe(16)
        request.session[LINK_SESSION_KEY.format(state=state)] = link.pk
        return signin.authorize_redirect(request, link.account, state=state,
                                         redirect_uri=absolute_url("page-bind-return"))
    # A plain browser and the real WeChat: this page is to be scanned, not followed.
    return render(request, "desk/bind_scan.html", {
        "qr": qr_svg(request.build_absolute_uri()), "account": link.account,
        "name": mask_name(link.user.display_name or link.user.username),
        "expires_at": link.expires_at})


@require_safe
@never_cache
def bind_return(request):
    state = request.GET.get("state", "")
    link_id = request.session.pop(LINK_SESSION_KEY.format(state=state), None) if state \
        else None
    if link_id is None:
        return _message(request, _("链接已失效，请重新用微信扫一扫绑定二维码。"), status=400,
                        level="error")
    link = selectors.binding_link_get(pk=link_id)
    refusal = services.binding_link_check(link)
    if refusal is not None:
        return _refusal(request, refusal)
    code = request.GET.get("code", "")
    if not code:
        return _message(request, _("您没有同意授权，没有绑定。请重新扫码。"), status=400,
                        level="error")
    try:
        openid, unionid = client.oauth_identity(link.account, code=code)
    except client.WeChatError as exc:
        return _message(request, _("微信授权没有成功，请稍后重新扫码。"),
                        status=503 if exc.retryable else 400, level="error")
    outcome = services.binding_link_redeem(link_id=link.pk, openid=openid, unionid=unionid)
    if outcome.binding is None:
        return _refusal(request, outcome)
    signin.forget_unbound(request)
    if not request.user.is_authenticated:
        # Her WeChat now proves who she is: the next page needs no password.
        login(request, link.user, backend=signin.AUTH_BACKEND)
    name = mask_name(link.user.display_name or link.user.username)
    return _message(request, _("绑定成功！这个微信已经绑定到 {name}。").format(name=name),
                    hint=_("回到「{account}」公众号，回复「帮助」就能开始使用。").format(
                        account=link.account.name))


@require_http_methods(["GET", "POST"])
@never_cache
def my_bindings(request):
    """Her bound WeChats, each with a 解绑 button."""
    if not request.user.is_authenticated:
        account = selectors.district_account()
        if account is None:
            raise PermissionDenied
        return HttpResponseRedirect(signin.login_url_with_hint(account, request.path)
                                    .replace("&unbound=1", ""))
    done = ""
    if request.method == "POST":
        try:
            binding_id = int(request.POST.get("binding", ""))
        except ValueError:
            binding_id = 0
        try:
            binding = services.binding_unbind_by(actor=request.user, binding_id=binding_id)
        except PermissionDenied:
            return _message(request, _("没有找到这个绑定。"), status=404, level="error")
        done = _("已解绑「{account}」里的这个微信。").format(account=binding.account.name)
    bindings = list(selectors.bindings_bound_to(request.user))
    return render(request, "desk/my_bindings.html", {
        "bindings": bindings, "done": done, "action": reverse("page-wechat-bindings")})
