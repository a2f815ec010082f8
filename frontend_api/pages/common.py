"""What every phone page shares: rendering with the reader's text size, login required,
page ids (Relay global ids, a bare number redirects), friendly 404/403 pages, and turning a
service's ValidationError into errors beside the fields."""

from __future__ import annotations

import uuid
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from graphql_relay import from_global_id

from backend.core.links import node_id
from frontend_api.accounts.types import PrivacyNoticeType

LARGE_TEXT_COOKIE = "linli_large_text"
LARGE_TEXT_MAX_AGE = 365 * 24 * 3600


def large_text(request) -> bool:
    return request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"


def render_page(request, template: str, context: dict | None = None, *, status: int = 200):
    context = {"large_text": large_text(request), **(context or {})}
    return render(request, template, context, status=status)


def not_found(request, message: str = ""):
    return render_page(request, "pages/error.html", {
        "title": "找不到这个页面", "message": message or "链接可能已过期，或者输错了。"},
        status=404)


def forbidden(request, message: str = ""):
    return render_page(request, "pages/error.html", {
        "title": "这个页面不对您开放", "message": message or "如有疑问，请联系社区工作人员。"},
        status=403)


def page_view(view):
    """Friendly Chinese 404 and 403 pages (with a way home) for what a view raises."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        except PermissionDenied:
            return forbidden(request)
    return wrapper


def login_redirect(request):
    """Where an anonymous visitor goes before a page that needs a person: the one hook to
    extend (WeChat's OAuth for `?wx=` links goes here)."""
    return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


def page_login_required(view):
    """The page needs a signed-in person: anonymous visitors go through login and back."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return login_redirect(request)
        return view(request, *args, **kwargs)
    return wrapper


def decode_page_id(value: str, type_name: str) -> int:
    """A Relay global id of `type_name` -> pk; anything else is a 404."""
    try:
        kind, raw = from_global_id(value)
        pk = int(raw)
    except (TypeError, ValueError, UnicodeDecodeError):
        raise Http404 from None
    if kind != type_name or pk <= 0:
        raise Http404
    return pk


def page_ids(**types: str):
    """`@page_ids(id="Enrollment", lesson_id="Lesson")`: the view gets pks. A bare database
    number redirects (302) to the same page with the global id, keeping the query string."""
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            bare = {name: kwargs[name] for name in types if str(kwargs[name]).isdigit()}
            if bare:
                fixed = {**kwargs, **{name: node_id(types[name], value)
                                      for name, value in bare.items()}}
                url = reverse(request.resolver_match.view_name, kwargs=fixed)
                query = request.META.get("QUERY_STRING")
                return HttpResponseRedirect(f"{url}?{query}" if query else url)
            for name, type_name in types.items():
                kwargs[name] = decode_page_id(kwargs[name], type_name)
            return view(request, *args, **kwargs)
        return wrapper
    return decorator


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """{field: [messages]} from a service's ValidationError; "" holds the non-field ones."""
    if not hasattr(exc, "error_dict"):
        return {"": list(exc.messages)}
    errors: dict[str, list[str]] = {}
    for field, items in exc.error_dict.items():
        key = "" if field == NON_FIELD_ERRORS else field
        for item in items:
            errors.setdefault(key, []).extend(item.messages)
    return errors


def error_codes(exc: ValidationError) -> set[str]:
    items = (exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list])
    return {e.code for errors in items for e in errors if e.code}


def new_form_key() -> str:
    """The idempotency key a form carries, so a double tap submits once."""
    return uuid.uuid4().hex


def safe_next(request, value: str | None, default: str = "/") -> str:
    """`?next=` back to a local path only."""
    if value and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()) \
            and value.startswith("/") and not value.startswith("//"):
        return value
    return default


def consent_notice(user):
    """The privacy notice to show with a form whose action needs her consent (API.md
    "Consent"), or None when she has consented to the current one. The form posts the
    checked box as `consent_version` (templates/pages/_consent.html)."""
    if user.consent_version == settings.PRIVACY_NOTICE_VERSION:
        return None
    return PrivacyNoticeType.current()
