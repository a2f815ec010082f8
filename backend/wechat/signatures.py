"""Callback authenticity: WeChat's SHA-1 signatures, compared in constant time, plus the
timestamp window and (timestamp, nonce) replay check that wechatpy does not have."""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache

DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300


def compute_signature(*parts: str) -> str:
    """WeChat's scheme: sort the strings, concatenate them, SHA-1, hex."""
    joined = "".join(sorted(str(p) for p in parts)).encode("utf-8")
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 (WeChat's protocol is SHA-1)


def signature_matches(expected: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("ascii",
                                                                                     "replace"))


def check_url_signature(*, token: str, signature: str | None, timestamp: str, nonce: str) -> bool:
    return signature_matches(compute_signature(token, timestamp, nonce), signature)


def check_msg_signature(*, token: str, msg_signature: str | None, timestamp: str, nonce: str,
                        encrypt: str) -> bool:
    return signature_matches(compute_signature(token, timestamp, nonce, encrypt), msg_signature)


def max_clock_skew() -> int:
    # Read at call time so tests and operators can change it without a restart of imports.
    return int(getattr(settings, "LINLI_WECHAT_MAX_CLOCK_SKEW_SECONDS",
                       DEFAULT_MAX_CLOCK_SKEW_SECONDS))


def timestamp_fresh(timestamp: str, *, now: float | None = None) -> bool:
    """Within the allowed skew either way (a far-future timestamp would outlive the nonce
    cache and so could be replayed later)."""
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    return abs(now - value) <= max_clock_skew()


def claim_nonce(*, account_id: int, timestamp: str, nonce: str) -> bool:
    """True the first time this (timestamp, nonce) is seen for the account. The entry lives
    longer than the timestamp window, so a replay is refused by one check or the other.
    `cache.add` is atomic (SET NX on Redis), so two concurrent replays can't both win."""
    digest = hashlib.sha256(f"{timestamp}\x00{nonce}".encode()).hexdigest()[:32]
    key = f"wechat:nonce:{account_id}:{digest}"
    return cache.add(key, 1, timeout=2 * max_clock_skew() + 60)
