"""Matching at district scale: p50/p95 of `volunteerMatches` through the GraphQL API and of
the selector alone, next to a plain indexed SQL query over the same data (the reference).

    .venv/bin/python bench/match.py --volunteers 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/linli_bench

The database is (re)created and filled with COPY: ten weekly availability rules per
volunteer, 1–3 skills, credentials (some expired), one time-off and ~one commitment each.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlparse

import django
import psycopg
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/linli_bench")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true",
                        help="reuse an already generated database of the same size")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
    return ordered[index]


def _copy(cur, sql: str, rows) -> None:
    with cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def generate(n: int, rng: random.Random) -> None:
    # Linli's modules only after django.setup(), which main() calls once DATABASE_URL is set.
    from backend.accounts.demo import seed as seed_accounts  # noqa: PLC0415 - after setup
    from backend.accounts.models import Community  # noqa: PLC0415 - after setup
    from backend.core.demo import DemoContext  # noqa: PLC0415 - after setup
    from volunteers.models import CredentialType, Skill  # noqa: PLC0415 - after setup
    from volunteers.services import hour_mask  # noqa: PLC0415 - after setup

    class Quiet:
        def write(self, *_a, **_k):
            pass

    seed_accounts(DemoContext(stdout=Quiet(), style=None))
    communities = list(Community.objects.values_list("id", flat=True))
    skills = list(Skill.objects.values_list("id", "credential_type_id"))
    type_months = dict(CredentialType.objects.values_list("id", "validity_months"))
    today = timezone.localdate()
    now = timezone.now()
    slots = [(h, h + d) for h in range(7, 20) for d in (2, 3, 4) if h + d <= 22]

    class Rule:
        __slots__ = ("end_time", "start_time", "weekday")

        def __init__(self, weekday, start, end):
            self.weekday, self.start_time, self.end_time = weekday, dtime(start), dtime(end)

    started = time.monotonic()
    with connection.cursor() as cursor:
        raw = cursor.connection
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        first_user = cursor.fetchone()[0] + 1
        with raw.cursor() as cur:
            with cur.copy("COPY accounts_user (id, password, is_superuser, username, first_name,"
                          " last_name, email, is_staff, is_active, date_joined, display_name,"
                          " phone, community_id, consent_version, address) FROM STDIN") as copy:
                for i in range(n):
                    copy.write_row((first_user + i, "!", False, f"bench{i}", "", "", "", False,
                                    True, now, f"志愿者{i}", f"139{i:08d}",
                                    rng.choice(communities), "", ""))
            volunteers, vskills, creds, rules, offs, commitments = [], [], [], [], [], []
            for i in range(n):
                vid = i + 1
                status = "ACTIVE" if rng.random() < 0.92 else "PAUSED"
                own = []
                for _ in range(10):
                    start, end = rng.choice(slots)
                    own.append(Rule(rng.randint(1, 7), start, end))
                rules.extend((vid, r.weekday, r.start_time, r.end_time) for r in own)
                volunteers.append((vid, now, now, first_user + i, rng.choice(communities),
                                   status, today, True, hour_mask(own)))
                held_types = set()
                for skill_id, type_id in rng.sample(skills, rng.randint(1, 3)):
                    vskills.append((vid, skill_id, rng.randint(1, 3)))
                    if type_id and type_id not in held_types:
                        held_types.add(type_id)
                        roll = rng.random()
                        until = (today - timedelta(days=rng.randint(1, 300)) if roll < 0.15
                                 else None if type_months.get(type_id) is None
                                 else today + timedelta(days=rng.randint(1, 700)))
                        creds.append((vid, type_id, f"C{vid}-{type_id}",
                                      today - timedelta(days=400), until))
                offset = timedelta(days=rng.randint(0, 27), hours=rng.randint(0, 23))
                offs.append((vid, now + offset, now + offset + timedelta(hours=rng.randint(2, 72))))
                if rng.random() < 0.95:
                    cstart = now + timedelta(days=rng.randint(0, 27), hours=rng.randint(7, 20))
                    commitments.append((vid, cstart, cstart + timedelta(hours=rng.randint(1, 3)),
                                        rng.choice(["CONFIRMED", "TENTATIVE", "COMPLETED"]),
                                        f"bench:{vid}"))
            _copy(cur, "COPY accounts_roleassignment (created_at, updated_at, user_id, role)"
                       " FROM STDIN", ((now, now, first_user + i, "VOLUNTEER") for i in range(n)))
            _copy(cur, "COPY volunteers_volunteer (id, created_at, updated_at, user_id,"
                       " community_id, status, joined_on, dispatch_consent, hour_mask)"
                       " FROM STDIN", volunteers)
            _copy(cur, "COPY volunteers_volunteerskill (volunteer_id, skill_id, level)"
                       " FROM STDIN", vskills)
            _copy(cur, "COPY volunteers_credential (created_at, updated_at, volunteer_id,"
                       " type_id, number, valid_from, valid_until, source, revoked_reason)"
                       " FROM STDIN",
                  ((now, now, vid, type_id, number, valid_from, until, "", "")
                   for vid, type_id, number, valid_from, until in creds))
            _copy(cur, "COPY volunteers_availabilityrule (volunteer_id, weekday, start_time,"
                       " end_time) FROM STDIN", rules)
            _copy(cur, "COPY volunteers_timeoff (created_at, updated_at, volunteer_id,"
                       " starts_at, ends_at, reason) FROM STDIN",
                  ((now, now, vid, s, e, "") for vid, s, e in offs))
            _copy(cur, "COPY volunteers_commitment (created_at, updated_at, volunteer_id,"
                       " starts_at, ends_at, kind, status, source_key, title) FROM STDIN",
                  ((now, now, vid, s, e, "DISPATCH", status, key, "")
                   for vid, s, e, status, key in commitments))
        cursor.execute("SELECT setval(pg_get_serial_sequence('volunteers_volunteer', 'id'),"
                       " (SELECT MAX(id) FROM volunteers_volunteer))")
        cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'),"
                       " (SELECT MAX(id) FROM accounts_user))")
        cursor.execute("ANALYZE")
    print(f"generated {n} volunteers, {len(rules)} rules, {len(vskills)} skills, "
          f"{len(creds)} credentials, {len(offs)} time-offs, {len(commitments)} commitments "
          f"in {time.monotonic() - started:.1f} s")


REFERENCE_SQL = """
SELECT vs.volunteer_id,
       CASE WHEN v.community_id = %(community)s THEN 30 WHEN c.street_id = %(street)s THEN 15
            ELSE 0 END + vs.level * 10 AS score
FROM volunteers_volunteerskill vs
JOIN volunteers_volunteer v ON v.id = vs.volunteer_id
JOIN accounts_community c ON c.id = v.community_id
WHERE vs.skill_id = %(skill)s AND v.status = 'ACTIVE' AND v.dispatch_consent
  AND (%(ctype)s::bigint IS NULL OR EXISTS (
       SELECT 1 FROM volunteers_credential cr WHERE cr.volunteer_id = v.id
       AND cr.type_id = %(ctype)s AND cr.revoked_at IS NULL AND cr.valid_from <= %(day)s
       AND (cr.valid_until IS NULL OR cr.valid_until >= %(day)s)))
  AND EXISTS (SELECT 1 FROM volunteers_availabilityrule r WHERE r.volunteer_id = v.id
       AND r.weekday = %(weekday)s AND r.start_time <= %(t0)s AND r.end_time >= %(t1)s)
  AND NOT EXISTS (SELECT 1 FROM volunteers_timeoff o WHERE o.volunteer_id = v.id
       AND o.starts_at < %(end)s AND o.ends_at > %(start)s)
  AND NOT EXISTS (SELECT 1 FROM volunteers_commitment m WHERE m.volunteer_id = v.id
       AND m.status IN ('TENTATIVE', 'CONFIRMED')
       AND m.starts_at < %(end_buf)s AND m.ends_at > %(start_buf)s)
ORDER BY score DESC, vs.volunteer_id
LIMIT 10
"""

GQL = """query M($skill: String!, $s: DateTime!, $c: ID!) {
  volunteerMatches(skill: $skill, startsAt: $s, durationMinutes: 60, communityId: $c) {
    evaluatedAt excluded { reason count }
    candidates { score reasons { code weight detail }
                 volunteer { id displayName community { name } } } } }"""


def measure(runs: int, rng: random.Random) -> None:
    # Models only after django.setup() (see generate).
    from backend.accounts.models import Community, User  # noqa: PLC0415 - after setup
    from backend.accounts.services import token_issue  # noqa: PLC0415 - after setup
    from volunteers import matching  # noqa: PLC0415 - after setup
    from volunteers.models import Skill  # noqa: PLC0415 - after setup

    admin = User.objects.get(username="admin")
    token = token_issue(admin).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    communities = list(Community.objects.all())
    skills = list(Skill.objects.all())
    today = timezone.localdate()

    def case():
        day = today + timedelta(days=rng.randint(1, 20))
        start = timezone.make_aware(datetime(day.year, day.month, day.day,
                                             rng.randint(8, 18), rng.choice([0, 30])))
        return rng.choice(skills), rng.choice(communities), start

    cases = [case() for _ in range(runs + 3)]
    timings = {"graphql": [], "selector": [], "reference": []}
    candidates = []
    for index, (skill, community, start) in enumerate(cases):
        end = start + timedelta(minutes=60)
        t = time.perf_counter()
        response = client.post("/graphql/", data=json.dumps({"query": GQL, "variables": {
            "skill": skill.code, "s": start.isoformat(),
            "c": to_global_id("Community", community.pk)}}), content_type="application/json")
        graphql = time.perf_counter() - t
        body = response.json()
        assert "errors" not in body, body
        t = time.perf_counter()
        result = matching.match_volunteers(skill=skill, starts_at=start, ends_at=end,
                                           community=community)
        selector = time.perf_counter() - t
        local = timezone.localtime(start)
        buffer = timedelta(minutes=matching.DEFAULT_TRAVEL_BUFFER_MINUTES)
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(REFERENCE_SQL, {
                "community": community.pk, "street": community.street_id, "skill": skill.pk,
                "ctype": skill.credential_type_id, "day": local.date(),
                "weekday": local.isoweekday(), "t0": local.time(),
                "t1": timezone.localtime(end).time(), "start": start, "end": end,
                "start_buf": start - buffer, "end_buf": end + buffer})
            cursor.fetchall()
        reference = time.perf_counter() - t
        if index >= 3:  # warm-up runs are not counted
            timings["graphql"].append(graphql * 1000)
            timings["selector"].append(selector * 1000)
            timings["reference"].append(reference * 1000)
            candidates.append(len(result.candidates))
            holders = result.considered
    ref50 = statistics.median(timings["reference"])
    ref95 = percentile(timings["reference"], 95)
    print(f"\n{runs} random queries (skill, community, 60-minute window in the next 3 weeks); "
          f"last one considered {holders} holders of its skill; "
          f"mean candidates returned {statistics.mean(candidates):.1f}")
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'p50 ×ref':>10}{'p95 ×ref':>10}")
    for label, key in (("volunteerMatches (GraphQL)", "graphql"),
                       ("selector alone", "selector"), ("plain indexed SQL (ref)", "reference")):
        p50, p95 = statistics.median(timings[key]), percentile(timings[key], 95)
        print(f"{label:28}{p50:10.1f}{p95:10.1f}{p50 / ref50:10.2f}{p95 / ref95:10.2f}")


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    if not args.keep:
        recreate_database(args.database_url)
    django.setup()
    from volunteers.models import Volunteer  # noqa: PLC0415 - after setup, as above

    rng = random.Random(2026)
    if not args.keep or Volunteer.objects.count() != args.volunteers:
        call_command("migrate", verbosity=0)
        generate(args.volunteers, rng)
    measure(args.runs, rng)


if __name__ == "__main__":
    main()
