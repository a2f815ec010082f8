"""Linli's benchmark suite: a generated district in PostgreSQL, Linli under gunicorn on
loopback, every operation next to its reference in the same run, one table.

    make bench                      # small: a quick run
    make bench SCALE=district       # 100,000 volunteers, the figures in README "Performance"
    python -m bench --scale district --only me,volunteerMatches --keep

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/linli_bench) names the
database; it is DROPPED and recreated unless --keep finds one generated at the same scale.
DATABASE_URL is never used, so the bench cannot drop the database you work on.
"""

# Django and Linli are imported inside functions on purpose: the bench database URL must be
# in the environment before settings load.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cases, server  # noqa: E402 - after the path, as every bench script
from bench.generate import SCALES  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/linli_bench"
KNOBS = {
    "district": cases.Knobs(slice_s=5, rounds=2, concurrency=8, match_cases=30, stats_reps=4,
                            burst=200, burst_rounds=5, callback_s=20),
    "small": cases.Knobs(slice_s=2, rounds=2, concurrency=8, match_cases=12, stats_reps=3,
                         burst=50, burst_rounds=2, callback_s=10),
    # the smoke test's: each path once, no statistics worth reading
    "tiny": cases.Knobs(slice_s=0.2, rounds=1, concurrency=2, match_cases=2, stats_reps=1,
                        burst=6, burst_rounds=1, callback_s=0.5, settle_s=0),
}
HEADER = ("operation", "p50", "p95", "throughput", "reference", "ratio", "target", "met")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", default="",
                        help="comma-separated benchmarks: " + ",".join(cases.BENCHMARKS))
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database when it was generated at this scale")
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""),
                        help="the server's REDIS_URL (cache); default: the database cache")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument("--no-create", action="store_true",
                        help="the database exists and is migrated: only add the data "
                             "(the smoke test uses its test database)")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - set(cases.BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    args.names = names or list(cases.BENCHMARKS)
    return args


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 2**20 for line in
                Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} GiB RAM, Python {platform.python_version()}"


def table(rows: list[cases.Row]) -> str:
    cells = [HEADER] + [tuple(vars(r).values()) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + " |"
             for cell in cells]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def prepare(args) -> None:
    from bench import dataset

    if not args.no_create:
        if args.keep:
            try:
                import django

                django.setup()
                if dataset.generated_scale() == args.scale:
                    print(f"reusing {args.database_url} ({args.scale})", flush=True)
                    return
            except Exception as exc:  # noqa: BLE001 - any trouble: make it again
                print(f"cannot reuse the database ({exc}); making it again", flush=True)
            from django.db import connections

            connections.close_all()
        dataset.recreate_database(args.database_url)
    import django

    django.setup()
    print(f"generating ({args.scale}) in {args.database_url}:", flush=True)
    dataset.build(args.scale, SCALES[args.scale], migrate=not args.no_create)


def run(args) -> list[cases.Row]:
    """Prepare the data, start the servers, run the chosen benchmarks, print the table."""
    from django.conf import settings
    from django.db import connections

    from backend.wechat.fake import FakeWeChatControl
    from bench import dataset

    started = time.perf_counter()
    prepare(args)
    knobs = KNOBS[args.scale]
    fx = dataset.fixtures(burst_size=knobs.burst,
                          burst_rounds=knobs.burst_rounds if "burst" in args.names else 0)
    connections.close_all()
    fake, wechat_origin = server.start_fake_wechat()
    gunicorn = None
    rows: list[cases.Row] = []
    try:
        control = FakeWeChatControl(wechat_origin)
        control.add_account(fx.wechat["appid"], fx.wechat["secret"], token=fx.wechat["token"])
        control.add_followers(fx.wechat["appid"], [{"openid": f"obench{n}"}
                                                   for n in range(cases.CALLBACK_FOLLOWERS)])
        env = server.server_env(database_url=args.database_url, redis_url=args.redis_url,
                                wechat_origin=wechat_origin, secret_key=settings.SECRET_KEY)
        gunicorn, base = server.start_gunicorn(env, workers=args.workers, threads=args.threads)
        ctx = cases.Ctx(base=base, fx=fx, knobs=knobs, rng=random.Random(2026))
        for name in args.names:
            t = time.perf_counter()
            result = cases.BENCHMARKS[name](ctx)
            done = result if isinstance(result, list) else [result]
            rows += done
            for row in done:
                print(f"  {time.perf_counter() - t:5.1f} s  {' | '.join(vars(row).values())}",
                      flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: the table has the benchmarks that finished", flush=True)
    finally:
        server.stop(gunicorn)
        server.stop(fake)
    print()
    print(f"scale {args.scale}; gunicorn {args.workers} processes × {args.threads} threads "
          f"(gthread), DEBUG=0, DB_CONN_MAX_AGE={os.environ.get('DB_CONN_MAX_AGE', 'default')},"
          f" cache {'Redis' if args.redis_url else 'database'}; {machine()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"whole run {time.perf_counter() - started:.0f} s")
    print()
    print(table(rows))
    return rows


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> None:
    args = parse_args(argv)
    if not args.database_url.startswith("postgres"):
        sys.exit("the benchmark needs PostgreSQL: set BENCH_DATABASE_URL or --database-url")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-suite-not-a-secret-" + "x" * 30)
    os.environ["DEBUG"] = "0"  # no query log growing in the generator
    # Production refuses to start without field keys; the bench's data is throwaway, so fixed
    # keys let a later `--keep` run read what an earlier one wrote.
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS",
                          base64.urlsafe_b64encode(b"linli-bench-field-key-0123456789").decode())
    os.environ.setdefault("FIELD_HASH_KEY", "linli-bench-hash-key-not-a-secret")
    os.environ.pop("REDIS_URL", None)
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    # A timeout's SIGTERM ends the run like Ctrl-C: servers stopped, the rows so far printed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run(args)
    except Exception as exc:  # a failed benchmark is a message, not a traceback
        from bench.load import BenchError

        if isinstance(exc, BenchError):
            sys.exit(f"benchmark failed: {exc}")
        raise
