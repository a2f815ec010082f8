"""The per-account mass-send rate is shared by every worker: a token bucket in Redis, taken
by one Lua script on Redis's clock. Several processes, each with several threads, take
tokens from one bucket; no two grants may be closer than 1/rate. The control, a bucket per
process (what Celery's own `rate_limit` is), must break that rule in the same harness."""

import multiprocessing
import threading
import time
import uuid
from itertools import pairwise

import pytest
import redis

from backend.wechat.ratelimit import TokenBucket

REDIS_URL = "redis://127.0.0.1:6379/2"
RATE = 40.0           # tokens a second
DURATION = 1.5        # seconds each worker keeps taking
PROCESSES, THREADS = 2, 3

pytestmark = pytest.mark.concurrency


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


class LocalBucket:
    """The naive control: one bucket per process, in memory."""

    def __init__(self, rate):
        self.rate, self.tokens, self.ts = rate, 1.0, time.time()
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            now = time.time()
            self.tokens = min(1.0, self.tokens + (now - self.ts) * self.rate)
            self.ts = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True, 0.0, now
            return False, (1 - self.tokens) / self.rate, now


def _worker(name: str, shared: bool, start_at: float, queue) -> None:
    """One process: THREADS threads taking tokens until DURATION is over."""
    bucket = (TokenBucket(name, rate=RATE, burst=1, redis_url=REDIS_URL) if shared
              else LocalBucket(RATE))
    grants: list[float] = []
    lock = threading.Lock()

    def run():
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < start_at + DURATION:
            grant = bucket.take()
            granted, wait, at = ((grant.granted, grant.wait, grant.at) if shared else grant)
            if granted:
                with lock:
                    grants.append(at)
            else:
                time.sleep(min(wait, 0.01))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(grants)


def _grants(shared: bool) -> list[float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    name = f"test-{uuid.uuid4().hex}"
    start_at = time.time() + 2.0  # after every process has started
    processes = [context.Process(target=_worker, args=(name, shared, start_at, queue))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    grants = sorted(t for _ in processes for t in queue.get(timeout=30))
    for process in processes:
        process.join(timeout=10)
    return grants


def _closest_gap(grants: list[float]) -> float:
    return min(b - a for a, b in pairwise(grants))


@pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_processes_and_threads_sharing_the_redis_bucket_never_exceed_the_rate():
    grants = _grants(shared=True)

    # never faster than the rate: every two grants at least 1/rate apart on Redis's clock
    assert _closest_gap(grants) >= 1 / RATE - 1e-6
    # and not much slower either: the workers kept it busy
    achieved = (len(grants) - 1) / (grants[-1] - grants[0])
    assert 0.9 * RATE <= achieved <= RATE


def test_control_a_bucket_per_process_exceeds_the_rate():
    grants = _grants(shared=False)

    assert _closest_gap(grants) < 1 / RATE / 2
    assert (len(grants) - 1) / (grants[-1] - grants[0]) > 1.5 * RATE


def test_without_redis_the_cache_bucket_spaces_grants_in_one_process(db, settings):
    settings.REDIS_URL = ""
    bucket = TokenBucket(f"cache-{uuid.uuid4().hex}", rate=20, burst=1)
    times = [bucket.acquire(timeout=5).at for _ in range(6)]

    assert min(b - a for a, b in pairwise(times)) >= 1 / 20 - 1e-3
