"""The few REST endpoints that are not GraphQL."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from backend.accounts import ratelimit
from backend.accounts import services as account_services
from backend.celery import app
from backend.core.context import client_ip


class ClientAddressAnonThrottle(AnonRateThrottle):
    """DRF's anonymous throttle keyed on our client address (TRUSTED_PROXIES-aware), not
    on a forwarded header any caller can write."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"


class TokenObtainView(ObtainAuthToken):
    """POST username and password (form or JSON) -> {"token": ...}, a new token each time;
    HTTP 429 with
    Retry-After once the sign-in limiter refuses this address or username."""

    throttle_classes = [ClientAddressAnonThrottle]

    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        wait = ratelimit.retry_after(username, request)
        if wait:
            return ratelimit.limited_response(wait)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = account_services.token_issue(serializer.validated_data["user"])
        return Response({"token": token.key})


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return "error"
    return "ok"


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # noqa: BLE001
        database = "error"
    broker = _broker_status()
    healthy = database == "ok" and broker in ("ok", "eager")
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


@require_GET
def index(request):
    """A landing page with the ways in, so the root URL is not a 404."""
    return render(request, "frontend_api/index.html")
