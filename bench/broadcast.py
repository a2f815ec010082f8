"""Broadcast planning and delivery at district scale: planning time and peak memory next to
a plain keyset read of the same followers (the reference), memory at two audience sizes,
and the delivery rate of two workers against the bundled fake WeChat next to the
configured per-account rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench_bc \\
        .venv/bin/python -m bench.broadcast --followers 1000000

The database is (re)created, migrated and filled with SQL (`generate_series`): two streets
without an account of their own, each with three community accounts whose followers
overlap by unionid (A: half the street's rows, B 30 %, C 20 %; 5 % of B are people of A, 5 %
of C people of B; one in 50 unsubscribed). The small street has `--small` followers, the
large one `--followers`. Goals: planning ≤ 3× the reference, peak memory flat in the
audience size, delivery within 5 % of the configured rate and never above it.
"""

# Django and Linli are imported inside functions on purpose: DATABASE_URL and REDIS_URL come
# from the arguments and must be in the environment before settings load.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_bc"
PAGE = 10_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=1_000_000,
                        help="followers of the large street (rows over its three accounts)")
    parser.add_argument("--small", type=int, default=100_000,
                        help="followers of the small street, for the memory comparison")
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL")
                        or "redis://127.0.0.1:6379/2",
                        help="the token bucket's Redis ('' = the Django cache fallback)")
    parser.add_argument("--rate", type=float, default=5.0,
                        help="configured mass/send calls per second per account")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true",
                        help="reuse an already generated database")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- data ---------------------------------------------------------------------------------------
def make_street(name: str, total: int):
    """A street with three community accounts and `total` follower rows over them."""
    from django.db import connection

    from backend.accounts.models import Community, Street
    from backend.wechat.models import WeChatAccount

    street = Street.objects.create(name=name)
    accounts = []
    for i in range(3):
        community = Community.objects.create(street=street, name=f"{name}社区{i}")
        accounts.append(WeChatAccount.objects.create(
            slug=f"{name}-{i}", name=f"{name}社区{i}", app_id=f"wxb{name}{i:010d}"[-18:],
            app_secret=f"secret-{name}-{i}", token=f"token{i}", community=community))
    # persons: A 0 .. .5T, B .45T .. .75T, C .70T .. .90T (rows: .5T, .3T, .2T)
    spans = [(0, total * 50 // 100), (total * 45 // 100, total * 75 // 100),
             (total * 70 // 100, total * 90 // 100)]
    with connection.cursor() as cursor:
        for account, (first, stop) in zip(accounts, spans, strict=True):
            cursor.execute(
                """INSERT INTO wechat_wechatbinding
                   (created_at, updated_at, account_id, openid, user_id, unionid, subscribed)
                   SELECT now(), now(), %s, 'o' || %s || 'x' || p, NULL,
                          %s || p, p %% 50 <> 7
                   FROM generate_series(%s, %s) AS p""",
                [account.pk, account.pk, f"u{name}-", first, stop - 1])
    # what autovacuum does to a loaded table: statistics and the visibility map (the
    # de-duplication probes are index-only scans once pages are all-visible)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE wechat_wechatbinding")
    return street, accounts


# --- measurements ---------------------------------------------------------------------------------
def reference_read(accounts) -> int:
    """The reference: the binding ids of every reachable follower of the accounts, read by
    a plain keyset loop of 10,000 (no de-duplication: planning reads fewer, 0.9×). Ids are
    what planning reads too; the openids are read when a chunk is sent."""
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        for account in accounts:
            after = 0
            while True:
                cursor.execute(
                    """SELECT id FROM wechat_wechatbinding
                       WHERE account_id = %s AND id > %s AND subscribed
                         AND invalid_at IS NULL ORDER BY id LIMIT %s""",
                    [account.pk, after, PAGE])
                rows = cursor.fetchall()
                if not rows:
                    break
                after = rows[-1][0]
                count += len(rows)
    return count


def plan(street, accounts) -> int:
    from backend.wechat.models import Broadcast, BroadcastScope
    from backend.wechat.services.broadcasts import broadcast_plan

    broadcast = Broadcast.objects.create(scope=BroadcastScope.STREET, street=street,
                                         title="基准", body="基准测试", url="/")
    planned = broadcast_plan(broadcast=broadcast, accounts=accounts)
    Broadcast.objects.filter(pk=broadcast.pk).update(planned=planned)
    return broadcast.pk


def timed(fn, *args):
    gc.collect()
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def peak_memory(fn, *args):
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def delete_broadcasts(keep: int | None = None) -> None:
    from backend.wechat.models import Broadcast

    Broadcast.objects.exclude(pk=keep).delete()


def deliver(broadcast_id: int, accounts, workers: int) -> tuple[list[float], list[float]]:
    """Hand the first account's chunks to WeChat (the fake) with `workers` threads, each
    calling the same service the Celery task calls; returns the bucket's grant times and
    the fake's receive times."""
    from django.db import connections
    from django.utils import timezone

    from backend.wechat.fake import FakeWeChatControl
    from backend.wechat.models import Broadcast, BroadcastStatus
    from backend.wechat.services.broadcasts import broadcast_chunk_deliver

    Broadcast.objects.filter(pk=broadcast_id).update(status=BroadcastStatus.SENDING,
                                                     sending_started_at=timezone.now())
    chunk_ids = list(Broadcast.objects.get(pk=broadcast_id).chunks
                     .filter(account=accounts[0]).order_by("seq").values_list("pk", flat=True))
    from backend.wechat.ratelimit import TokenBucket

    lock = threading.Lock()
    outcomes: list[str] = []
    grants: list[float] = []

    def work():
        try:
            while True:
                with lock:
                    if not chunk_ids:
                        return
                    chunk_id = chunk_ids.pop(0)
                outcome = broadcast_chunk_deliver(chunk_id=chunk_id, wait=60)
                with lock:
                    outcomes.append(outcome)
        finally:
            connections.close_all()

    # The bucket's grants, on Redis's clock: what "never above the rate" is about.
    original_acquire = TokenBucket.acquire

    def acquire(self, *, timeout):
        grant = original_acquire(self, timeout=timeout)
        if grant is not None:
            with lock:
                grants.append(grant.at)
        return grant

    TokenBucket.acquire = acquire
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    TokenBucket.acquire = original_acquire
    assert set(outcomes) == {"submitted"}, outcomes
    control = FakeWeChatControl(os.environ["LINLI_BENCH_FAKE_URL"])
    calls = control.calls(kind="mass", appid=accounts[0].app_id)
    return sorted(grants), sorted(c["time"] for c in calls if not c["errcode"])


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-broadcast")
    if not args.keep:
        recreate_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from backend.accounts.models import Street
    from backend.wechat.fake import FakeWeChatControl
    from backend.wechat.models import Broadcast, WeChatAccount
    from backend.wechat.ratelimit import account_bucket

    settings.DEBUG = False  # no query log growing with the audience
    call_command("migrate", verbosity=0)
    streets = {}
    start = time.perf_counter()
    for name, total in (("small", args.small), ("large", args.followers)):
        street = Street.objects.filter(name=name).first()
        if street is None:
            streets[name] = make_street(name, total)
        else:
            streets[name] = (street, list(WeChatAccount.objects.filter(community__street=street)
                                          .order_by("id")))
    generated = time.perf_counter() - start
    delete_broadcasts()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"followers: small {args.small:,}, large {args.followers:,} "
          f"(generated in {generated:.1f} s)")

    rows = []
    results = {}
    for name in ("small", "large"):
        street, accounts = streets[name]
        # alternate reference and planning twice, keep each one's best time
        ref_times, plan_times = [], []
        for _ in range(2):
            ref_time, ref_count = timed(reference_read, accounts)
            plan_time, broadcast_id = timed(plan, street, accounts)
            ref_times.append(ref_time)
            plan_times.append(plan_time)
            delete_broadcasts()
        ref_peak, _ = peak_memory(reference_read, accounts)
        plan_peak, broadcast_id = peak_memory(plan, street, accounts)
        broadcast = Broadcast.objects.get(pk=broadcast_id)
        chunks = broadcast.chunks.count()
        results[name] = (broadcast_id, plan_peak)
        delete_broadcasts(keep=broadcast_id if name == "large" else None)
        rows.append((name, ref_count, broadcast.planned, chunks, min(ref_times),
                     min(plan_times), ref_peak, plan_peak))

    print()
    print(f"{'audience':10}{'rows read':>12}{'planned':>12}{'chunks':>8}"
          f"{'ref s':>9}{'plan s':>9}{'ratio':>7}{'ref MiB':>10}{'plan MiB':>10}")
    for name, ref_count, planned, chunks, ref_time, plan_time, ref_peak, plan_peak in rows:
        print(f"{name:10}{ref_count:>12,}{planned:>12,}{chunks:>8}{ref_time:>9.2f}"
              f"{plan_time:>9.2f}{plan_time / ref_time:>7.2f}{ref_peak / 2**20:>10.1f}"
              f"{plan_peak / 2**20:>10.1f}")
    flat = results["large"][1] / results["small"][1]
    print(f"memory flatness: peak at {args.followers:,} / peak at {args.small:,} = {flat:.2f}")

    # delivery: two workers, one account's chunks, the shared bucket at the configured rate
    # WeChat is another machine: the fake runs in its own process, not on this one's GIL
    fake = subprocess.Popen([sys.executable, "-m", "backend.wechat.fake", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    base_url = fake.stdout.readline().strip().split("=", 1)[1]
    os.environ["LINLI_BENCH_FAKE_URL"] = base_url
    settings.LINLI_WECHAT_API_ORIGIN = base_url
    settings.LINLI_BROADCAST_RATE_PER_SECOND = args.rate
    settings.LINLI_BROADCAST_BURST = 1
    street, accounts = streets["large"]
    control = FakeWeChatControl(base_url)
    for account in accounts:
        control.add_account(account.app_id, account.app_secret, token=account.token)
    bucket = account_bucket(accounts[0].pk)
    if bucket.redis_url:
        import redis

        redis.Redis.from_url(bucket.redis_url).delete(bucket.key)
    try:
        grants, received = deliver(results["large"][0], accounts, args.workers)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    print()
    print(f"delivery: {len(received)} mass/send calls of ≤ {PAGE:,} openids to one account, "
          f"{args.workers} workers, bucket in {'Redis' if bucket.redis_url else 'the cache'}")
    print(f"{'clock':22}{'configured /s':>14}{'achieved /s':>13}{'ratio':>8}{'max in 1 s':>12}"
          f"{'closest gap × rate':>20}")
    for label, times in (("bucket grants (Redis)", grants), ("fake WeChat receipts", received)):
        achieved = (len(times) - 1) / (times[-1] - times[0])
        gap = min(b - a for a, b in pairwise(times))
        print(f"{label:22}{args.rate:>14.2f}{achieved:>13.2f}{achieved / args.rate:>8.3f}"
              f"{max_in_window(times):>12}{gap * args.rate:>20.2f}")


if __name__ == "__main__":
    main()
