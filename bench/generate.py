"""District-scale data in SQL (generate_series, INSERT … SELECT), then the dashboard's timing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench_stats \\
        .venv/bin/python -m bench.generate --scale district

PostgreSQL only. The database named by DATABASE_URL is (re)created and migrated, then filled:
10 streets × 6 communities; `district`: 100,000 volunteers with 10 weekly availability rules
each and a credential, 20,000 residents, 500 course runs with enrolments and attendance,
5,000 tutoring slots with bookings, a year of commitments with service hours (two per
volunteer), 20,000 service requests with offers. `small` is a hundredth of that. Then the
dashboard's selectors (`district_stats`) are timed for the district, a street and a community
over the last year; the target is under a second each.
"""

# Django and Linli are imported inside functions on purpose: DATABASE_URL must be in the
# environment before settings load.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {
    "district": {"volunteers": 100_000, "residents": 20_000, "runs": 500, "slots": 5_000,
                 "requests": 20_000, "followers": 1_000_000},
    "small": {"volunteers": 1_000, "residents": 200, "runs": 60, "slots": 300, "requests": 200,
              "followers": 10_000},
    # the benchmark suite's smoke test: every table, seconds to make
    "tiny": {"volunteers": 200, "residents": 60, "runs": 3, "slots": 20, "requests": 20,
             "followers": 300},
}
STREETS, COMMUNITIES_PER_STREET = 10, 6
ENROLMENTS_PER_RUN = 30


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--keep", action="store_true",
                        help="time an already generated database instead of making it again")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


PHONE_POOL = 1000

# Each statement takes %(n)s-style parameters: c (community ids), plus the scale's sizes.
STATEMENTS = [
    ("users", """
     INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
       is_staff, is_active, date_joined, display_name, phone, phone_hash, consent_version,
       address, community_id)
     SELECT '!', false, CASE WHEN g <= %(volunteers)s THEN 'bv' ELSE 'br' END || g, '', '', '',
       false, true, now(), '居民' || g,
       (%(phones)s::text[])[1 + g %% cardinality(%(phones)s::text[])],
       (%(phone_hashes)s::text[])[1 + g %% cardinality(%(phone_hashes)s::text[])], '', '',
       (%(c)s::bigint[])[1 + g %% cardinality(%(c)s::bigint[])]
     FROM generate_series(1, %(volunteers)s + %(residents)s) AS g"""),
    ("volunteers", """
     INSERT INTO volunteers_volunteer (created_at, updated_at, status, joined_on,
       dispatch_consent, hour_mask, community_id, user_id)
     SELECT now(), now(), 'ACTIVE', current_date - 400, true, repeat('0', 168),
       u.community_id, u.id
     FROM accounts_user u WHERE u.username LIKE 'bv%%'"""),
    # Ten weekly rules per volunteer, spread over the week and the day by the id (7:00 to
    # 21:00, two to four hours), so that who is available depends on the window.
    ("availability rules", """
     INSERT INTO volunteers_availabilityrule (weekday, start_time, end_time, volunteer_id)
     SELECT 1 + (v.id * 3 + r) %% 7, make_time(h, 0, 0),
       make_time(h + 2 + ((v.id + r) %% 3)::int, 0, 0), v.id
     FROM volunteers_volunteer v CROSS JOIN generate_series(0, 9) AS r
     CROSS JOIN LATERAL (SELECT (7 + (v.id * 13 + r * 5) %% 12)::int AS h) AS t"""),
    # What availability_set derives from the rules (volunteers.services.hour_mask): local
    # hour (weekday-1)*24+h is "1" when a rule overlaps it. The rules end on the hour here.
    ("hour masks", """
     UPDATE volunteers_volunteer v SET hour_mask = m.mask
     FROM (SELECT r.volunteer_id, bit_or((repeat('0', (r.weekday - 1) * 24
                  + extract(hour FROM r.start_time)::int)
                  || repeat('1', (extract(hour FROM r.end_time)
                                  - extract(hour FROM r.start_time))::int)
                  || repeat('0', 168 - (r.weekday - 1) * 24
                                 - extract(hour FROM r.end_time)::int))::bit(168))::text AS mask
           FROM volunteers_availabilityrule r GROUP BY r.volunteer_id) AS m
     WHERE m.volunteer_id = v.id"""),
    # One to three skills each, levels 1-3.
    ("volunteer skills", """
     INSERT INTO volunteers_volunteerskill (volunteer_id, skill_id, level)
     SELECT v.id,
       (%(skills)s::bigint[])[1 + (v.id * 7 + k * 5) %% cardinality(%(skills)s::bigint[])],
       1 + (v.id + k) %% 3
     FROM volunteers_volunteer v CROSS JOIN generate_series(0, 2) AS k
     WHERE k <= v.id %% 3
     ON CONFLICT DO NOTHING"""),
    ("credentials", """
     INSERT INTO volunteers_credential (created_at, updated_at, number, number_hash, valid_from,
       valid_until, source, revoked_reason, type_id, volunteer_id)
     SELECT now(), now(), '', 'bench-B' || v.id, current_date - 300,
       current_date + (v.id %% 400)::int - 30, 'bench', '',
       (SELECT min(id) FROM volunteers_credentialtype), v.id
     FROM volunteers_volunteer v"""),
    # The credential each held skill needs; one in seven has expired.
    ("skill credentials", """
     INSERT INTO volunteers_credential (created_at, updated_at, number, number_hash, valid_from,
       valid_until, source, revoked_reason, type_id, volunteer_id)
     SELECT DISTINCT now(), now(), '', 'bench-K' || vs.volunteer_id || '-' || s.credential_type_id,
       current_date - 400, CASE WHEN vs.volunteer_id %% 7 = 0 THEN current_date - 10
                                ELSE current_date + 365 END,
       'bench', '', s.credential_type_id, vs.volunteer_id
     FROM volunteers_volunteerskill vs JOIN volunteers_skill s ON s.id = vs.skill_id
     WHERE s.credential_type_id IS NOT NULL"""),
    ("time off", """
     INSERT INTO volunteers_timeoff (created_at, updated_at, starts_at, ends_at, reason,
       volunteer_id)
     SELECT now(), now(), s, s + (2 + v.id %% 70) * interval '1 hour', '', v.id
     FROM volunteers_volunteer v
     CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) + (v.id %% 28) * interval '1 day'
                                + (v.id %% 24) * interval '1 hour' AS s) AS t"""),
    ("courses", """
     INSERT INTO courses_course (created_at, updated_at, code, title, summary, audience,
       published, hours, grants_credential_type)
     SELECT now(), now(), 'BC' || g, '课程' || g, '', 'ALL', true, 8, ''
     FROM generate_series(1, 50) AS g"""),
    ("venues", """
     INSERT INTO courses_venue (created_at, updated_at, name, address, community_id)
     SELECT now(), now(), '活动室', '', c.id FROM accounts_community c"""),
    ("runs", """
     INSERT INTO courses_courserun (created_at, updated_at, code, capacity, enrolled_count,
       waitlist_counter, enrollment_opens_at, enrollment_closes_at, starts_at, ends_at,
       min_attendance_rate, require_quiz, course_id, street_id, venue_id, community_id)
     SELECT now(), now(), 'BR' || g, 40, 0, 0, s - interval '20 days', s - interval '1 day', s,
       s + interval '30 days', 0.5, false,
       (SELECT min(id) FROM courses_course) + g %% 50, c.street_id, v.id, c.id
     FROM generate_series(1, %(runs)s) AS g
     CROSS JOIN LATERAL (SELECT now() - (g %% 365) * interval '1 day' AS s) AS t
     JOIN courses_venue v ON v.id = (SELECT min(id) FROM courses_venue)
                                     + g %% (SELECT count(*) FROM courses_venue)
     JOIN accounts_community c ON c.id = v.community_id"""),
    ("sessions", """
     INSERT INTO courses_classsession (created_at, updated_at, starts_at, ends_at, run_id)
     SELECT now(), now(), r.starts_at, r.starts_at + interval '2 hours', r.id
     FROM courses_courserun r"""),
    ("enrolments", """
     INSERT INTO courses_enrollment (created_at, updated_at, status, run_id, user_id,
       waitlist_seq, completed_at)
     SELECT r.enrollment_opens_at + (k %% 19) * interval '1 day', now(),
       CASE WHEN k %% 10 = 0 THEN 'CANCELLED' WHEN k %% 3 = 0 THEN 'COMPLETED'
            ELSE 'ENROLLED' END, r.id, u.id, NULL,
       CASE WHEN k %% 10 <> 0 AND k %% 3 = 0 THEN r.ends_at END
     FROM courses_courserun r CROSS JOIN generate_series(1, %(per_run)s) AS k
     JOIN accounts_user u ON u.username = 'br' || (%(volunteers)s + 1
                                                  + (r.id * 37 + k) %% %(residents)s)
     ON CONFLICT DO NOTHING"""),
    ("attendance", """
     INSERT INTO courses_attendance (created_at, updated_at, present, method, marked_at,
       session_id, enrollment_id)
     SELECT now(), now(), true, 'QR', s.starts_at, s.id, e.id
     FROM courses_enrollment e JOIN courses_classsession s ON s.run_id = e.run_id
     WHERE e.status <> 'CANCELLED' AND e.id %% 5 <> 0"""),
    # Four in five slots are done, with a booking each; the rest are open in the coming weeks.
    ("tutoring slots", """
     INSERT INTO courses_tutoringslot (created_at, updated_at, starts_at, ends_at, place_text,
       topic, capacity, booked_count, status, community_id, tutor_id, doorstep)
     SELECT now(), now(), s, s + interval '1 hour', '上门', '微信', 1,
       CASE WHEN g %% 5 = 0 THEN 0 ELSE 1 END, CASE WHEN g %% 5 = 0 THEN 'OPEN' ELSE 'DONE' END,
       v.community_id, v.id, false
     FROM generate_series(1, %(slots)s) AS g
     CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) + CASE WHEN g %% 5 = 0
                                THEN (2 + g %% 28) * interval '1 day'
                                ELSE -(g %% 365) * interval '1 day' END AS s) AS t
     JOIN volunteers_volunteer v ON v.id = (SELECT min(id) FROM volunteers_volunteer) + g"""),
    ("tutoring bookings", """
     INSERT INTO courses_tutoringbooking (created_at, updated_at, starts_at, ends_at, status,
       note, tutor_no_show, comment, user_id, slot_id, address)
     SELECT now(), now(), s.starts_at, s.ends_at,
       CASE WHEN s.id %% 9 = 0 THEN 'NO_SHOW' ELSE 'ATTENDED' END, '', false, '',
       u.id, s.id, ''
     FROM courses_tutoringslot s
     JOIN accounts_user u ON u.username = 'br' || (%(volunteers)s + 1 + s.id %% %(residents)s)
     WHERE s.status = 'DONE'"""),
    ("commitments", """
     INSERT INTO volunteers_commitment (created_at, updated_at, starts_at, ends_at, kind, status,
       source_key, title, volunteer_id)
     SELECT now(), now(), s, s + interval '2 hours',
       CASE WHEN k = 0 THEN 'OTHER' ELSE 'TUTORING' END, 'COMPLETED',
       'bench:' || v.id || ':' || k, '', v.id
     FROM volunteers_volunteer v CROSS JOIN generate_series(0, 1) AS k
     CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) - ((v.id * 7 + k * 180) %% 365)
                                * interval '1 day' AS s) AS t"""),
    # Nineteen in twenty volunteers have a job in the coming four weeks (busy, daily cap).
    ("future commitments", """
     INSERT INTO volunteers_commitment (created_at, updated_at, starts_at, ends_at, kind, status,
       source_key, title, volunteer_id)
     SELECT now(), now(), s, s + (1 + v.id %% 3) * interval '1 hour', 'DISPATCH',
       CASE WHEN v.id %% 2 = 0 THEN 'CONFIRMED' ELSE 'TENTATIVE' END,
       'benchf:' || v.id, '', v.id
     FROM volunteers_volunteer v
     CROSS JOIN LATERAL (SELECT date_trunc('day', now()) + (1 + v.id * 3 %% 27) * interval '1 day'
                                + (7 + v.id %% 13) * interval '1 hour' AS s) AS t
     WHERE v.id %% 20 <> 0"""),
    ("service hours", """
     INSERT INTO volunteers_servicehours (created_at, updated_at, hours, served_on, note, status,
       review_reason, commitment_id, volunteer_id)
     SELECT now(), now(), 2, m.starts_at, '',
       CASE WHEN m.id %% 10 = 0 THEN 'PENDING' ELSE 'APPROVED' END, '', m.id, m.volunteer_id
     FROM volunteers_commitment m WHERE m.source_key LIKE 'bench:%%'"""),
    ("service requests", """
     INSERT INTO volunteers_servicerequest (created_at, updated_at, min_level, starts_at, ends_at,
       address, note, external_ref, status, community_id, skill_id, description, part_of_day,
       decline_reason, consent_version, visit_code, rating_comment)
     SELECT s, now(), 1, s + interval '1 day', s + interval '25 hours', '', '', '',
       (ARRAY['COMPLETED', 'COMPLETED', 'ACCEPTED', 'CANCELLED', 'UNFULFILLED',
              'ESCALATED'])[1 + g %% 6],
       (%(c)s::bigint[])[1 + g %% cardinality(%(c)s::bigint[])],
       (SELECT min(id) FROM volunteers_skill), '', '', '', '', '', ''
     FROM generate_series(1, %(requests)s) AS g
     CROSS JOIN LATERAL (SELECT now() - (g %% 365) * interval '1 day'
                                - (g %% 24) * interval '1 hour' AS s) AS t"""),
    ("offers", """
     INSERT INTO volunteers_offer (created_at, updated_at, status, expires_at, responded_at,
       reason, request_id, volunteer_id)
     SELECT r.created_at, now(), 'ACCEPTED', r.created_at + interval '1 hour',
       r.created_at + (r.id %% 120) * interval '1 minute', '', r.id,
       (SELECT min(id) FROM volunteers_volunteer) + r.id %% %(volunteers)s
     FROM volunteers_servicerequest r WHERE r.status IN ('COMPLETED', 'ACCEPTED')"""),
]


def generate(scale: dict) -> None:
    from django.db import connection, transaction

    from backend.accounts.models import Community, Street
    from backend.core import crypto
    from bench.broadcast import make_street
    from volunteers.models import Skill

    communities = []
    for s in range(STREETS):
        street = Street.objects.create(name=f"基准第{s + 1}街道", sort_order=s)
        communities += [Community.objects.create(street=street, name=f"基准{s + 1}-{c + 1}社区")
                        for c in range(COMMUNITIES_PER_STREET)]
    # Phones are encrypted at rest (backend/core/fields.py): a pool of real Fernet tokens and
    # lookup hashes, handed out by id, keeps decryption in every read that shows a phone.
    pool = [f"138{k:08d}" for k in range(PHONE_POOL)]
    params = {**scale, "c": [c.pk for c in communities], "per_run": ENROLMENTS_PER_RUN,
              "phones": [crypto.encrypt(p) for p in pool],
              "phone_hashes": [crypto.phone_hash(p) for p in pool],
              "skills": list(Skill.objects.order_by("id").values_list("id", flat=True))}
    with connection.cursor() as cursor:
        for label, sql in STATEMENTS:
            started = time.perf_counter()
            with transaction.atomic():
                cursor.execute(sql, params)
            took = time.perf_counter() - started
            print(f"  {label:<20} {cursor.rowcount:>10,} rows  {took:6.1f} s", flush=True)
    # WeChat followers of one street's three community accounts (bench/broadcast.py's shape)
    started = time.perf_counter()
    make_street("bench", scale["followers"])
    print(f"  {'followers':<20} {scale['followers']:>10,} rows  "
          f"{time.perf_counter() - started:6.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from backend.accounts.models import Community, Street, User
    from frontend_api.stats.aggregate import district_stats

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench_admin", "", "bench-pass", display_name="基准管理员", phone="13900000000")
    today = timezone.localdate()
    period = {"date_from": today - timedelta(days=365), "date_to": today}
    units = [("district", None), ("street", Street.objects.order_by("id").first()),
             ("community", Community.objects.order_by("id").first())]
    for label, unit in units:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            stats = district_stats(admin, unit=unit, **period)
            times.append(time.perf_counter() - started)
        print(f"  {label:<10} best {min(times):.3f} s  (enrolments {stats.enrollments:,}, "
              f"hours {stats.volunteer_hours:,}, dispatches {stats.dispatches:,}, "
              f"bookings {stats.tutoring_bookings:,})")


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (it is dropped and recreated).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("SECRET_KEY", "bench-generate")
    os.environ["DEBUG"] = "0"
    if not args.keep:
        recreate_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    if not args.keep:
        call_command("migrate", verbosity=0)
        print(f"generating ({args.scale}):")
        started = time.perf_counter()
        generate(SCALES[args.scale])
        print(f"  total {time.perf_counter() - started:.1f} s")
    print("dashboard selectors (district_stats, last 365 days, best of 3):")
    measure()


if __name__ == "__main__":
    main()
