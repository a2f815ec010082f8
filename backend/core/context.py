"""Who is asking, from where: set once per request by the middleware so the audit log
can record the IP without every service taking a request object."""

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

current_ip: ContextVar[str | None] = ContextVar("linli_current_ip", default=None)


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def _trusted(address: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless that peer is one of TRUSTED_PROXIES; then
    the right-most X-Forwarded-For entry that is not itself a trusted proxy. A header from
    an untrusted peer is never read (anyone can write one)."""
    peer = request.META.get("REMOTE_ADDR") or None
    if peer is None or not _trusted(peer):
        return peer
    forwarded = [part.strip() for part in
                 request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer  # a garbled entry: fall back to the proxy we know
    return peer


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
