"""The matching reference: the hand-tuned design of FINDINGS.md ("Matching at district
scale", 13/28 ms there), written as plain SQL over bench-only structures.

- `bench_candidate`: one row per (skill, volunteer) with what the hard rules and the cheap
  score need (level, active and consenting, home community and street, the credential's
  validity, an exact 15-minute weekly availability mask of 672 bits, approved hours of the
  last 30 days, the end of the last dispatched job);
- GiST indexes on `tstzrange(starts_at, ends_at)` of time off and commitments, so "who is
  off / busy / at the daily cap in this window" is computed once from a range index;
- exclusion counts and the top k in one statement, the winners' names loaded once.

It answers the same question as `volunteerMatches` (same hard rules in the same order, the
same score) for windows within one local day; it is a yardstick, not a second
implementation: it is built once after the data is generated and not kept up to date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

# The structures, (re)built by build() after generation. Table and index names start with
# bench_ so nothing in Linli can pick them up by accident.
BUILD = [
    "DROP TABLE IF EXISTS bench_candidate",
    """CREATE TABLE bench_candidate AS
       SELECT vs.skill_id, vs.volunteer_id, vs.level, v.community_id, c.street_id,
              (v.status = 'ACTIVE' AND v.dispatch_consent) AS active,
              cr.valid_from, cr.valid_until, s.credential_type_id IS NULL AS no_credential,
              m.mask, COALESCE(h.hours, 0)::float AS hours_30d, j.last_job_at
       FROM volunteers_volunteerskill vs
       JOIN volunteers_volunteer v ON v.id = vs.volunteer_id
       JOIN accounts_community c ON c.id = v.community_id
       JOIN volunteers_skill s ON s.id = vs.skill_id
       LEFT JOIN LATERAL (SELECT min(x.valid_from) AS valid_from,
                                 max(COALESCE(x.valid_until, 'infinity'::date)) AS valid_until
                          FROM volunteers_credential x
                          WHERE x.volunteer_id = vs.volunteer_id
                            AND x.type_id = s.credential_type_id AND x.revoked_at IS NULL
                         ) AS cr ON true
       LEFT JOIN (SELECT r.volunteer_id, bit_or(
                    (repeat('0', q0) || repeat('1', q1 - q0) || repeat('0', 672 - q1))::bit(672)
                  ) AS mask
                  FROM volunteers_availabilityrule r
                  CROSS JOIN LATERAL (SELECT
                    (r.weekday - 1) * 96 + (extract(epoch FROM r.start_time) / 900)::int AS q0,
                    (r.weekday - 1) * 96 + ceil(extract(epoch FROM r.end_time) / 900)::int AS q1
                  ) AS q
                  WHERE r.valid_from IS NULL AND r.valid_until IS NULL
                  GROUP BY r.volunteer_id) AS m ON m.volunteer_id = vs.volunteer_id
       LEFT JOIN (SELECT volunteer_id, sum(hours) AS hours FROM volunteers_servicehours
                  WHERE status = 'APPROVED' AND served_on >= now() - interval '30 days'
                    AND served_on <= now()
                  GROUP BY volunteer_id) AS h ON h.volunteer_id = vs.volunteer_id
       LEFT JOIN (SELECT volunteer_id, max(ends_at) AS last_job_at FROM volunteers_commitment
                  WHERE kind = 'DISPATCH' AND status IN ('CONFIRMED', 'COMPLETED')
                    AND ends_at <= now()
                  GROUP BY volunteer_id) AS j ON j.volunteer_id = vs.volunteer_id""",
    "CREATE INDEX bench_candidate_skill ON bench_candidate (skill_id, level)",
    "CREATE INDEX IF NOT EXISTS bench_timeoff_range ON volunteers_timeoff"
    " USING gist (tstzrange(starts_at, ends_at, '[)'))",
    "CREATE INDEX IF NOT EXISTS bench_commitment_range ON volunteers_commitment"
    " USING gist (tstzrange(starts_at, ends_at, '[)'))",
    "ANALYZE bench_candidate",
]

# Hard rules in matching's order; a row is counted under the first that excludes it.
MATCH_SQL = """
WITH off AS (
  SELECT DISTINCT volunteer_id FROM volunteers_timeoff
  WHERE tstzrange(starts_at, ends_at, '[)') && tstzrange(%(start)s, %(end)s, '[)')
), busy AS (
  SELECT DISTINCT volunteer_id FROM volunteers_commitment
  WHERE tstzrange(starts_at, ends_at, '[)') && tstzrange(%(start_buf)s, %(end_buf)s, '[)')
    AND status IN ('TENTATIVE', 'CONFIRMED')
), capped AS (
  SELECT volunteer_id FROM volunteers_commitment
  WHERE tstzrange(starts_at, ends_at, '[)') && tstzrange(%(day0)s, %(day1)s, '[)')
    AND starts_at >= %(day0)s AND kind = 'DISPATCH'
    AND status IN ('TENTATIVE', 'CONFIRMED', 'COMPLETED')
  GROUP BY volunteer_id HAVING count(*) >= %(cap)s
), ruled AS (
  SELECT c.*, CASE
      WHEN NOT c.active THEN 'NOT_ACTIVE'
      WHEN c.level < %(min_level)s THEN 'LEVEL_TOO_LOW'
      WHEN NOT c.no_credential AND (c.valid_from IS NULL OR c.valid_from > %(day)s
                                    OR c.valid_until < %(day)s) THEN 'CREDENTIAL_MISSING'
      WHEN c.mask IS NULL OR (c.mask & %(window)s::bit(672)) <> %(window)s::bit(672)
        THEN 'NOT_AVAILABLE'
      WHEN c.volunteer_id IN (SELECT volunteer_id FROM off) THEN 'TIME_OFF'
      WHEN c.volunteer_id IN (SELECT volunteer_id FROM busy) THEN 'BUSY'
      WHEN c.volunteer_id IN (SELECT volunteer_id FROM capped) THEN 'DAILY_CAP'
      ELSE '' END AS failed
  FROM bench_candidate c WHERE c.skill_id = %(skill)s
), counted AS (
  SELECT failed, count(*) AS n FROM ruled GROUP BY failed
), top AS (
  SELECT volunteer_id, level, community_id, street_id, hours_30d, last_job_at,
         CASE WHEN community_id = %(community)s THEN 30 WHEN street_id = %(street)s THEN 15
              ELSE 0 END + 10 * level
         + greatest(20 - 2 * hours_30d, 0)
         + CASE WHEN last_job_at IS NULL THEN 15
                WHEN %(now)s - last_job_at >= interval '30 days' THEN 15
                WHEN %(now)s - last_job_at >= interval '14 days' THEN 10
                WHEN %(now)s - last_job_at >= interval '7 days' THEN 6
                WHEN %(now)s - last_job_at >= interval '1 day' THEN 3 ELSE 0 END AS score
  FROM ruled WHERE failed = ''
  ORDER BY score DESC, volunteer_id LIMIT %(limit)s
)
SELECT 'count' AS kind, failed, n, NULL::bigint, NULL::float, NULL::text, NULL::text
FROM counted
UNION ALL
SELECT 'top', '', t.level, t.volunteer_id, t.score, u.display_name, cm.name
FROM top t JOIN volunteers_volunteer v ON v.id = t.volunteer_id
JOIN accounts_user u ON u.id = v.user_id JOIN accounts_community cm ON cm.id = t.community_id
"""


def build() -> None:
    with connection.cursor() as cursor:
        for statement in BUILD:
            cursor.execute(statement)


def window_mask(start_local: datetime, end_local: datetime) -> str:
    """The 672-bit mask of the window's quarter hours (the window within one local day)."""
    q0 = (start_local.isoweekday() - 1) * 96 + (start_local.hour * 60 + start_local.minute) // 15
    end_minutes = end_local.hour * 60 + end_local.minute
    q1 = (start_local.isoweekday() - 1) * 96 + -(-end_minutes // 15)
    return "0" * q0 + "1" * (q1 - q0) + "0" * (672 - q1)


def match(*, skill_id: int, community_id: int, street_id: int, starts_at: datetime,
          minutes: int, limit: int = 10, min_level: int = 1, travel_buffer: int = 30,
          cap: int = 3) -> dict:
    ends_at = starts_at + timedelta(minutes=minutes)
    local0, local1 = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day0 = local0.replace(hour=0, minute=0, second=0, microsecond=0)
    buffer = timedelta(minutes=travel_buffer)
    params = {"skill": skill_id, "community": community_id, "street": street_id,
              "start": starts_at, "end": ends_at, "start_buf": starts_at - buffer,
              "end_buf": ends_at + buffer, "day0": day0, "day1": day0 + timedelta(days=1),
              "day": local0.date(), "window": window_mask(local0, local1), "cap": cap,
              "min_level": min_level, "limit": limit, "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(MATCH_SQL, params)
        rows = cursor.fetchall()
    excluded = {failed: n for kind, failed, n, *_rest in rows if kind == "count" and failed}
    candidates = sorted(({"volunteer": vid, "level": level, "score": round(score, 2),
                          "name": name, "community": community}
                         for kind, _f, level, vid, score, name, community in rows
                         if kind == "top"), key=lambda c: (-c["score"], c["volunteer"]))
    return {"excluded": excluded, "candidates": candidates}
