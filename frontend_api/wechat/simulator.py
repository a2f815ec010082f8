"""The WeChat simulator for the demo (/dev/wechat/, DEBUG only; 404 otherwise).

A phone-shaped page over the bundled fake WeChat's control API (at LINLI_WECHAT_API_ORIGIN):
pick an account and one of its followers, send text or a photo or tap a menu item — a photo
is stored in the fake as temporary media first, as WeChat does — delivered by the
fake's `inbound` endpoint as a real signed callback to Linli — and read what that follower
received (passive replies, template, customer-service and mass messages). A link opens "as
that follower": the follower is remembered in the session and preset in the fake's OAuth.
"工作人员生成绑定码" plays the community staff's step at the desk: a binding link for the
demo person the follower is, made by the binding-link service as the demo staff would.
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from backend.accounts.permissions import can_act_for
from backend.core.formatting import datetime_zh
from backend.core.links import absolute_url
from backend.wechat import client
from backend.wechat import services as wechat_services
from backend.wechat.demo import demo_person_for_follower
from backend.wechat.fake import FakeControlError, FakeWeChatControl
from backend.wechat.models import WeChatAccount, WeChatBinding, WeChatTemplate

from .signin import DEV_FOLLOWER_SESSION_KEY

SIMULATOR_IMAGE_MAX_BYTES = 8 * 1024 * 1024  # what POST /api/uploads/ takes, too


def debug_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404
        return view(request, *args, **kwargs)
    return wrapper


def _control() -> FakeWeChatControl:
    return FakeWeChatControl(client.api_origin(), timeout=10)


def _fake_unreachable(exc) -> JsonResponse:
    return JsonResponse({"error": f"模拟微信没有响应：{type(exc).__name__}"}, status=502)


@debug_only
@require_safe
@never_cache
def page(request):
    return render(request, "desk/simulator.html", {"fake_origin": client.api_origin()})


@debug_only
@require_safe
@never_cache
def accounts(request):
    """Linli's accounts the fake knows, each with its followers and menu."""
    control = _control()
    try:
        known = {a["appid"]: a for a in control.state()["accounts"]}
        result = []
        for account in WeChatAccount.objects.order_by("id"):
            fake = known.get(account.app_id)
            if fake is None:
                continue
            result.append({"slug": account.slug, "name": account.name,
                           "appid": account.app_id,
                           "followers": control.followers(account.app_id),
                           "menu": (fake.get("menu") or {}).get("button", [])})
    except (FakeControlError, OSError) as exc:
        return _fake_unreachable(exc)
    _with_binding_state(result)
    return JsonResponse({"accounts": result})


def _with_binding_state(accounts: list[dict]) -> None:
    """Each follower as the simulator lists it, saying whom Linli binds her to (one query)."""
    bindings = WeChatBinding.objects.select_related("account", "user").filter(
        user__isnull=False, openid__in=[f["openid"] for a in accounts for f in a["followers"]])
    bound = {(b.account.app_id, b.openid): b.user.display_name or b.user.username
             for b in bindings if b.user is not None}
    for account in accounts:
        account["followers"] = [{
            "openid": f["openid"], "nickname": f.get("nickname") or f["openid"],
            "subscribed": f.get("subscribed", True),
            "bound_to": bound.get((account["appid"], f["openid"]), "")}
            for f in account["followers"]]


def _account(slug: str) -> WeChatAccount | None:
    return WeChatAccount.objects.filter(slug=slug).first()


@debug_only
@require_POST
@never_cache
def send(request):
    """{account, openid, text}, {account, openid, event, event_key} or {account, openid,
    image_base64, content_type}: through the fake's inbound endpoint, i.e. the real signed
    callback; answers the passive reply."""
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"error": "body is not JSON"}, status=400)
    account = _account(str(body.get("account") or ""))
    openid = str(body.get("openid") or "")
    if account is None or not openid:
        return JsonResponse({"error": "account and openid are required"}, status=400)
    text = body.get("text")
    event = body.get("event")
    image = body.get("image_base64")
    if not text and not event and not image:
        return JsonResponse({"error": "text, event or image_base64 is required"}, status=400)
    try:
        if image:
            return _send_image(account, openid, str(image),
                               str(body.get("content_type") or "image/jpeg"))
        result = _control().inbound(
            account.app_id, openid, text=str(text) if text else None,
            event=str(event) if event else None,
            event_key=str(body["event_key"]) if body.get("event_key") is not None else None)
    except (FakeControlError, OSError) as exc:
        return _fake_unreachable(exc)
    return JsonResponse({"reply": result.get("reply"),
                         "callback_status": result.get("callback_status")})


def _send_image(account, openid: str, image_base64: str, content_type: str) -> JsonResponse:
    """A photo the follower sends: stored in the fake as temporary media (what WeChat does
    with a photo), then delivered as an image message naming its MediaId."""
    try:
        data = base64.b64decode(image_base64, validate=True)
    except (binascii.Error, ValueError):
        return JsonResponse({"error": "image_base64 is not base64"}, status=400)
    if not data or len(data) > SIMULATOR_IMAGE_MAX_BYTES:
        return JsonResponse({"error": "图片不能超过 8 MB"}, status=413)
    if content_type not in ("image/jpeg", "image/png"):
        return JsonResponse({"error": "只能发 JPEG 或 PNG 图片"}, status=415)
    control = _control()
    media_id = control.add_media(account.app_id, data, content_type)
    result = control.inbound(account.app_id, openid, media_id=media_id)
    return JsonResponse({"reply": result.get("reply"), "media_id": media_id,
                         "callback_status": result.get("callback_status")})


def _message_row(row: dict, titles: dict) -> dict:
    body = row.get("body") or {}
    kind = row["kind"]
    text, url, title = "", "", ""
    if kind == "reply":
        text = body.get("content") or ""
    elif kind == "template":
        data = body.get("data") or {}
        text = "\n".join(f"{v.get('value', '')}" for v in data.values() if isinstance(v, dict))
        url = body.get("url") or ""
        title = titles.get(body.get("template_id"), body.get("template_id") or "")
    elif kind in ("custom", "mass"):
        text = ((body.get("text") or {}).get("content")) or ""
    return {"seq": row["seq"], "kind": kind, "time": row.get("time"), "text": text,
            "url": url, "title": title}


@debug_only
@require_safe
@never_cache
def messages(request):
    """What the follower received from the account, oldest first; `since` a seq."""
    account = _account(request.GET.get("account", ""))
    openid = request.GET.get("openid", "")
    if account is None or not openid:
        return JsonResponse({"error": "account and openid are required"}, status=400)
    try:
        since = int(request.GET.get("since") or 0)
    except ValueError:
        since = 0
    try:
        rows = _control().messages(appid=account.app_id, openid=openid, since=since)
    except (FakeControlError, OSError) as exc:
        return _fake_unreachable(exc)
    # A template message is titled by the notification it carries (辅导预约成功).
    titles = {t.template_id: t.get_kind_display()
              for t in WeChatTemplate.objects.filter(account=account)}
    return JsonResponse({"messages": [_message_row(r, titles) for r in rows]})


def _local(url: str) -> str | None:
    """The path of a Linli link (absolute under PUBLIC_BASE_URL, or already a path)."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if url.startswith(base + "/"):
        url = url[len(base):]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return None
    return url


@debug_only
@require_safe
@never_cache
def open_as(request):
    """Open a link as the follower: sign out whoever this browser is, remember the
    follower for the fake's OAuth, then go to the link."""
    account = _account(request.GET.get("account", ""))
    openid = request.GET.get("openid", "")
    target = _local(request.GET.get("url", ""))
    if account is None or not openid or target is None:
        return JsonResponse({"error": "account, openid and a Linli url are required"},
                            status=400)
    logout(request)
    request.session[DEV_FOLLOWER_SESSION_KEY] = {account.app_id: openid}
    return HttpResponseRedirect(target)


def _desk_actor(person):
    """Who plays the staff step: the demo community staff, else any administrator, provided
    the one rule of acting for someone lets them."""
    users = get_user_model().objects.filter(is_active=True)
    for actor in (users.filter(username="staff").first(),
                  users.filter(is_superuser=True).order_by("id").first()):
        if actor is not None and can_act_for(actor, person):
            return actor
    return None


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


@debug_only
@require_POST
@never_cache
def binding_link(request):
    """{account, openid}: the staff step of binding, for the demo person this follower is —
    a single-use /bind/<token> link through `account`, made by `binding_link_create`."""
    body = _json_body(request)
    account = _account(str(body.get("account") or ""))
    openid = str(body.get("openid") or "")
    if account is None or not openid:
        return JsonResponse({"error": "account and openid are required"}, status=400)
    person = demo_person_for_follower(account, openid)
    if person is None:
        return JsonResponse({"error": "这位关注者不是演示用户，请到工作台 /desk/ 生成绑定码。"},
                            status=404)
    actor = _desk_actor(person)
    if actor is None:
        return JsonResponse({"error": "没有可以代办的工作人员账号（请先运行 seed_demo）。"},
                            status=409)
    try:
        link, token = wechat_services.binding_link_create(actor=actor, user=person,
                                                          account_slug=account.slug)
    except (PermissionDenied, ValidationError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({
        "url": absolute_url("page-bind", token=token),
        "person": person.display_name or person.username,
        "staff": actor.display_name or actor.username,
        "expires": datetime_zh(link.expires_at)})
