"""Sign-in of pages opened inside WeChat (API.md, "Inside WeChat"): one middleware.

Links Linli sends through WeChat carry `?wx=<account slug>`. `WeChatSignInMiddleware` sends
an anonymous GET of a page to that account's OAuth (`/connect/oauth2/authorize`, scope
snsapi_base) — or the district account's when none is named — when

- the User-Agent contains `MicroMessenger` (a page opened inside WeChat), or
- the URL has `?wx=` and browsers go to a fake WeChat (`LINLI_WECHAT_OPEN_ORIGIN` is not
  WeChat's own), so the simulator and tests walk the same path from a plain browser.

The OAuth return (`signin_return`, `/wechat/<slug>/signin/`) signs in the person bound to
that openid (or to its unionid through another alliance account) and goes back to the page:
its path without `wx`, checked to be local. An unbound follower gets the password login with
"请找社区工作人员要一个绑定二维码"; the session then remembers not to bounce her through
OAuth again, so she is never caught in a loop.

Skipped: the WeChat callbacks and binding pages (/wechat/, /bind/; not the booking page a
辅导 reply links to), /api/, /graphql/, /admin/, the simulator (/dev/), static files,
/healthz, /login/, and anything but GET/HEAD.
"""

from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from backend.core.links import absolute_url
from backend.wechat import client, selectors

logger = logging.getLogger(__name__)

WX_PARAM = "wx"
STATE_SESSION_KEY = "wechat_signin_state:{state}"
UNBOUND_SESSION_KEY = "wechat_signin_unbound"
# The simulator's "open as this follower": {appid: openid}, honoured with DEBUG on only.
DEV_FOLLOWER_SESSION_KEY = "dev_wechat_follower"
SKIPPED_PREFIXES = ("/wechat/", "/bind/", "/api/", "/graphql/", "/admin/", "/dev/",
                    "/healthz", "/login/", "/favicon.ico",
                    # the check-in page records the scan first, then calls signin_redirect
                    "/checkin/")
# The page under /wechat/<slug>/ that a reply links to (the 辅导 booking page) is signed in
# like any other page, unlike the callback and the binding pages beside it.
WECHAT_PAGES = re.compile(r"^/wechat/[-\w]+/tutoring/")
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
UNBOUND_HINT = "请找社区工作人员要一个绑定二维码"


def inside_wechat(request) -> bool:
    return "micromessenger" in request.META.get("HTTP_USER_AGENT", "").lower()


def authorize_redirect(request, account, *, redirect_uri: str, state: str
                       ) -> HttpResponseRedirect:
    """To the account's silent OAuth. With DEBUG on and a fake WeChat, a follower picked in
    the simulator is preset, so the fake answers as her without asking."""
    url = client.oauth_authorize_url(account, redirect_uri=redirect_uri, state=state)
    if settings.DEBUG and not client.is_wechat_open_origin():
        openid = (request.session.get(DEV_FOLLOWER_SESSION_KEY) or {}).get(account.app_id)
        if openid:
            head, sep, fragment = url.partition("#")
            url = f"{head}&{urlencode({'openid': openid})}{sep}{fragment}"
    return HttpResponseRedirect(url)


def _page_path_without_wx(request) -> str:
    query = request.GET.copy()
    query.pop(WX_PARAM, None)
    encoded = query.urlencode()
    return request.path + (f"?{encoded}" if encoded else "")


def _skipped(path: str) -> bool:
    if WECHAT_PAGES.match(path):
        return False
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(SKIPPED_PREFIXES) or path.startswith(static)


def login_url_with_hint(account, next_path: str) -> str:
    """The password login for an unbound follower, with the binding hint and `next`."""
    return (reverse("wechat-login", kwargs={"slug": account.slug}) + "?"
            + urlencode({"next": next_path, "unbound": "1"}))


class WeChatSignInMiddleware:
    """See the module docstring. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        skip = request.method not in ("GET", "HEAD") or _skipped(request.path)
        redirect = None if skip else signin_redirect(request)
        return redirect if redirect is not None else self.get_response(request)


def signin_redirect(request) -> HttpResponseRedirect | None:
    """To WeChat's OAuth for an anonymous GET of a page opened inside WeChat (or with `?wx=`
    towards a fake WeChat); None when the page should go on (or use the password login).
    The middleware calls it for every page; a page it skips may call it itself."""
    # Cheap checks first: most requests never load the user or the session here.
    slug = request.GET.get(WX_PARAM, "")
    in_wechat = inside_wechat(request)
    if not in_wechat and not (slug and not client.is_wechat_open_origin()):
        return None
    if request.user.is_authenticated:
        return None
    if request.session.get(UNBOUND_SESSION_KEY):
        return None  # an unbound follower was shown the login already
    account = (selectors.account_get_by_slug(slug) if slug else None) \
        or selectors.district_account()
    if account is None:
        return None
    state = secrets.token_urlsafe(16)
    request.session[STATE_SESSION_KEY.format(state=state)] = _page_path_without_wx(request)
    return authorize_redirect(request, account, state=state,
                              redirect_uri=absolute_url("wechat-signin", slug=account.slug))


def _message(request, message: str, *, status: int, hint: str = ""):
    return render(request, "desk/message.html",
                  {"message": message, "hint": hint, "level": "error"}, status=status)


@require_safe
@never_cache
def signin_return(request, slug: str):
    """WeChat's OAuth comes back here: sign in the bound person and go back to the page."""
    account = selectors.account_get_by_slug(slug)
    if account is None:
        return _message(request, _("没有这个公众号。"), status=404)
    state = request.GET.get("state", "")
    next_path = request.session.pop(STATE_SESSION_KEY.format(state=state), None) if state \
        else None
    if next_path is None:
        return _message(request, _("链接已失效，请回到公众号重新打开。"), status=400)
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts=set(),
                                           require_https=False) \
            or not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    code = request.GET.get("code", "")
    if not code:
        return _message(request, _("您没有同意授权，请用密码登录。"), status=400)
    try:
        openid, unionid = client.oauth_identity(account, code=code)
    except client.WeChatError as exc:
        return _message(request, _("微信授权没有成功，请回到公众号重新打开。"),
                        status=503 if exc.retryable else 400)
    user = selectors.user_for_follower(account=account, openid=openid, unionid=unionid)
    if user is None:
        request.session[UNBOUND_SESSION_KEY] = True
        return HttpResponseRedirect(login_url_with_hint(account, next_path))
    login(request, user, backend=AUTH_BACKEND)
    return HttpResponseRedirect(next_path)


def forget_unbound(request) -> None:
    """After a binding in this browser, the next page may sign her in through OAuth."""
    request.session.pop(UNBOUND_SESSION_KEY, None)

