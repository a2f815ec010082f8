"""A per-account rate for mass sends, shared by every worker process: a token bucket.

With `REDIS_URL` set the bucket lives in Redis and one Lua script refills and takes a
token atomically, on Redis's own clock (`TIME`), so any number of processes on any number
of machines together never exceed the rate: two grants are at least 1/rate seconds apart
once the burst (`capacity`, default 1) is spent.

Without Redis the bucket falls back to Django's cache (the database cache under `make
run`), with a weaker guarantee: the read-modify-write is serialised by a cache lock
(`cache.add`) and the time comes from each process's own clock, so clock skew between
machines, or a process stalled longer than the lock's timeout while holding it, can let
two grants come closer than 1/rate. That is fine for one machine's demo, not for
production, which runs with Redis.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache

DEFAULT_RATE_PER_SECOND = 5.0   # mass/send calls per second per account
DEFAULT_CAPACITY = 1.0
LOCK_SECONDS = 2

# KEYS[1] the bucket; ARGV rate (tokens/s), capacity. Returns {granted, wait_micros,
# grant_time_micros} with times on Redis's clock.
TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + (now - ts) * rate / 1000000)
local ttl = math.ceil(capacity / rate * 1000) + 1000
-- Stored with full precision: Lua's tostring keeps 14 digits, which rounds a microsecond
-- clock (16 digits) to 100 us and lets a grant come that much early.
if tokens >= 1 then
  tokens = tokens - 1
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'ts', string.format('%.0f', now))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, 0, now}
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'ts', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, math.ceil((1 - tokens) / rate * 1000000), now}
"""


@dataclass(frozen=True)
class Grant:
    granted: bool
    wait: float          # seconds until a token may be there (0 when granted)
    at: float            # the bucket clock's time of the answer (seconds)


def rate_per_second() -> float:
    return float(getattr(settings, "LINLI_BROADCAST_RATE_PER_SECOND", DEFAULT_RATE_PER_SECOND))


def capacity() -> float:
    return float(getattr(settings, "LINLI_BROADCAST_BURST", DEFAULT_CAPACITY))


_clients: dict[str, redis.Redis] = {}
_scripts: dict[str, object] = {}


def _redis_script(url: str):
    script = _scripts.get(url)
    if script is None:
        client = _clients.setdefault(url, redis.Redis.from_url(url))
        script = _scripts[url] = client.register_script(TOKEN_BUCKET_LUA)
    return script


class TokenBucket:
    """`take()` one token of bucket `name`, or learn how long to wait."""

    def __init__(self, name: str, *, rate: float | None = None, burst: float | None = None,
                 redis_url: str | None = None):
        self.name = name
        self.rate = float(rate or rate_per_second())
        self.burst = float(burst or capacity())
        url = settings.REDIS_URL if redis_url is None else redis_url
        self.redis_url = url or ""

    @property
    def key(self) -> str:
        return f"linli:bucket:{self.name}"

    def take(self) -> Grant:
        if self.redis_url:
            granted, wait_us, now_us = _redis_script(self.redis_url)(
                keys=[self.key], args=[repr(self.rate), repr(self.burst)])
            return Grant(bool(granted), int(wait_us) / 1e6, int(now_us) / 1e6)
        return self._take_from_cache()

    def _take_from_cache(self) -> Grant:
        lock = f"{self.key}:lock"
        while not cache.add(lock, 1, timeout=LOCK_SECONDS):
            time.sleep(0.005)
        try:
            now = time.time()
            tokens, ts = cache.get(self.key) or (self.burst, now)
            tokens = min(self.burst, tokens + (now - ts) * self.rate)
            granted = tokens >= 1
            if granted:
                tokens -= 1
            cache.set(self.key, (tokens, now), timeout=int(self.burst / self.rate) + 60)
        finally:
            cache.delete(lock)
        return Grant(granted, 0.0 if granted else (1 - tokens) / self.rate, now)

    def acquire(self, *, timeout: float) -> Grant | None:
        """Wait (sleeping as the bucket advises) until a token is taken; None after
        `timeout` seconds without one."""
        deadline = time.monotonic() + timeout
        while True:
            grant = self.take()
            if grant.granted:
                return grant
            if time.monotonic() + grant.wait > deadline:
                return None
            time.sleep(grant.wait)


def account_bucket(account_id: int) -> TokenBucket:
    """The mass-send bucket of one official account."""
    return TokenBucket(f"wechat-mass:{account_id}")
