"""The official-account callback (GET,POST /wechat/<slug>/) and the binding pages.

Order of checks on the callback: unknown account 404; bad signature 403; stale timestamp
403; replayed (timestamp, nonce) 403; malformed body 400; a replayed message id gets the
reply its first delivery got, without running anything again (handlers.py). Nothing here
answers 500.
"""

from __future__ import annotations

import logging
import secrets
import time
from urllib.parse import urlencode

from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from backend.accounts import ratelimit
from backend.core.links import absolute_url, node_id
from backend.wechat import client, selectors, services, signatures
from backend.wechat.models import AccountMode

from .handlers import handle_message

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
STATE_SESSION_KEY = "wechat_oauth_state:{slug}"
OPENID_SESSION_KEY = "wechat_pending_openid:{slug}"


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _success() -> HttpResponse:
    # WeChat's "nothing to reply": it shows the follower nothing and does not retry.
    return _text("success")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def callback(request, slug: str):
    try:
        return _callback(request, slug)
    except Exception:  # never a 500 to WeChat: it would retry and then show an error
        logger.exception("wechat callback failed account=%s", slug)
        return _success()


def _checked_body(request, account, *, encrypted: bool) -> tuple[str, HttpResponse | None]:
    """A POST's body, size- and encoding-checked, and in encrypted mode its msg_signature;
    (body, None), or ("", the refusal)."""
    params = request.GET
    if _content_length(request) > MAX_BODY_BYTES:
        return "", HttpResponseBadRequest("body too large", content_type="text/plain")
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return "", HttpResponseBadRequest("body is not UTF-8", content_type="text/plain")
    if len(body) > MAX_BODY_BYTES:
        return "", HttpResponseBadRequest("body too large", content_type="text/plain")
    if encrypted:
        try:
            encrypt = client.encrypted_field(body)
        except client.MessageError:
            return "", HttpResponseBadRequest("malformed body", content_type="text/plain")
        if not encrypt:
            return "", HttpResponseBadRequest("missing Encrypt", content_type="text/plain")
        if not signatures.check_msg_signature(
                token=account.token, msg_signature=params.get("msg_signature"),
                timestamp=params.get("timestamp", ""), nonce=params.get("nonce", ""),
                encrypt=encrypt):
            return "", HttpResponseForbidden("invalid msg_signature", content_type="text/plain")
    return body, None


def _callback(request, slug: str) -> HttpResponse:
    account = selectors.account_get_by_slug(slug)
    if account is None:
        return HttpResponseNotFound("unknown account", content_type="text/plain")
    params = request.GET
    timestamp = params.get("timestamp", "")
    nonce = params.get("nonce", "")
    if not signatures.check_url_signature(token=account.token, signature=params.get("signature"),
                                          timestamp=timestamp, nonce=nonce):
        return HttpResponseForbidden("invalid signature", content_type="text/plain")
    if not signatures.timestamp_fresh(timestamp):
        return HttpResponseForbidden("stale timestamp", content_type="text/plain")

    encrypted = account.mode == AccountMode.SAFE or (
        account.mode == AccountMode.COMPATIBLE and params.get("encrypt_type") == "aes")
    body = ""
    if request.method == "POST":
        body, refusal = _checked_body(request, account, encrypted=encrypted)
        if refusal is not None:
            return refusal
    # Only a correctly signed request may spend a nonce, so forgeries can't block real ones.
    if not signatures.claim_nonce(account_id=account.pk, timestamp=timestamp, nonce=nonce):
        return HttpResponseForbidden("replayed nonce", content_type="text/plain")

    if request.method == "GET":
        echostr = params.get("echostr")
        if echostr is None:
            return HttpResponseBadRequest("missing echostr", content_type="text/plain")
        return _text(echostr)

    try:
        xml = body
        if encrypted:
            xml = client.decrypt_body(account, body, msg_signature=params.get("msg_signature"),
                                      timestamp=timestamp, nonce=nonce)
        message = client.parse_xml_message(xml)
    except client.MessageSignatureError:
        return HttpResponseForbidden("invalid msg_signature", content_type="text/plain")
    except client.MessageError:
        return HttpResponseBadRequest("malformed message", content_type="text/plain")

    try:
        reply = handle_message(account, message)
    except Exception:
        logger.exception("wechat message handling failed account=%s type=%s", account.slug,
                         message.type)
        reply = _("系统有点忙，请稍后再试。")
    if not reply:
        return _success()
    xml_reply = client.text_reply(message, reply)
    if encrypted:
        xml_reply = client.encrypt_reply(account, xml_reply, nonce=secrets.token_hex(8),
                                         timestamp=str(int(time.time())))
    return HttpResponse(xml_reply, content_type="application/xml; charset=utf-8")


# --- Binding: OAuth for the openid, a Linli login for the user --------------------------
def _page(request, message: str, *, status: int = 200, level: str = "", hint: str = ""):
    return render(request, "wechat/message.html",
                  {"message": message, "level": level, "hint": hint}, status=status)


def _account_or_404(request, slug):
    account = selectors.account_get_by_slug(slug)
    if account is None:
        return None, _page(request, _("没有这个公众号。"), status=404, level="error")
    return account, None


def oauth_redirect_uri(account) -> str:
    return absolute_url("wechat-oauth", slug=account.slug)


@require_safe
@never_cache
def bind_start(request, slug: str):
    """Open from inside WeChat: sends the follower through WeChat's silent OAuth."""
    account, error = _account_or_404(request, slug)
    if error:
        return error
    state = secrets.token_urlsafe(16)
    request.session[STATE_SESSION_KEY.format(slug=slug)] = state
    return HttpResponseRedirect(client.oauth_authorize_url(
        account, redirect_uri=oauth_redirect_uri(account), state=state))


@require_safe
@never_cache
def oauth_callback(request, slug: str):
    account, error = _account_or_404(request, slug)
    if error:
        return error
    expected = request.session.pop(STATE_SESSION_KEY.format(slug=slug), None)
    state = request.GET.get("state", "")
    if not expected or not secrets.compare_digest(expected.encode(), state.encode()):
        return _page(request, _("链接已失效，请回到公众号重新点绑定链接。"), status=400,
                     level="error")
    code = request.GET.get("code", "")
    if not code:
        return _page(request, _("您没有同意授权，无法绑定。"), status=400, level="error")
    try:
        openid = client.oauth_openid(account, code=code)
    except client.WeChatError as exc:
        status = 503 if exc.retryable else 400
        return _page(request, _("微信授权没有成功，请回到公众号重新点绑定链接。"),
                     status=status, level="error")
    # Kept in the server-side session, never in a URL, until the person has logged in.
    request.session[OPENID_SESSION_KEY.format(slug=slug)] = openid
    done = reverse("wechat-bind-done", kwargs={"slug": slug})
    if request.user.is_authenticated:
        return HttpResponseRedirect(done)
    login_url = reverse("wechat-login", kwargs={"slug": slug})
    return HttpResponseRedirect(f"{login_url}?next={done}")


@require_http_methods(["GET", "POST"])
@never_cache
def login_page(request, slug: str):
    """A plain Chinese login form for residents (the admin login admits staff only)."""
    account, error = _account_or_404(request, slug)
    if error:
        return error
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("wechat-bind-done", kwargs={"slug": slug})
    wait = (ratelimit.retry_after(request.POST.get("username"), request)
            if request.method == "POST" else 0)
    if wait:
        response = render(request, "wechat/login.html", {
            "form": AuthenticationForm(request), "account": account, "next": next_url,
            "limited": ratelimit.MESSAGE}, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return HttpResponseRedirect(next_url)
    # Sent here by the WeChat sign-in (signin.py) when the follower is bound to nobody.
    unbound = (request.POST.get("unbound") or request.GET.get("unbound")) == "1"
    return render(request, "wechat/login.html", {"form": form, "account": account,
                                                 "unbound": unbound, "next": next_url})


@require_safe
@never_cache
def bind_done(request, slug: str):
    account, error = _account_or_404(request, slug)
    if error:
        return error
    openid = request.session.get(OPENID_SESSION_KEY.format(slug=slug))
    if not openid:
        return _page(request, _("请从公众号里的绑定链接进入。"), status=400, level="error")
    if not request.user.is_authenticated:
        login_url = reverse("wechat-login", kwargs={"slug": slug})
        return HttpResponseRedirect(f"{login_url}?next={request.path}")
    try:
        services.binding_bind(account=account, openid=openid, user=request.user)
    except ValidationError:
        return _page(request, _("绑定没有成功，请稍后再试。"), status=400, level="error")
    request.session.pop(OPENID_SESSION_KEY.format(slug=slug), None)
    name = request.user.display_name or request.user.username
    return _page(request, _("绑定成功！{name}，您的微信已和邻里账号绑在一起。").format(name=name),
                 hint=_("回到「{account}」，回复「帮助」就能开始使用。").format(
                     account=account.name))


# --- The old link of the 辅导 reply --------------------------------------------------------
@require_http_methods(["GET", "POST"])
def tutoring_book_page(request, slug: str, slot_id: int):
    """Links sent before the phone pages existed: the slot's page now, signing in through
    the same account (`?wx=`)."""
    url = reverse("page-tutoring-slot", kwargs={"id": node_id("TutoringSlot", slot_id)})
    return HttpResponseRedirect(f"{url}?{urlencode({'wx': slug})}")


# --- Go-live: WeChat's check of the OAuth domain -------------------------------------------
@require_safe
def mp_verify(request, code: str):
    """/MP_verify_<code>.txt: WeChat fetches it before accepting the site as an account's
    OAuth domain, and expects the code itself as plain text."""
    if selectors.account_get_by_mp_verify_code(code) is None:
        return HttpResponseNotFound("not found", content_type="text/plain")
    return _text(code)
