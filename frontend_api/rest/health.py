"""`/healthz` for a monitor on the same machine (API.md "Production").

In production ALLOWED_HOSTS names only the public host, and the proxy redirects HTTP to
HTTPS; a local probe (`curl http://127.0.0.1:8000/healthz`) comes over plain HTTP with a
loopback Host header and would get 400 from the host check. This middleware, first in the
chain, answers it before anything reads the Host header. Only for a loopback peer and a
loopback Host: any other request goes through the ordinary checks.
"""

from ipaddress import ip_address

from .views import healthz

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _loopback_peer(request) -> bool:
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _loopback_host(request) -> bool:
    host = request.META.get("HTTP_HOST", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_HOSTS


class LoopbackHealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.path_info == "/healthz" and request.method in ("GET", "HEAD")
                and _loopback_peer(request) and _loopback_host(request)):
            return healthz(request)
        return self.get_response(request)
