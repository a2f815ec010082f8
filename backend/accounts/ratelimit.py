"""The one sign-in limiter (API.md "Sign-in limits"), on the shared Django cache.

Only failed credential checks count (Django's `user_login_failed` signal, so every caller of
`authenticate()` is counted once per check), per client address and per (username, client
address) in fixed windows. Every entry point asks `retry_after()` before checking a password
and answers RATE_LIMITED / HTTP 429: tokenCreate (backend.accounts.services.token_create),
POST /api/auth/token/, /login/, /admin/login/ (backend/urls.py) and the WeChat binding login.
(Not an authentication backend: a second backend would make every `login()` without an
explicit backend fail and would log out sessions stored under ModelBackend.)
A classroom behind one address is not blocked by its successful logins, and the real user
can still sign in from another address."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import JsonResponse

from backend.core.context import client_ip, current_ip

MESSAGE = "尝试次数太多，请过一会儿再试。"


def _address(request=None) -> str:
    return (client_ip(request) if request is not None else current_ip.get()) or "unknown"


def _keys(address: str, username: str | None) -> list[tuple[str, int]]:
    window = int(time.time()) // settings.LINLI_SIGNIN_WINDOW_SECONDS
    keys = [(f"signin:addr:{address}:{window}", settings.LINLI_SIGNIN_FAILURES_PER_ADDRESS)]
    if username:
        keys.append((f"signin:user:{str(username).strip().lower()}:{address}:{window}",
                     settings.LINLI_SIGNIN_FAILURES_PER_USERNAME))
    return keys


def retry_after(username: str | None = None, request=None) -> int:
    """Seconds until this address (and username) may try again; 0 when not limited."""
    address = _address(request)
    counts = cache.get_many([key for key, _limit in _keys(address, username)])
    if any(counts.get(key, 0) >= limit for key, limit in _keys(address, username)):
        window = settings.LINLI_SIGNIN_WINDOW_SECONDS
        return max(1, window - int(time.time()) % window)
    return 0


def record_failure(username: str | None, request=None) -> None:
    for key, _limit in _keys(_address(request), username):
        cache.add(key, 0, timeout=settings.LINLI_SIGNIN_WINDOW_SECONDS + 5)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.LINLI_SIGNIN_WINDOW_SECONDS + 5)


@receiver(user_login_failed, dispatch_uid="linli-signin-limit")
def _count_failure(sender, credentials, request=None, **kwargs):
    record_failure(credentials.get("username"), request)


def limited_response(seconds: int) -> JsonResponse:
    """HTTP 429 with Retry-After, for REST callers."""
    response = JsonResponse({"detail": MESSAGE, "code": "RATE_LIMITED"}, status=429)
    response["Retry-After"] = str(seconds)
    return response

