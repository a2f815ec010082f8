"""Property: over random small rosters, the SQL matcher agrees with a plain-Python
reference implementation of the same documented rules and weights."""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import (
    VolunteerFactory,
    give_credential,
    set_availability,
    skill,
)
from volunteers import matching
from volunteers.models import (
    ACTIVE_COMMITMENT_STATUSES,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    HoursStatus,
    ServiceHours,
    TimeOff,
    VolunteerSkill,
    VolunteerStatus,
)

pytestmark = pytest.mark.django_db

W = matching.WEIGHTS


@dataclass
class Spec:
    place: int
    active: bool
    consent: bool
    level: int
    credential: str
    rules: list
    time_off: tuple | None
    commitments: list
    hours: float
    last_job_days: int | None


volunteer_spec = st.builds(
    Spec,
    place=st.integers(0, 2),
    active=st.booleans() | st.just(True),
    consent=st.booleans() | st.just(True),
    level=st.integers(1, 3),
    credential=st.sampled_from(["valid", "valid", "none", "expired", "ends_before_job"]),
    rules=st.lists(st.tuples(st.integers(1, 7), st.integers(0, 22), st.integers(1, 8)),
                   max_size=3),
    time_off=st.none() | st.tuples(st.integers(-6, 6), st.integers(1, 4)),
    commitments=st.lists(st.tuples(st.integers(-16, 16), st.integers(1, 12),
                                   st.sampled_from(list(CommitmentStatus.values)),
                                   st.sampled_from([CommitmentKind.DISPATCH,
                                                    CommitmentKind.SHIFT])), max_size=3),
    hours=st.integers(0, 24).map(lambda n: n / 2),
    last_job_days=st.none() | st.integers(0, 40),
)


def reference(specs, volunteers, *, community, street_id, start, end, min_level, now):
    """The rules of DOMAIN.md written plainly, one volunteer at a time."""
    ls, le = timezone.localtime(start), timezone.localtime(end)
    buffer = timedelta(minutes=matching.DEFAULT_TRAVEL_BUFFER_MINUTES)
    day_start = ls.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = dict.fromkeys(matching.HARD_RULES, 0)
    ranked = []
    for v in volunteers:
        creds = list(v.credentials.all())
        rules = list(v.availability_rules.all())
        offs = list(v.time_off.all())
        comms = list(v.commitments.all())
        level = v.skills.get().level
        failed = None
        if v.status != VolunteerStatus.ACTIVE or not v.dispatch_consent:
            failed = "NOT_ACTIVE"
        elif level < min_level:
            failed = "LEVEL_TOO_LOW"
        elif not any(c.revoked_at is None and c.valid_from <= ls.date()
                     and (c.valid_until is None or c.valid_until >= le.date()) for c in creds):
            failed = "CREDENTIAL_MISSING"
        elif not (ls.date() == le.date() and any(
                r.weekday == ls.isoweekday() and r.start_time <= ls.time().replace(tzinfo=None)
                and r.end_time >= le.time().replace(tzinfo=None) for r in rules)):
            failed = "NOT_AVAILABLE"
        elif any(o.starts_at < end and o.ends_at > start for o in offs):
            failed = "TIME_OFF"
        elif any(c.status in ACTIVE_COMMITMENT_STATUSES and c.starts_at < end + buffer
                 and c.ends_at > start - buffer for c in comms):
            failed = "BUSY"
        elif sum(1 for c in comms if c.kind == CommitmentKind.DISPATCH
                 and c.status != CommitmentStatus.CANCELLED
                 and day_start <= c.starts_at < day_start + timedelta(days=1)
                 ) >= matching.DAILY_JOB_CAP:
            failed = "DAILY_CAP"
        if failed:
            counts[failed] += 1
            continue
        score = (W.same_community if v.community_id == community.pk
                 else W.same_street if v.community.street_id == street_id else 0)
        score += W.per_level * level
        hours = sum(float(h.hours) for h in v.hours_entries.all()
                    if h.status == HoursStatus.APPROVED
                    and now - timedelta(days=30) <= h.served_on <= now)
        score += max(W.fairness_max - W.fairness_per_hour * hours, 0)
        jobs = [c.ends_at for c in comms if c.kind == CommitmentKind.DISPATCH
                and c.status in (CommitmentStatus.CONFIRMED, CommitmentStatus.COMPLETED)
                and c.ends_at <= now]
        if not jobs:
            score += W.recency[0][1]
        else:
            days = (now - max(jobs)).total_seconds() / 86400
            score += next((p for t, p in W.recency if days >= t), 0)
        ranked.append((-score, v.pk, score))
    ranked.sort()
    return [(pk, score) for _neg, pk, score in ranked], counts


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(volunteer_spec, min_size=1, max_size=7),
       job_hour=st.integers(6, 21), job_quarters=st.integers(1, 12),
       min_level=st.integers(1, 3))
def test_matcher_agrees_with_the_reference(community, job_start, specs, job_hour,
                                           job_quarters, min_level):
    now = timezone.now().replace(microsecond=0)
    start = job_start.replace(hour=job_hour)
    end = start + timedelta(minutes=15 * job_quarters)
    with transaction.atomic():
        places = [community, CommunityFactory(street=community.street), CommunityFactory()]
        volunteers = []
        for spec in specs:
            v = VolunteerFactory(community=places[spec.place],
                                 status=VolunteerStatus.ACTIVE if spec.active
                                 else VolunteerStatus.PAUSED, dispatch_consent=spec.consent)
            VolunteerSkill.objects.create(volunteer=v, skill=skill("haircut"), level=spec.level)
            job_date = timezone.localtime(start).date()
            if spec.credential == "valid":
                give_credential(v, "health_certificate")
            elif spec.credential == "expired":
                give_credential(v, "health_certificate",
                                valid_until=timezone.localdate() - timedelta(days=1))
            elif spec.credential == "ends_before_job":
                give_credential(v, "health_certificate", valid_until=job_date - timedelta(days=1))
            set_availability(v, [(w, time(h).isoformat(), time(min(h + n, 23), 59).isoformat()
                                  if h + n >= 24 else time(h + n).isoformat())
                                 for w, h, n in spec.rules])
            if spec.time_off:
                offset, length = spec.time_off
                TimeOff.objects.create(volunteer=v, starts_at=start + timedelta(hours=offset),
                                       ends_at=start + timedelta(hours=offset + length))
            held = []  # active ones never overlap (the database forbids it on PostgreSQL)
            for i, (offset, length, status, kind) in enumerate(spec.commitments):
                s = start + timedelta(minutes=15 * offset)
                e = s + timedelta(minutes=15 * length)
                if status in ACTIVE_COMMITMENT_STATUSES:
                    if any(a < e and s < b for a, b in held):
                        continue
                    held.append((s, e))
                Commitment.objects.create(volunteer=v, starts_at=s,
                                          ends_at=e,
                                          status=status, kind=kind, source_key=f"p:{v.pk}:{i}")
            if spec.hours:
                c = Commitment.objects.create(
                    volunteer=v, starts_at=now - timedelta(days=40, hours=2),
                    ends_at=now - timedelta(days=40), status=CommitmentStatus.COMPLETED,
                    kind=CommitmentKind.OTHER, source_key=f"h:{v.pk}")
                ServiceHours.objects.create(commitment=c, volunteer=v, hours=spec.hours,
                                            served_on=now - timedelta(days=5),
                                            status=HoursStatus.APPROVED)
            if spec.last_job_days is not None:
                ended = now - timedelta(days=spec.last_job_days)
                Commitment.objects.create(
                    volunteer=v, starts_at=ended - timedelta(hours=1), ends_at=ended,
                    status=CommitmentStatus.COMPLETED, kind=CommitmentKind.DISPATCH,
                    source_key=f"j:{v.pk}")
            volunteers.append(v)

        result = matching.match_volunteers(
            skill=skill("haircut"), starts_at=start, ends_at=end, community=community,
            min_level=min_level, limit=100, now=now)
        expected, counts = reference(specs, volunteers, community=community,
                                     street_id=community.street_id, start=start, end=end,
                                     min_level=min_level, now=now)
        assert [(c.volunteer.pk, c.score) for c in result.candidates] == expected
        assert dict(result.excluded) == counts
        transaction.set_rollback(True)
