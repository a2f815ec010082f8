"""Who is asking, from where: set once per request by the middleware so the audit log
can record the IP without every service taking a request object."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("linli_current_ip", default=None)


def client_ip(request) -> str | None:
    # Behind a proxy the operator sets USE_X_FORWARDED_FOR-style headers; we trust only
    # REMOTE_ADDR unless the proxy rewrote it (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
