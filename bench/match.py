"""Matching at district scale: `volunteerMatches` through GraphQL (in process) against the
hand-tuned SQL of FINDINGS.md (candidate table + mask + range indexes), run interleaved in
the same process, order alternating.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench \\
        .venv/bin/python -m bench.generate --scale district
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench \\
        .venv/bin/python -m bench.match --runs 60

PostgreSQL only. `prepare()` tops up a database made by bench.generate with what matching
reads (once; it is idempotent): varied weekly rules (10 per volunteer, some on the half
hour), 1–3 skills per volunteer, credentials for the skills that need one (some expired),
a time-off and an upcoming job each, a few paused volunteers. `run()` measures and returns
the figures; the bench suite calls `prepare()` then `run()`.
"""

# Django and Linli are imported inside functions on purpose: DATABASE_URL must be in the
# environment before settings load.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREPARE = [
    ("rules", """
     DELETE FROM volunteers_availabilityrule;
     INSERT INTO volunteers_availabilityrule (weekday, start_time, end_time, volunteer_id)
     SELECT w, make_time(h, m, 0), make_time(h + d, m, 0), id FROM (
       SELECT v.id, 1 + floor(random() * 7)::int AS w, 7 + floor(random() * 13)::int AS h,
              (floor(random() * 2) * 30)::int AS m, 2 + floor(random() * 3)::int AS d
       FROM volunteers_volunteer v CROSS JOIN generate_series(1, 10)) AS r"""),
    ("skills", """
     INSERT INTO volunteers_volunteerskill (volunteer_id, skill_id, level)
     SELECT v.id, s.id, 1 + floor(random() * 3)::int
     FROM volunteers_volunteer v CROSS JOIN volunteers_skill s
     WHERE random() < 0.2
     ON CONFLICT DO NOTHING"""),
    ("credentials", """
     INSERT INTO volunteers_credential (created_at, updated_at, number, number_hash,
       valid_from, valid_until, source, revoked_reason, type_id, volunteer_id)
     SELECT DISTINCT ON (vs.volunteer_id, s.credential_type_id) now(), now(),
       '', 'bench-M' || vs.volunteer_id || '-' || s.credential_type_id, current_date - 400,
       CASE WHEN random() < 0.15 THEN current_date - 1 - floor(random() * 300)::int
            WHEN t.validity_months IS NULL THEN NULL
            ELSE current_date + 1 + floor(random() * 700)::int END,
       'bench', '', s.credential_type_id, vs.volunteer_id
     FROM volunteers_volunteerskill vs JOIN volunteers_skill s ON s.id = vs.skill_id
     JOIN volunteers_credentialtype t ON t.id = s.credential_type_id
     WHERE random() < 0.9
     ON CONFLICT DO NOTHING"""),
    ("time off", """
     INSERT INTO volunteers_timeoff (created_at, updated_at, starts_at, ends_at, reason,
       volunteer_id)
     SELECT now(), now(), s, s + (2 + floor(random() * 70)::int) * interval '1 hour', '', id
     FROM (SELECT v.id, date_trunc('hour', now()) + floor(random() * 28 * 24)::int
                         * interval '1 hour' AS s FROM volunteers_volunteer v) AS t"""),
    ("upcoming jobs", """
     INSERT INTO volunteers_commitment (created_at, updated_at, starts_at, ends_at, kind,
       status, source_key, title, volunteer_id)
     SELECT now(), now(), s, s + (1 + floor(random() * 3)::int) * interval '1 hour', 'DISPATCH',
       (ARRAY['CONFIRMED', 'TENTATIVE', 'COMPLETED'])[1 + floor(random() * 3)::int],
       'bench-match:' || id, '', id
     FROM (SELECT v.id, date_trunc('day', now()) + floor(random() * 28)::int * interval '1 day'
                         + (7 + floor(random() * 13)::int) * interval '1 hour' AS s
           FROM volunteers_volunteer v WHERE random() < 0.95) AS t"""),
    ("paused", """
     UPDATE volunteers_volunteer SET status = 'PAUSED' WHERE random() < 0.08;
     UPDATE volunteers_volunteer SET dispatch_consent = false WHERE random() < 0.02"""),
]


def _hour_masks(cursor) -> None:
    """The old hourly mask on Volunteer (what the code before the candidate table reads)."""
    from volunteers.services import hour_mask

    class Rule:
        __slots__ = ("end_time", "start_time", "weekday")

        def __init__(self, weekday, start, end):
            self.weekday, self.start_time, self.end_time = weekday, start, end

    cursor.execute("SELECT volunteer_id, weekday, start_time, end_time"
                   " FROM volunteers_availabilityrule ORDER BY volunteer_id")
    rules: dict[int, list] = {}
    for vid, weekday, start, end in cursor.fetchall():
        rules.setdefault(vid, []).append(Rule(weekday, start, end))
    cursor.execute("CREATE TEMP TABLE bench_mask (id bigint, mask text)")
    with cursor.connection.cursor() as cur, cur.copy("COPY bench_mask FROM STDIN") as copy:
        for vid, own in rules.items():
            copy.write_row((vid, hour_mask(own)))
    cursor.execute("UPDATE volunteers_volunteer v SET hour_mask = m.mask FROM bench_mask m"
                   " WHERE m.id = v.id")
    cursor.execute("DROP TABLE bench_mask")


def prepare() -> None:
    """Add matching's data to a bench.generate database (once) and refresh what is derived
    from it (the hour mask, and the candidate table when the code has one)."""
    from django.core.management import call_command, get_commands
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM volunteers_commitment"
                       " WHERE source_key LIKE 'bench-match:%%')")
        if cursor.fetchone()[0]:
            return
        print("matching data:")
        cursor.execute("SELECT setseed(0.2026)")
        for label, sql in PREPARE:
            started = time.perf_counter()
            with transaction.atomic():
                cursor.execute(sql)
            print(f"  {label:<20} {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        with transaction.atomic():
            _hour_masks(cursor)
        print(f"  {'hour masks':<20} {time.perf_counter() - started:6.1f} s")
    if "matching_rebuild" in get_commands():
        started = time.perf_counter()
        call_command("matching_rebuild")
        print(f"  {'candidate table':<20} {time.perf_counter() - started:6.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- The reference: hand-tuned SQL, its own derived table and range indexes ---------------
# A candidate row per (skill, holder) with what the filter and the score need, an exact
# 15-minute mask per volunteer built from the rules, 30-day hours precomputed, and the
# time-off / busy sets read once through GiST indexes on tstzrange.
REFERENCE_SETUP = """
DROP TABLE IF EXISTS bench_ref_candidate;
DROP TABLE IF EXISTS bench_ref_mask;
CREATE TABLE bench_ref_mask AS
SELECT volunteer_id, bit_or((repeat('0', a) || repeat('1', b - a) || repeat('0', 672 - b))
                            ::bit(672)) AS mask
FROM (SELECT volunteer_id,
             (weekday - 1) * 96 + ceil(extract(epoch FROM start_time) / 900)::int AS a,
             (weekday - 1) * 96 + floor(extract(epoch FROM end_time) / 900)::int AS b
      FROM volunteers_availabilityrule) AS r
WHERE b > a GROUP BY volunteer_id;
CREATE UNIQUE INDEX ON bench_ref_mask (volunteer_id);
CREATE TABLE bench_ref_candidate AS
SELECT vs.skill_id, vs.volunteer_id, vs.level, v.community_id,
       (v.status = 'ACTIVE' AND v.dispatch_consent) AS ok,
       cr.valid_from AS cred_from, cr.valid_until AS cred_until, s.credential_type_id AS ctype,
       COALESCE(m.mask, repeat('0', 672)::bit(672)) AS mask,
       COALESCE((SELECT sum(h.hours) FROM volunteers_servicehours h
                 WHERE h.volunteer_id = v.id AND h.status = 'APPROVED'
                 AND h.served_on >= now() - interval '30 days'), 0) AS hours_30d
FROM volunteers_volunteerskill vs
JOIN volunteers_volunteer v ON v.id = vs.volunteer_id
JOIN volunteers_skill s ON s.id = vs.skill_id
LEFT JOIN LATERAL (SELECT c.valid_from, c.valid_until FROM volunteers_credential c
                   WHERE c.volunteer_id = v.id AND c.type_id = s.credential_type_id
                   AND c.revoked_at IS NULL ORDER BY c.valid_until DESC NULLS FIRST
                   LIMIT 1) cr ON true
LEFT JOIN bench_ref_mask m ON m.volunteer_id = v.id;
CREATE INDEX bench_ref_candidate_skill ON bench_ref_candidate (skill_id, level DESC)
  WHERE ok;
CREATE INDEX bench_ref_candidate_order ON bench_ref_candidate (skill_id, volunteer_id);
CLUSTER bench_ref_candidate USING bench_ref_candidate_order;
CREATE INDEX IF NOT EXISTS bench_ref_timeoff_range ON volunteers_timeoff
  USING gist (tstzrange(starts_at, ends_at));
CREATE INDEX IF NOT EXISTS bench_ref_busy_range ON volunteers_commitment
  USING gist (tstzrange(starts_at, ends_at)) WHERE status IN ('TENTATIVE', 'CONFIRMED');
ANALYZE bench_ref_candidate;
ANALYZE volunteers_timeoff;
ANALYZE volunteers_commitment;
"""

# Note: the mask above is "some rule covers this quarter hour" — exact for this data's
# one-rule windows only up to overlapping rules; the reference is a speed yardstick, not
# the specification (the property tests hold the specification).
REFERENCE_SQL = """
WITH off AS (SELECT volunteer_id FROM volunteers_timeoff
             WHERE tstzrange(starts_at, ends_at) && tstzrange(%(start)s, %(end)s)),
     busy AS (SELECT volunteer_id FROM volunteers_commitment
              WHERE status IN ('TENTATIVE', 'CONFIRMED')
              AND tstzrange(starts_at, ends_at) && tstzrange(%(start_buf)s, %(end_buf)s))
SELECT c.volunteer_id,
       CASE WHEN c.community_id = %(community)s THEN 30
            WHEN c.community_id = ANY(%(street_communities)s) THEN 15 ELSE 0 END
       + c.level * 10 + greatest(20 - 2 * c.hours_30d, 0) AS score
FROM bench_ref_candidate c
WHERE c.skill_id = %(skill)s AND c.ok
  AND (c.ctype IS NULL OR (c.cred_from <= %(day)s
       AND (c.cred_until IS NULL OR c.cred_until >= %(day)s)))
  AND substring(c.mask FROM %(pos)s FOR %(len)s) = %(ones)s::bit varying
  AND c.volunteer_id NOT IN (SELECT volunteer_id FROM off)
  AND c.volunteer_id NOT IN (SELECT volunteer_id FROM busy)
ORDER BY score DESC, c.volunteer_id
LIMIT 10
"""

GQL = """query M($skill: String!, $s: DateTime!, $c: ID!) {
  volunteerMatches(skill: $skill, startsAt: $s, durationMinutes: 60, communityId: $c) {
    evaluatedAt excluded { reason count }
    candidates { score reasons { code weight detail }
                 volunteer { id displayName community { name } } } } }"""


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
    return ordered[index]


def reference_setup(*, again: bool = False) -> None:
    """Build the reference's table and indexes (about a minute at district scale); kept
    between runs unless `again` (the roster data does not change between runs)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_ref_candidate') IS NOT NULL")
        if cursor.fetchone()[0] and not again:
            return
        started = time.perf_counter()
        cursor.execute(REFERENCE_SETUP)
        print(f"reference table and indexes built in {time.perf_counter() - started:.1f} s")


def reference(*, skill, community, street_communities, start, end) -> list:
    """The hand-tuned statement for one case; returns (volunteer_id, score) rows."""
    from django.db import connection
    from django.utils import timezone

    from volunteers import matching

    ls, le = timezone.localtime(start), timezone.localtime(end)
    first = (ls.isoweekday() - 1) * 96 + (ls.hour * 60 + ls.minute) // 15
    last = (ls.isoweekday() - 1) * 96 + (le.hour * 60 + le.minute + 14) // 15
    buffer = timedelta(minutes=matching.DEFAULT_TRAVEL_BUFFER_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, {
            "community": community.pk, "street_communities": street_communities,
            "skill": skill.pk, "day": ls.date(), "pos": first + 1, "len": last - first,
            "ones": "1" * (last - first), "start": start, "end": end,
            "start_buf": start - buffer, "end_buf": end + buffer})
        return cursor.fetchall()


def run(runs: int = 60, seed: int = 2026, *, warmup: int = 5) -> dict:
    """p50/p95 (ms) of volunteerMatches through GraphQL (Django's test client, in process)
    and of the reference, interleaved with the order alternating; prints a table."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone
    from graphql_relay import to_global_id

    from backend.accounts.models import Community, User
    from backend.accounts.services import token_issue
    from volunteers.models import Skill

    rng = random.Random(seed)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host
    reference_setup()
    admin = User.objects.filter(is_superuser=True).order_by("id").first() or \
        User.objects.create_superuser("bench_admin", "", "bench-pass",
                                      display_name="基准管理员", phone="13900000000")
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(admin).key}")
    communities = list(Community.objects.all())
    by_street: dict[int, list[int]] = {}
    for c in communities:
        by_street.setdefault(c.street_id, []).append(c.pk)
    skills = list(Skill.objects.all())
    today = timezone.localdate()
    timings: dict[str, list[float]] = {"graphql": [], "reference": []}
    returned = []
    for index in range(runs + warmup):
        day = today + timedelta(days=rng.randint(1, 20))
        start = timezone.make_aware(datetime(day.year, day.month, day.day,
                                             rng.randint(8, 18), rng.choice([0, 30])))
        skill, community = rng.choice(skills), rng.choice(communities)

        def graphql(skill=skill, community=community, start=start):
            response = client.post("/graphql/", data=json.dumps({"query": GQL, "variables": {
                "skill": skill.code, "s": start.isoformat(),
                "c": to_global_id("Community", community.pk)}}),
                content_type="application/json")
            body = response.json()
            assert "errors" not in body, body
            return body["data"]["volunteerMatches"]["candidates"]

        def ref(skill=skill, community=community, start=start):
            return reference(skill=skill, community=community,
                             street_communities=by_street[community.street_id],
                             start=start, end=start + timedelta(minutes=60))

        order = (("graphql", graphql), ("reference", ref))
        for key, call in (order if index % 2 == 0 else order[::-1]):
            started = time.perf_counter()
            result = call()
            took = (time.perf_counter() - started) * 1000
            if index >= warmup:
                timings[key].append(took)
                if key == "graphql":
                    returned.append(len(result))
    figures = {key: {"p50": statistics.median(values), "p95": percentile(values, 95)}
               for key, values in timings.items()}
    ref = figures["reference"]
    print(f"\n{runs} random queries (skill, community, 60-minute window in the next 3 weeks),"
          f" mean candidates returned {statistics.mean(returned):.1f}")
    print(f"{'':32}{'p50 ms':>10}{'p95 ms':>10}{'p50 ×ref':>10}{'p95 ×ref':>10}")
    for label, key in (("volunteerMatches (GraphQL)", "graphql"),
                       ("hand-tuned SQL (reference)", "reference")):
        p50, p95 = figures[key]["p50"], figures[key]["p95"]
        print(f"{label:32}{p50:10.1f}{p95:10.1f}{p50 / ref['p50']:10.2f}"
              f"{p95 / ref['p95']:10.2f}")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database made by bench.generate.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("SECRET_KEY", "bench-match")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    prepare()
    run(args.runs, args.seed)


if __name__ == "__main__":
    main()
