"""The benchmark's database: made with bench/generate.py (the console issue's SQL
generator), the matching reference's structures (bench/reference_match.py), and what the
requests need: tokens, runs open for the enrolment burst, a WeChat account."""

# Django and Linli are imported inside functions on purpose: the database URL must be in the
# environment before settings load (bench/suite.py sets it).
# ruff: noqa: PLC0415

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

META = "bench_meta"
# management commands that derive data from the roster (run after the bulk load if present)
REBUILD_COMMANDS = ("matching_rebuild",)


@dataclass
class Fixtures:
    admin_token: str
    admin_session: str
    reader_tokens: list[str]  # residents with the most enrolments (myEnrollments)
    burst_tokens: list[str]
    burst_runs: list[list[str]] = field(default_factory=list)  # per round: [hot, *spread]
    street_id: int = 0  # the followers' street (broadcast planning)
    wechat: dict = field(default_factory=dict)  # slug, token, appid
    skills: list[str] = field(default_factory=list)
    communities: list[int] = field(default_factory=list)


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def generated_scale() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT scale FROM {META}")
        row = cursor.fetchone()
    return row[0] if row else None


def build(scale_name: str, scale: dict, *, migrate: bool) -> None:
    """Migrate (unless the database is already migrated), generate, build the reference."""
    from django.core.management import call_command, get_commands
    from django.db import connection

    from bench import generate, reference_match

    started = time.perf_counter()
    if migrate:
        call_command("migrate", verbosity=0)
        print(f"  migrate {time.perf_counter() - started:.1f} s", flush=True)
    # the database cache the server uses without Redis, whatever this process has
    call_command("createcachetable", "linli_cache", verbosity=0)
    generate.generate(scale)
    # The generator writes around the services: tables Linli derives from the roster in its
    # services are derived again here by their own commands, when the code has them.
    for command in REBUILD_COMMANDS:
        if command in get_commands():
            t = time.perf_counter()
            call_command(command, verbosity=0)
            print(f"  {command} {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    reference_match.build()
    print(f"  matching reference (candidate table, range indexes) "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {META}")
        cursor.execute(f"CREATE TABLE {META} (scale text)")
        cursor.execute(f"INSERT INTO {META} VALUES (%s)", [scale_name])
    print(f"  data ready in {time.perf_counter() - started:.1f} s", flush=True)


def _burst_runs(rounds: int, size: int, tag: str) -> list[list[str]]:
    """Per round, one run for the whole burst and `size` runs for the spread burst, all
    open for enrolment now and starting next week (copies of a generated run)."""
    from django.db import connection
    from graphql_relay import to_global_id

    out = []
    with connection.cursor() as cursor:
        for r in range(rounds):
            cursor.execute(
                """INSERT INTO courses_courserun (created_at, updated_at, code, capacity,
                     enrolled_count, waitlist_counter, enrollment_opens_at,
                     enrollment_closes_at, starts_at, ends_at, min_attendance_rate,
                     require_quiz, course_id, street_id, venue_id, community_id)
                   SELECT now(), now(), %s || '-' || g, 40, 0, 0, now() - interval '1 day',
                     now() + interval '6 days', now() + interval '7 days',
                     now() + interval '37 days', 0.5, false, t.course_id, t.street_id,
                     t.venue_id, t.community_id
                   FROM generate_series(0, %s) AS g
                   CROSS JOIN (SELECT * FROM courses_courserun ORDER BY id LIMIT 1) AS t
                   RETURNING id""", [f"X{tag}{r}", size])
            ids = sorted(row[0] for row in cursor.fetchall())
            out.append([to_global_id("CourseRun", pk) for pk in ids])
    return out


def fixtures(*, burst_size: int, burst_rounds: int) -> Fixtures:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from backend.accounts.models import Community, Street, User
    from backend.accounts.services import token_issue
    from backend.wechat.models import WeChatAccount
    from volunteers.models import Skill

    admin = User.objects.filter(username="bench_admin").first() or User.objects.create_superuser(
        "bench_admin", "", "bench-pass-不公开", display_name="基准管理员", phone="13900000000")
    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session.create()
    readers = list(User.objects.filter(username__startswith="br")
                   .annotate(n=Count("enrollments")).order_by("-n", "id")[:8])
    burst_users = list(User.objects.filter(username__startswith="br").order_by("-id")
                       [:burst_size])
    street = Street.objects.get(name="bench")
    account = WeChatAccount.objects.filter(community__street=street).order_by("id").first()
    return Fixtures(
        admin_token=token_issue(admin).key, admin_session=session.session_key,
        reader_tokens=[token_issue(u).key for u in readers],
        burst_tokens=[token_issue(u).key for u in burst_users],
        burst_runs=_burst_runs(burst_rounds, len(burst_users), str(int(time.time()) % 100000)),
        street_id=street.pk,
        wechat={"slug": account.slug, "token": account.token, "appid": account.app_id,
                "secret": account.app_secret},
        skills=list(Skill.objects.order_by("id").values_list("code", flat=True)),
        communities=list(Community.objects.filter(street__name__startswith="基准")
                         .order_by("id").values_list("id", flat=True)),
    )
