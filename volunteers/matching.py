"""Explainable matching: "who can do skill S in community C from t for d minutes?".

Hard rules exclude, in this order (an excluded volunteer is counted under the first rule
that excludes them): NOT_ACTIVE, LEVEL_TOO_LOW, CREDENTIAL_MISSING, NOT_AVAILABLE,
TIME_OFF, BUSY, DAILY_CAP. Soft rules rank with the weights below — the one place they
live, with a version. Ties break by volunteer id.

Cost: the universe is the skill's rows in the candidate table (MatchCandidate, kept in step
with the roster by volunteers.candidates): level, activity, credential validity, home
community and an exact quarter-hour availability mask are columns, so the hard rules need
no join. "Who is off / busy / at the daily cap in this window" is computed once per
statement from range indexes (GiST on tstzrange on PostgreSQL). One grouped statement
counts the exclusions; fairness and recency — the expensive part of the score — are then
computed only for the rows whose cheap score can still reach the top `limit` (usually one
statement); the winners are loaded once. The number of queries does not grow with the
roster.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast

from django.contrib.postgres.fields import DateTimeRangeField
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from backend.accounts.models import Community

from .candidate_models import (
    MASK_LAYERS,
    SLOT_MINUTES,
    SLOTS_PER_DAY,
    WEEK_SLOTS,
    CredentialState,
    MatchCandidate,
)
from .models import (
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
SLOT_SECONDS = SLOT_MINUTES * 60

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

    @classmethod
    def of(cls, starts_at: datetime, ends_at: datetime) -> Window:
        ls, le = timezone.localtime(starts_at), timezone.localtime(ends_at)
        return cls(
            starts_at=starts_at, ends_at=ends_at, weekday=ls.isoweekday(),
            start_time=ls.time().replace(tzinfo=None), end_time=le.time().replace(tzinfo=None),
            start_date=ls.date(), end_date=le.date(), single_day=ls.date() == le.date())


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
def _slots(window: Window) -> tuple[int, int]:
    """The window's quarter hours of its day: [first, end). A rule on the grid covers the
    window exactly when it covers these slots."""
    ls, le = timezone.localtime(window.starts_at), timezone.localtime(window.ends_at)
    start = ls.hour * 3600 + ls.minute * 60 + ls.second + ls.microsecond / 1e6
    end = le.hour * 3600 + le.minute * 60 + le.second + le.microsecond / 1e6
    return int(start // SLOT_SECONDS), -int(-end // SLOT_SECONDS)


def _rule_exists(window: Window) -> Exists:
    """The exact rule lookup, one index probe per row, for rows whose mask is inexact.

    The extra `volunteer_id >= outer` (always true with the equality) keeps PostgreSQL
    from turning this EXISTS into a hashed subplan that reads every rule of the weekday
    in the district; as written it is one index probe, and only for the rows that reach
    it (CASE evaluates left to right)."""
    vol = OuterRef("volunteer_id")
    return Exists(
        AvailabilityRule.objects.filter(
            volunteer_id=vol, volunteer_id__gte=vol, weekday=window.weekday,
            start_time__lte=window.start_time, end_time__gte=window.end_time)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=window.start_date))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=window.start_date)))


def _not_available(window: Window) -> Q | Value:
    if not window.single_day:
        return Value(True)  # a rule is within one day; no rule covers midnight
    first, end = _slots(window)
    if end <= first:  # an empty window: the rules decide, there is no slot to test
        return ~Q(_rule_exists(window))
    offset = (window.weekday - 1) * SLOTS_PER_DAY + first + 1
    ones = Value("1" * (end - first))
    covered = Q()
    for layer in range(MASK_LAYERS):
        covered |= Q(Exact(Substr("mask", layer * WEEK_SLOTS + offset, end - first), ones))
    return ~(covered & (Q(mask_exact=True) | Q(_rule_exists(window))))


def _credential_missing(skill: Skill, window: Window) -> Q | Value:
    if skill.credential_type_id is None:
        return Value(False)
    one = Q(credential_state=CredentialState.RANGES) & (
        (Q(credential_from__lte=window.start_date)
         & (Q(credential_until__isnull=True) | Q(credential_until__gte=window.end_date)))
        | (Q(credential2_from__lte=window.start_date)
           & (Q(credential2_until__isnull=True) | Q(credential2_until__gte=window.end_date))))
    # A per-row probe for the few holding several (`>=`: as in _rule_exists).
    several = Q(credential_state=CredentialState.SEVERAL) & Q(Exists(
        Credential.objects.filter(
            volunteer_id=OuterRef("volunteer_id"), volunteer_id__gte=OuterRef("volunteer_id"),
            type_id=skill.credential_type_id,
            revoked_at__isnull=True, valid_from__lte=window.start_date)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=window.end_date))))
    return ~(one | several)


class TsTzRange(Func):
    """tstzrange(starts_at, ends_at): the expression the GiST indexes of migration 0006
    are built on ('[)' bounds, as `starts_at < end AND ends_at > start`)."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _overlapping(model, starts, ends, **filters) -> Q:
    """Volunteers with a row of `model` whose [starts_at, ends_at) overlaps [starts, ends),
    as a set computed once: on PostgreSQL through the GiST index, elsewhere by the ends."""
    rows = model.objects.filter(**filters)
    if connection.vendor == "postgresql":
        rows = rows.alias(span=TsTzRange("starts_at", "ends_at")).filter(
            span__overlap=(starts, ends))
    else:
        rows = rows.filter(starts_at__lt=ends, ends_at__gt=starts)
    return Q(volunteer_id__in=rows.values("volunteer_id"))


def _rule_conditions(*, skill: Skill, window: Window, min_level: int, travel_buffer: timedelta):
    """One SQL condition per hard rule over the candidate table, each True when the rule
    EXCLUDES the row, in HARD_RULES order."""
    time_off = _overlapping(TimeOff, window.starts_at, window.ends_at)
    busy = _overlapping(Commitment, window.starts_at - travel_buffer,
                        window.ends_at + travel_buffer,
                        status__in=list(ACTIVE_COMMITMENT_STATUSES))
    day_start, day_end = local_day_bounds(window.starts_at)
    # The partial index on dispatch commitments' starts_at (migration 0006) bounds this.
    over_cap = Q(volunteer_id__in=Commitment.objects.filter(
        kind=CommitmentKind.DISPATCH,
        status__in=[*ACTIVE_COMMITMENT_STATUSES, CommitmentStatus.COMPLETED],
        starts_at__gte=day_start, starts_at__lt=day_end)
        .order_by().values("volunteer_id").annotate(n=Count("id"))
        .filter(n__gte=DAILY_JOB_CAP).values("volunteer_id"))
    return [("NOT_ACTIVE", Q(active=False)), ("LEVEL_TOO_LOW", Q(level__lt=min_level)),
            ("CREDENTIAL_MISSING", _credential_missing(skill, window)),
            ("NOT_AVAILABLE", _not_available(window)),
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


def _locality(community) -> Case:
    """2 same community, 1 same street, 0 elsewhere (the street's communities inline)."""
    street = Community.objects.filter(street_id=community.street_id).values("id")
    return Case(When(community_id=community.pk, then=Value(2)),
                When(community_id__in=street, then=Value(1)), default=Value(0))


def _cheap(level: int, locality: int) -> float:
    """Locality and level: the part of the score the candidate row knows (same float
    operations as the full score, so the sum below is the same number)."""
    points = (WEIGHTS.same_community if locality == 2
              else WEIGHTS.same_street if locality == 1 else 0.0)
    return points + WEIGHTS.per_level * level


def _soft_scored(base, tiers, *, now: datetime) -> list[tuple[float, int, int, float, Any]]:
    """Full scores of the eligible rows in the given (level, locality) tiers: fairness and
    recency read per row from their indexes, for these rows only."""
    if not tiers:
        return []
    in_tiers = Q()
    for level, locality in tiers:
        in_tiers |= Q(level=level, locality=locality)
    hours = (ServiceHours.objects.filter(
        volunteer_id=OuterRef("volunteer_id"), status=HoursStatus.APPROVED,
        served_on__gte=now - timedelta(days=FAIRNESS_DAYS), served_on__lte=now)
        .order_by().values("volunteer_id").annotate(s=Sum("hours")).values("s"))
    last = (Commitment.objects.filter(
        volunteer_id=OuterRef("volunteer_id"), kind=CommitmentKind.DISPATCH,
        status__in=[CommitmentStatus.CONFIRMED, CommitmentStatus.COMPLETED], ends_at__lte=now)
        .order_by("-ends_at").values("ends_at")[:1])
    rows = (base.filter(in_tiers, failed_rule="")
            .annotate(hours=Subquery(hours), last=Subquery(last)).order_by()
            .values_list("volunteer_id", "level", "locality", "hours", "last"))
    scored = []
    for vid, level, locality, total, last_job in rows:
        hours_30d = float(total or 0)
        days = None if last_job is None else (now - last_job).total_seconds() / 86400
        # Summed in the order of explain()'s reasons, so the score is the same number.
        score = round(_cheap(level, locality) + fairness_points(hours_30d)
                      + recency_points(days), 2)
        scored.append((score, vid, level, hours_30d, last_job))
    return scored


def _top(base, histogram: dict[tuple[int, int], int], *, limit: int, now: datetime):
    """The top `limit` by full score, computing fairness and recency for as few rows as
    can win: first the best cheap tiers holding `limit` rows, then only the tiers whose
    cheap score plus MAX_SOFT_POINTS can still reach the limit-th score found."""
    if limit <= 0 or not histogram:
        return []
    tiers = sorted(histogram, key=lambda t: -_cheap(*t))
    first: list = []
    held = 0
    for tier in tiers:
        if held >= limit and _cheap(*tier) < _cheap(*first[-1]):
            break
        first.append(tier)
        held += histogram[tier]
    scored = _soft_scored(base, first, now=now)
    scored.sort(key=lambda item: (-item[0], item[1]))
    if len(scored) >= limit:
        floor = scored[limit - 1][0]
        rest = [t for t in tiers[len(first):] if _cheap(*t) + MAX_SOFT_POINTS >= floor]
        scored += _soft_scored(base, rest, now=now)
        scored.sort(key=lambda item: (-item[0], item[1]))
    return scored[:limit]


def match_volunteers(
    *, skill: Skill, starts_at: datetime, ends_at: datetime, community, limit: int = 10,
    min_level: int = 1, travel_buffer_minutes: int = DEFAULT_TRAVEL_BUFFER_MINUTES,
    now: datetime | None = None, visible: Q | None = None,
    exclude_volunteer_ids=(), only_volunteer_id: int | None = None,
    volunteers: QuerySet[Volunteer] | None = None, with_rule_of: bool = False,
) -> MatchResult:
    """Rank the holders of `skill` for the window. `visible` is a Q over Volunteer fields
    (from permissions) limiting whom the asker may consider; `exclude_volunteer_ids` are
    volunteers already offered this job; `volunteers` is the queryset the winners are
    loaded through (once, with what the caller shows); `with_rule_of` adds each holder's
    first failed rule to `extra["rule_of"]` (the availability search merges windows)."""
    now = now or timezone.now()
    window = Window.of(starts_at, ends_at)
    rules = _rule_conditions(skill=skill, window=window, min_level=min_level,
                             travel_buffer=timedelta(minutes=travel_buffer_minutes))
    base = MatchCandidate.objects.filter(skill_id=skill.pk)
    if visible is not None:
        base = base.filter(_prefix_q(visible, "volunteer__"))
    if exclude_volunteer_ids:
        base = base.exclude(volunteer_id__in=list(exclude_volunteer_ids))
    if only_volunteer_id is not None:
        base = base.filter(volunteer_id=only_volunteer_id)
    base = base.annotate(failed_rule=_first_failed_rule(rules), locality=_locality(community))

    counts: Counter = Counter()
    histogram: Counter = Counter()  # eligible rows per (level, locality)
    extra: dict = {}
    with _no_jit():
        # 1. Every holder's first failed rule: one pass over the skill's candidate rows,
        #    the time-off / busy / cap sets computed once; grouped unless asked per row.
        if with_rule_of:
            rows = list(base.order_by().values_list("volunteer_id", "failed_rule", "level",
                                                    "locality"))
            extra["rule_of"] = {vid: rule for vid, rule, _level, _loc in rows}
            grouped = Counter((rule, level, loc) for _vid, rule, level, loc in rows)
        else:
            grouped = Counter({(rule, level, loc): n for rule, level, loc, n in (
                base.order_by().values("failed_rule", "level", "locality")
                .annotate(n=Count("id")).values_list("failed_rule", "level", "locality", "n"))})
        for (rule, level, loc), n in grouped.items():
            counts[rule] += n
            if rule == "":
                histogram[(level, loc)] += n
        # 2. Fairness and recency only for the rows that can still win (see _top).
        top = _top(base, histogram, limit=limit, now=now)
    # 3. The winners, loaded once with what the caller shows, and why they were chosen.
    loader = volunteers if volunteers is not None else Volunteer.objects.select_related(
        "user", "community__street")
    chosen = loader.in_bulk([vid for _score, vid, *_rest in top]) if top else {}
    candidates = []
    for score, vid, level, hours_30d, last_job in top:
        volunteer = chosen[vid]
        reasons = explain(same_community=volunteer.community_id == community.pk,
                          same_street=volunteer.community.street_id == community.street_id,
                          level=level, hours_30d=hours_30d, last_job_at=last_job, now=now)
        candidates.append(Candidate(volunteer=volunteer, level=level, score=score,
                                    reasons=reasons))
    excluded = [(code, counts.get(code, 0)) for code in HARD_RULES]
    return MatchResult(candidates=candidates, excluded=excluded, evaluated_at=now,
                       skill=skill, considered=sum(counts.values()), extra=extra)


@contextmanager
def _no_jit():
    """PostgreSQL's JIT compiles these short statements for longer than they run (the
    planner's cost estimate for the per-rule subplans crosses jit_above_cost); switch it
    off for the matching statements only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # Parallel workers cost more to start than they save on one skill's rows here.
        cursor.execute("SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _prefix_q(q: Q, prefix: str) -> Q:
    """Re-root a Q written over Volunteer fields onto MatchCandidate.volunteer."""
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
