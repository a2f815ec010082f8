"""Reads for the coordinators' availability tools: a volunteer's week, and who could
start a job anywhere in a time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Q,
)
from django.utils import timezone

from backend.accounts.models import Community

from . import matching, permissions
from .models import (
    ACTIVE_COMMITMENT_STATUSES,
    AvailabilityRule,
    Commitment,
    Skill,
    TimeOff,
    Volunteer,
)


def volunteer_week(volunteer: Volunteer, monday: date) -> tuple[list, list, list]:
    """The weekly rules in force that week, time off and active commitments overlapping it
    (local Monday 00:00 to the next Monday): three queries, for the admin's week grid."""
    start = timezone.make_aware(datetime.combine(monday, time.min))
    end = start + timedelta(days=7)
    sunday = monday + timedelta(days=6)
    rules = list(AvailabilityRule.objects.filter(volunteer_id=volunteer.pk)
                 .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=sunday))
                 .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=monday)))
    time_off = list(TimeOff.objects.filter(volunteer_id=volunteer.pk, starts_at__lt=end,
                                           ends_at__gt=start))
    commitments = list(Commitment.objects.filter(
        volunteer_id=volunteer.pk, status__in=ACTIVE_COMMITMENT_STATUSES, starts_at__lt=end,
        ends_at__gt=start).order_by("starts_at"))
    return rules, time_off, commitments


@dataclass
class WindowCandidate:
    """A volunteer who could start the job somewhere in the window: the earliest start
    that works and the match (score, reasons) at that start."""

    candidate: matching.Candidate
    starts_at: datetime


@dataclass
class WindowSearch:
    candidates: list[WindowCandidate]
    excluded: list[tuple[str, int]]  # (hard rule, volunteers it ruled out at every start)
    considered: int
    starts: list[datetime]


SEARCH_STEP_MINUTES = 15


def window_starts(day: date, start: time, end: time, duration_minutes: int) -> list[datetime]:
    """Every quarter-hour start on `day` (local) from `start` at which a job of
    `duration_minutes` still ends by `end`."""
    first = timezone.make_aware(datetime.combine(day, start))
    last = timezone.make_aware(datetime.combine(day, end)) - timedelta(minutes=duration_minutes)
    starts, moment = [], first
    while moment <= last:
        starts.append(moment)
        moment += timedelta(minutes=SEARCH_STEP_MINUTES)
    return starts


def volunteers_available_in_window(*, user, skill: Skill, day: date, start: time, end: time,
                                   duration_minutes: int, community: Community,
                                   limit: int = 100) -> WindowSearch:
    """Who could take a job of this length starting anywhere in the window: volunteerMatches'
    matching (same rules, same weights, same visibility) run at every quarter-hour start,
    merged keeping each volunteer's earliest feasible start, ranked by the score there.
    A constant number of queries per start, whatever the number of volunteers."""
    if not permissions.can_match_in(user, community):
        raise PermissionDenied
    visible = permissions.volunteers_visible_to(user)
    starts = window_starts(day, start, end, duration_minutes)
    found: dict[int, WindowCandidate] = {}
    furthest: dict[int, int] = {}  # volunteer -> index in HARD_RULES of the last rule failed
    considered = 0
    for moment in starts:
        result = matching.match_volunteers(
            skill=skill, starts_at=moment, ends_at=moment + timedelta(minutes=duration_minutes),
            community=community, limit=limit, visible=visible, with_rule_of=True)
        considered = max(considered, result.considered)
        for candidate in result.candidates:
            found.setdefault(candidate.volunteer.pk, WindowCandidate(candidate, moment))
        for vid, rule in result.extra["rule_of"].items():
            if rule:
                index = matching.HARD_RULES.index(rule)
                furthest[vid] = max(furthest.get(vid, index), index)
    counts: dict[str, int] = {}
    for vid, index in furthest.items():
        if vid not in found:
            rule = matching.HARD_RULES[index]
            counts[rule] = counts.get(rule, 0) + 1
    ranked = sorted(found.values(), key=lambda w: (-w.candidate.score, w.starts_at,
                                                   w.candidate.volunteer.pk))
    return WindowSearch(candidates=ranked[:limit],
                        excluded=[(code, counts.get(code, 0)) for code in matching.HARD_RULES],
                        considered=considered, starts=starts)
