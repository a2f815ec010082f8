"""The candidate-table matcher against the matcher it replaced (tests/volunteers/
old_matching.py, which reads the roster directly) over a generated small district, and the
candidate table against a rebuild after roster writes through the services."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from backend.accounts.models import Community
from tests.factories.accounts import CommunityFactory, StreetFactory, UserFactory
from volunteers import candidates, matching, services
from volunteers.candidate_models import CredentialState, MatchCandidate
from volunteers.models import (
    AvailabilityRule,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Credential,
    CredentialType,
    HoursStatus,
    ServiceHours,
    Skill,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
)

from . import old_matching

pytestmark = pytest.mark.django_db

SEED = 1414


def _rule_times(rng: random.Random) -> tuple[time, time]:
    """Mostly on the quarter-hour grid; some off it (inexact masks), some up to 23:59."""
    roll = rng.random()
    start_min = rng.randint(6 * 4, 20 * 4) * 15
    if roll < 0.1:
        start_min += rng.choice([5, 7, 10])
    end_min = min(start_min + rng.choice([60, 90, 120, 180, 240]), 24 * 60 - 1)
    if roll > 0.95:
        end_min = 24 * 60 - 1
    return time(start_min // 60, start_min % 60), time(end_min // 60, end_min % 60)


def generate_district(rng: random.Random, *, volunteers: int = 120) -> list[Community]:
    """Streets, communities and a roster written with bulk inserts (as a data load would),
    then told to the candidate table in one refresh."""
    streets = [StreetFactory() for _ in range(2)]
    communities = [CommunityFactory(street=streets[i % 2]) for i in range(5)]
    skills = list(Skill.objects.all())
    types = list(CredentialType.objects.all())
    today, now = timezone.localdate(), timezone.now()
    vols = []
    for i in range(volunteers):
        place = rng.choice(communities)
        vols.append(Volunteer(
            user=UserFactory(community=place), community=place,
            status=VolunteerStatus.ACTIVE if rng.random() < 0.85 else VolunteerStatus.PAUSED,
            dispatch_consent=rng.random() < 0.95, joined_on=date(2025, 1, 1 + i % 28)))
    Volunteer.objects.bulk_create(vols)
    rules, held, creds, offs, jobs, hours = [], [], [], [], [], []
    for v in vols:
        own = []
        for _ in range(rng.randint(1, 8)):
            start, end = _rule_times(rng)
            dated = rng.random() < 0.1
            own.append(AvailabilityRule(
                volunteer=v, weekday=rng.randint(1, 7), start_time=start, end_time=end,
                valid_from=today - timedelta(days=5) if dated else None,
                valid_until=(today + timedelta(days=rng.randint(-3, 10))) if dated else None))
        rules += own
        v.hour_mask = services.hour_mask(own)
        for s in rng.sample(skills, rng.randint(1, 3)):
            held.append(VolunteerSkill(volunteer=v, skill=s, level=rng.randint(1, 3)))
        for t in rng.sample(types, rng.randint(0, 3)):
            # Renewals: 1-4 credentials of a kind, each 30-200 days after the one before.
            begins = today - timedelta(days=rng.choice([400, 200, 2]))
            for n in range(1 if rng.random() < 0.6 else rng.randint(2, 4)):
                roll = rng.random()
                until = None if roll < 0.2 else begins + timedelta(days=rng.randint(60, 420))
                creds.append(Credential(
                    volunteer=v, type=t, number=f"G{v.pk}-{t.pk}-{n}", valid_from=begins,
                    valid_until=until, revoked_at=now if roll > 0.95 else None))
                begins += timedelta(days=rng.randint(30, 200))
        if rng.random() < 0.5:
            s = now + timedelta(hours=rng.randint(0, 10 * 24))
            offs.append(TimeOff(volunteer=v, starts_at=s,
                                ends_at=s + timedelta(hours=rng.randint(1, 48))))
        cursor = now.replace(minute=0, second=0, microsecond=0) + timedelta(
            hours=rng.randint(0, 48))
        for k in range(rng.randint(0, 4)):
            cursor += timedelta(minutes=15 * rng.randint(1, 40))
            ends = cursor + timedelta(minutes=15 * rng.randint(2, 12))
            jobs.append(Commitment(
                volunteer=v, starts_at=cursor, ends_at=ends, source_key=f"g:{v.pk}:{k}",
                kind=rng.choice([CommitmentKind.DISPATCH, CommitmentKind.DISPATCH,
                                 CommitmentKind.SHIFT]),
                status=rng.choice(list(CommitmentStatus.values))))
            cursor = ends
        if rng.random() < 0.5:
            ended = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            past = Commitment(volunteer=v, starts_at=ended - timedelta(hours=1), ends_at=ended,
                              kind=CommitmentKind.DISPATCH, source_key=f"p:{v.pk}",
                              status=rng.choice([CommitmentStatus.COMPLETED,
                                                 CommitmentStatus.CONFIRMED]))
            jobs.append(past)
            hours.append((past, v, ended))
    Volunteer.objects.bulk_update(vols, ["hour_mask"])
    AvailabilityRule.objects.bulk_create(rules)
    VolunteerSkill.objects.bulk_create(held)
    Credential.objects.bulk_create(creds)
    TimeOff.objects.bulk_create(offs)
    Commitment.objects.bulk_create(jobs)
    ServiceHours.objects.bulk_create([
        ServiceHours(commitment=c, volunteer=v, served_on=when,
                     hours=Decimal(rng.randint(1, 12)) / 2,
                     status=rng.choice([HoursStatus.APPROVED, HoursStatus.PENDING]))
        for c, v, when in hours])
    candidates.volunteers_changed(v.pk for v in vols)
    return communities


def _cases(rng: random.Random, communities, count: int):
    skills = list(Skill.objects.all())
    today = timezone.localdate()
    for _ in range(count):
        day = today + timedelta(days=rng.randint(0, 9))
        minute = rng.choice([0, 15, 30, 45, 0, 30, 7, 52])
        start = timezone.make_aware(datetime(day.year, day.month, day.day,
                                             rng.randint(5, 22), minute))
        length = rng.choice([15, 30, 45, 60, 60, 90, 120, 180, 25])
        yield (rng.choice(skills), rng.choice(communities), start,
               start + timedelta(minutes=length), rng.choice([1, 1, 2, 3]),
               rng.choice([1, 3, 10, 100]))


def _answer(result):
    return [(c.volunteer.pk, c.score, c.level, [(r.code, r.weight, r.detail) for r in c.reasons])
            for c in result.candidates], dict(result.excluded), result.considered


def test_new_matcher_agrees_with_the_old_over_a_generated_district():
    rng = random.Random(SEED)
    communities = generate_district(rng)
    now = timezone.now().replace(microsecond=0)
    nonempty = 0
    for skill, community, start, end, min_level, limit in _cases(rng, communities, 60):
        kwargs = {"skill": skill, "starts_at": start, "ends_at": end, "community": community,
                  "min_level": min_level, "limit": limit, "now": now}
        new, old = matching.match_volunteers(**kwargs), old_matching.match_volunteers(**kwargs)
        assert _answer(new) == _answer(old), kwargs
        nonempty += bool(new.candidates)
    # The cases are not vacuous: many rank someone, and both the exact masks and the rule
    # lookup, one credential and several, were exercised.
    assert nonempty >= 15
    assert {True, False} <= set(MatchCandidate.objects.values_list("mask_exact", flat=True))
    assert {CredentialState.RANGES, CredentialState.SEVERAL} <= set(
        MatchCandidate.objects.values_list("credential_state", flat=True))


def test_the_filters_and_the_per_row_rules_agree_with_the_old():
    rng = random.Random(SEED + 1)
    communities = generate_district(rng, volunteers=60)
    now = timezone.now().replace(microsecond=0)
    visible = Q(community__street_id=communities[0].street_id)
    some = list(Volunteer.objects.values_list("pk", flat=True)[:10])
    for skill, community, start, end, min_level, limit in _cases(rng, communities, 15):
        kwargs = {"skill": skill, "starts_at": start, "ends_at": end, "community": community,
                  "min_level": min_level, "limit": limit, "now": now, "visible": visible,
                  "exclude_volunteer_ids": some[:3]}
        new = matching.match_volunteers(**kwargs, with_rule_of=True)
        old = old_matching.match_volunteers(**kwargs)
        assert _answer(new) == _answer(old)
        assert new.extra["rule_of"] == old.extra["rule_of"]
        one = {**kwargs, "only_volunteer_id": some[5], "visible": None}
        assert _answer(matching.match_volunteers(**one)) == _answer(
            old_matching.match_volunteers(**one))


def _table():
    return sorted(MatchCandidate.objects.values_list(
        "skill_id", "volunteer_id", "level", "community_id", "active", "credential_state",
        "credential_from", "credential_until", "credential2_from", "credential2_until", "mask",
        "mask_exact"))


def test_roster_writes_keep_the_candidate_table_equal_to_a_rebuild(district_admin):
    admin_user = district_admin
    rng = random.Random(SEED + 2)
    communities = generate_district(rng, volunteers=30)
    vols = list(Volunteer.objects.order_by("pk"))
    today = timezone.localdate()
    services.availability_set(actor=admin_user, volunteer=vols[0], rules=[
        {"weekday": 2, "start_time": "09:00", "end_time": "11:30"},
        {"weekday": 2, "start_time": "10:00", "end_time": "12:00"}])
    services.volunteer_skill_set(volunteer=vols[1], skill_code="plumbing", level=3)
    services.volunteer_skill_remove(actor=admin_user, volunteer=vols[2],
                                    skill_code=vols[2].skills.first().skill.code)
    services.credential_add(actor=admin_user, volunteer=vols[3], type_code="health_certificate",
                            number="N-1", valid_until=today + timedelta(days=90))
    credential = Credential.objects.filter(volunteer=vols[4]).first() or services.credential_add(
        actor=admin_user, volunteer=vols[4], type_code="lawyer_license", number="N-2",
        valid_until=None)
    services.credential_update(actor=admin_user, credential=credential,
                               valid_from=today - timedelta(days=1), valid_until=today,
                               number="N-3", revoked_at=timezone.now())
    services.volunteer_update(actor=admin_user, volunteer=vols[5], status=VolunteerStatus.PAUSED,
                              community=communities[-1], dispatch_consent=False)
    skill = Skill.objects.get(code="companionship")
    skill.credential_type = CredentialType.objects.get(code="health_certificate")
    skill.save()
    after_writes = _table()
    candidates.rebuild()
    assert after_writes == _table()
    assert len(after_writes) == VolunteerSkill.objects.count()


@pytest.mark.parametrize(("rules", "exact"), [
    ([(2, "09:00", "11:00")], True),
    ([(2, "09:00", "11:00"), (2, "11:00", "12:00")], True),  # touching: two layers
    ([(2, "09:00", "11:00"), (2, "10:00", "12:00"), (2, "09:30", "10:30")], True),  # nested
    ([(2, "09:00", "11:00"), (2, "10:00", "12:00"), (2, "11:00", "13:00")], False),
    ([(2, "09:05", "11:00")], False),
    ([(2, "09:00", "23:59")], False),
])
def test_the_mask_is_exact_only_when_it_can_be(rules, exact):
    objs = [AvailabilityRule(weekday=w, start_time=time.fromisoformat(s),
                             end_time=time.fromisoformat(e)) for w, s, e in rules]
    mask, is_exact = candidates.slot_mask(objs)
    assert is_exact is exact
    assert len(mask) == MatchCandidate._meta.get_field("mask").max_length
    tuesday_9 = 96 + 9 * 4
    assert mask[tuesday_9:tuesday_9 + 8] == "1" * 8  # 09:00-11:00 in the first layer
