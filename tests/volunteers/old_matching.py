"""The matcher as it was before the candidate table (commit d8b01ee), kept verbatim as a
reference: tests/volunteers/test_matching_candidates.py checks that the new one gives the
same answers over a generated district. It reads Volunteer.hour_mask and the rules.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from volunteers.models import (
    ACTIVE_COMMITMENT_STATUSES,
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    HoursStatus,
    ServiceHours,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)

# --- The weights: ONE place, versioned. Change a number -> bump the version. -------------
MATCHING_VERSION = "2026.11-1"


@dataclass(frozen=True)
class Weights:
    same_community: float = 30.0
    same_street: float = 15.0
    per_level: float = 10.0
    # Fairness: fairness_max minus fairness_per_hour for each approved hour served in the
    # last FAIRNESS_DAYS days, never below zero.
    fairness_max: float = 20.0
    fairness_per_hour: float = 2.0
    # Days since the last dispatched job ended -> points (first threshold reached wins);
    # no job ever counts as the top bucket.
    recency: tuple[tuple[int, float], ...] = ((30, 15.0), (14, 10.0), (7, 6.0), (1, 3.0))


WEIGHTS = Weights()
# The most fairness and recency can add: bounds which candidates still need them computed.
MAX_SOFT_POINTS = WEIGHTS.fairness_max + max(points for _days, points in WEIGHTS.recency)
FAIRNESS_DAYS = 30
DAILY_JOB_CAP = 3
DEFAULT_TRAVEL_BUFFER_MINUTES = 30

HARD_RULES = ("NOT_ACTIVE", "LEVEL_TOO_LOW", "CREDENTIAL_MISSING", "NOT_AVAILABLE",
              "TIME_OFF", "BUSY", "DAILY_CAP")


@dataclass
class MatchReason:
    code: str
    weight: float
    detail: str


@dataclass
class Candidate:
    volunteer: Volunteer
    level: int
    score: float
    reasons: list[MatchReason]


@dataclass
class MatchResult:
    candidates: list[Candidate]
    excluded: list[tuple[str, int]]
    evaluated_at: datetime
    version: str = MATCHING_VERSION
    skill: Skill | None = None
    considered: int = 0
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """The job's window in local time, as the rules need it."""

    starts_at: datetime
    ends_at: datetime
    weekday: int  # ISO
    start_time: time
    end_time: time
    start_date: object
    end_date: object
    single_day: bool
    mask_pos: int  # 1-based position in the hour mask
    mask_len: int

    @classmethod
    def of(cls, starts_at: datetime, ends_at: datetime) -> Window:
        ls, le = timezone.localtime(starts_at), timezone.localtime(ends_at)
        single_day = ls.date() == le.date()
        last_hour = le.hour if (le.minute or le.second or le.microsecond) else le.hour - 1
        first_hour = ls.hour
        return cls(
            starts_at=starts_at, ends_at=ends_at, weekday=ls.isoweekday(),
            start_time=ls.time().replace(tzinfo=None), end_time=le.time().replace(tzinfo=None),
            start_date=ls.date(), end_date=le.date(), single_day=single_day,
            mask_pos=(ls.isoweekday() - 1) * 24 + first_hour + 1,
            mask_len=max(last_hour - first_hour + 1, 1),
        )


def local_day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(moment)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


# --- Soft-rule helpers shared by SQL and the explanation -----------------------------------
def recency_points(days: float | None) -> float:
    if days is None:
        return WEIGHTS.recency[0][1]
    for threshold, points in WEIGHTS.recency:
        if days >= threshold:
            return points
    return 0.0


def fairness_points(hours: float) -> float:
    return max(WEIGHTS.fairness_max - WEIGHTS.fairness_per_hour * hours, 0.0)


def _fmt_hours(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".") if hours else "0"


def explain(*, same_community: bool, same_street: bool, level: int, hours_30d: float,
            last_job_at: datetime | None, now: datetime) -> list[MatchReason]:
    if same_community:
        locality = MatchReason("SAME_COMMUNITY", WEIGHTS.same_community, "同社区")
    elif same_street:
        locality = MatchReason("SAME_STREET", WEIGHTS.same_street, "同街道")
    else:
        locality = MatchReason("ELSEWHERE", 0.0, "其他街道")
    days = None if last_job_at is None else (now - last_job_at).total_seconds() / 86400
    recency_detail = ("尚无派单记录" if days is None
                      else "距上次派单%d天" % int(days))
    return [
        locality,
        MatchReason("LEVEL", WEIGHTS.per_level * level, "技能等级%d级" % level),
        MatchReason("FAIRNESS", fairness_points(hours_30d),
                    "近%d天服务%s小时" % (FAIRNESS_DAYS, _fmt_hours(hours_30d))),
        MatchReason("RECENCY", recency_points(days), recency_detail),
    ]


# --- The query -------------------------------------------------------------------------------
def _rule_expressions(*, skill: Skill, window: Window, min_level: int, travel_buffer: timedelta):
    """One SQL expression per hard rule, each True when the rule EXCLUDES the row."""
    vol = OuterRef("volunteer_id")
    not_active = ~Q(volunteer__status=VolunteerStatus.ACTIVE) | Q(volunteer__dispatch_consent=False)
    level_low = Q(level__lt=min_level)
    # Credentials, time off, busy and the daily cap are each a set of volunteer ids
    # computed ONCE per match (an uncorrelated `IN (SELECT ...)`, which PostgreSQL hashes
    # and SQLite materialises), read from the range indexes, instead of one correlated
    # probe per holder of the skill.
    credential_missing: Q | Value
    not_available: Q | Value
    if skill.credential_type_id is None:
        credential_missing = Value(False)
    else:
        credential_missing = ~Q(volunteer_id__in=Credential.objects.filter(
            type_id=skill.credential_type_id, revoked_at__isnull=True,
            valid_from__lte=window.start_date)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=window.end_date))
            .values("volunteer_id"))
    if not window.single_day:
        not_available = Value(True)  # a rule is within one day; no rule covers midnight
    else:
        mask_ok: Exact = Exact(Substr("volunteer__hour_mask", window.mask_pos, window.mask_len),
                        Value("1" * window.mask_len))
        # The extra `volunteer_id >= outer` (always true with the equality) keeps
        # PostgreSQL from turning this EXISTS into a hashed subplan that scans every rule
        # of the weekday in the district; per row it is one index probe, and only for
        # rows whose hour mask already passed (CASE/OR evaluate left to right).
        rule_ok = Exists(
            AvailabilityRule.objects.filter(
                volunteer_id=vol, volunteer_id__gte=vol, weekday=window.weekday,
                start_time__lte=window.start_time, end_time__gte=window.end_time)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=window.start_date))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=window.start_date)))
        not_available = ~(Q(mask_ok) & Q(rule_ok))
    time_off = Q(volunteer_id__in=TimeOff.objects.filter(
        starts_at__lt=window.ends_at, ends_at__gt=window.starts_at).values("volunteer_id"))
    busy = Q(volunteer_id__in=Commitment.objects.filter(
        status__in=ACTIVE_COMMITMENT_STATUSES,
        starts_at__lt=window.ends_at + travel_buffer,
        ends_at__gt=window.starts_at - travel_buffer).values("volunteer_id"))
    day_start, day_end = local_day_bounds(window.starts_at)
    # `ends_at > day_start` is implied by starts_at >= day_start; it lets the (ends_at,
    # starts_at) index bound the scan.
    over_cap = Q(volunteer_id__in=Commitment.objects.filter(
        kind=CommitmentKind.DISPATCH,
        status__in=[*ACTIVE_COMMITMENT_STATUSES, CommitmentStatus.COMPLETED],
        ends_at__gt=day_start, starts_at__gte=day_start, starts_at__lt=day_end)
        .order_by().values("volunteer_id").annotate(n=Count("id"))
        .filter(n__gte=DAILY_JOB_CAP).values("volunteer_id"))
    return [("NOT_ACTIVE", not_active), ("LEVEL_TOO_LOW", level_low),
            ("CREDENTIAL_MISSING", credential_missing), ("NOT_AVAILABLE", not_available),
            ("TIME_OFF", time_off), ("BUSY", busy), ("DAILY_CAP", over_cap)]


def _first_failed_rule(rules) -> Case:
    whens = []
    for code, expression in rules:
        if isinstance(expression, Value):
            if expression.value:
                whens.append(When(Q(pk__isnull=False), then=Value(code)))
            continue
        condition = expression if isinstance(expression, Q) else Q(expression)
        whens.append(When(condition, then=Value(code)))
    return Case(*whens, default=Value(""))


def match_volunteers(
    *, skill: Skill, starts_at: datetime, ends_at: datetime, community, limit: int = 10,
    min_level: int = 1, travel_buffer_minutes: int = DEFAULT_TRAVEL_BUFFER_MINUTES,
    now: datetime | None = None, visible: Q | None = None,
    exclude_volunteer_ids=(), only_volunteer_id: int | None = None,
) -> MatchResult:
    """Rank the holders of `skill` for the window. `visible` is a Q over Volunteer fields
    (from permissions) limiting whom the asker may consider; `exclude_volunteer_ids` are
    volunteers already offered this job."""
    now = now or timezone.now()
    window = Window.of(starts_at, ends_at)
    rules = _rule_expressions(skill=skill, window=window, min_level=min_level,
                              travel_buffer=timedelta(minutes=travel_buffer_minutes))
    base = VolunteerSkill.objects.filter(skill_id=skill.pk)
    if visible is not None:
        base = base.filter(_prefix_q(visible, "volunteer__"))
    if exclude_volunteer_ids:
        base = base.exclude(volunteer_id__in=list(exclude_volunteer_ids))
    if only_volunteer_id is not None:
        base = base.filter(volunteer_id=only_volunteer_id)
    base = base.annotate(failed_rule=_first_failed_rule(rules))

    with _no_jit():
        # 1. Every holder's first failed hard rule, with what the cheap score needs: one
        #    pass over the holders, the rule sets computed once (see _rule_expressions).
        rows = list(base.order_by().values_list(
            "volunteer_id", "failed_rule", "level", "volunteer__community_id",
            "volunteer__community__street_id"))
    counts = Counter(row[1] for row in rows)
    eligible = [row for row in rows if row[1] == ""]
    # 2. Soft terms only for those who can still reach the top `limit`: locality and level
    #    are known; fairness and recency add at most MAX_SOFT_POINTS, so anyone whose cheap
    #    score plus that is below the limit-th best cheap score cannot make it (the
    #    per-skill candidate approach: rank cheaply, compute the expensive part for few).
    cheap = {vid: _locality_points(cid, sid, community) + WEIGHTS.per_level * level
             for vid, _rule, level, cid, sid in eligible}
    if 0 < limit < len(cheap):
        floor = sorted(cheap.values(), reverse=True)[limit - 1] - MAX_SOFT_POINTS
        cheap = {vid: points for vid, points in cheap.items() if points >= floor}
    hours, last_jobs = _soft_terms(list(cheap), now=now)
    scored = []
    for vid, _rule, level, _cid, _sid in eligible:
        if vid in cheap:
            last = last_jobs.get(vid)
            days = None if last is None else (now - last).total_seconds() / 86400
            # Summed in the order of explain()'s reasons, so the score is the same number.
            score = round(cheap[vid] + fairness_points(hours.get(vid, 0.0))
                          + recency_points(days), 2)
            scored.append((score, vid, level))
    scored.sort(key=lambda item: (-item[0], item[1]))
    top = scored[:limit]
    # 3. The chosen volunteers with what the callers show, and why they were chosen.
    volunteers = Volunteer.objects.select_related("user", "community__street").in_bulk(
        [vid for _score, vid, _level in top]) if top else {}
    candidates = []
    for score, vid, level in top:
        volunteer = volunteers[vid]
        reasons = explain(same_community=volunteer.community_id == community.pk,
                          same_street=volunteer.community.street_id == community.street_id,
                          level=level, hours_30d=hours.get(vid, 0.0),
                          last_job_at=last_jobs.get(vid), now=now)
        candidates.append(Candidate(volunteer=volunteer, level=level, score=score,
                                    reasons=reasons))
    excluded = [(code, counts.get(code, 0)) for code in HARD_RULES]
    # Each holder's first failed rule (or "" for eligible), for callers that merge several
    # windows (the admin's availability search): already computed, no query.
    return MatchResult(candidates=candidates, excluded=excluded, evaluated_at=now,
                       skill=skill, considered=len(rows),
                       extra={"rule_of": {row[0]: row[1] for row in rows}})


def _locality_points(community_id: int, street_id: int, community) -> float:
    if community_id == community.pk:
        return WEIGHTS.same_community
    if street_id == community.street_id:
        return WEIGHTS.same_street
    return 0.0


def _id_in(volunteer_ids: list[int]) -> RawSQL:
    """`volunteer_id IN ids` as ONE parameter (an array on PostgreSQL, a JSON list on
    SQLite): building and sending hundreds of placeholders cost more than the query."""
    if connection.vendor == "postgresql":
        return RawSQL("volunteer_id = ANY(%s)", (list(volunteer_ids),),
                      output_field=BooleanField())
    return RawSQL("volunteer_id IN (SELECT value FROM json_each(%s))",
                  (json.dumps(list(volunteer_ids)),), output_field=BooleanField())


def _soft_terms(volunteer_ids: list[int], *, now: datetime
                ) -> tuple[dict[int, float], dict[int, datetime]]:
    """Approved hours in the last FAIRNESS_DAYS and the end of the last dispatched job, per
    volunteer: two grouped queries over the given ids (none when there are none)."""
    if not volunteer_ids:
        return {}, {}
    hours = dict(ServiceHours.objects.filter(
        _id_in(volunteer_ids), status=HoursStatus.APPROVED,
        served_on__gte=now - timedelta(days=FAIRNESS_DAYS), served_on__lte=now)
        .order_by().values("volunteer_id").annotate(s=Sum("hours"))
        .values_list("volunteer_id", "s"))
    last_jobs = dict(Commitment.objects.filter(
        _id_in(volunteer_ids), kind=CommitmentKind.DISPATCH,
        status__in=[CommitmentStatus.CONFIRMED, CommitmentStatus.COMPLETED], ends_at__lte=now)
        .order_by().values("volunteer_id").annotate(last=Max("ends_at"))
        .values_list("volunteer_id", "last"))
    return {vid: float(total or 0) for vid, total in hours.items()}, last_jobs


@contextmanager
def _no_jit():
    """PostgreSQL's JIT compiles these short statements for longer than they run (the
    planner's cost estimate for the per-rule subplans crosses jit_above_cost); switch it
    off for the matching statements only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def _prefix_q(q: Q, prefix: str) -> Q:
    """Re-root a Q written over Volunteer fields onto VolunteerSkill.volunteer."""
    if not q.children:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_prefix_q(child, prefix))
        else:
            key, value = cast(tuple[str, Any], child)  # a leaf of a Q is (lookup, value)
            clone.children.append((prefix + key, value))
    return clone
