"""Each hard rule excludes, counted under its own reason; soft rules order as documented."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import commitment, give_credential, give_skill, skill
from volunteers import matching
from volunteers.models import (
    AvailabilityRule,
    CommitmentKind,
    CommitmentStatus,
    HoursStatus,
    ServiceHours,
    TimeOff,
    VolunteerStatus,
)
from volunteers.services import hour_mask

pytestmark = pytest.mark.django_db


def run(community, start, minutes=60, **kwargs):
    return matching.match_volunteers(skill=skill(kwargs.pop("code", "haircut")),
                                     starts_at=start, ends_at=start + timedelta(minutes=minutes),
                                     community=community, **kwargs)


def excluded(result):
    return {code: n for code, n in result.excluded if n}


def test_an_eligible_volunteer_is_a_candidate_with_reasons(make_volunteer, community, job_start):
    volunteer = make_volunteer(level=2)
    result = run(community, job_start)
    assert [c.volunteer.pk for c in result.candidates] == [volunteer.pk]
    reasons = {r.code: r for r in result.candidates[0].reasons}
    assert reasons["SAME_COMMUNITY"].detail == "同社区"
    assert reasons["LEVEL"].weight == 20
    assert reasons["FAIRNESS"].detail == "近30天服务0小时"
    assert result.candidates[0].score == sum(r.weight for r in reasons.values())
    assert excluded(result) == {}


def test_not_active_excludes(make_volunteer, community, job_start):
    make_volunteer(status=VolunteerStatus.PAUSED)
    make_volunteer(dispatch_consent=False)
    result = run(community, job_start)
    assert result.candidates == []
    assert excluded(result) == {"NOT_ACTIVE": 2}


def test_level_below_the_minimum_excludes(make_volunteer, community, job_start):
    make_volunteer(level=1)
    result = run(community, job_start, min_level=2)
    assert excluded(result) == {"LEVEL_TOO_LOW": 1}


def test_a_volunteer_without_the_skill_is_not_considered(make_volunteer, community, job_start):
    make_volunteer(skill="companionship")
    result = run(community, job_start)
    assert result.candidates == [] and result.considered == 0


def test_an_expired_credential_excludes(make_volunteer, community, job_start):
    volunteer = make_volunteer(skill=None)

    give_skill(volunteer, "haircut", credential=False)
    give_credential(volunteer, "health_certificate",
                    valid_until=timezone.localdate() - timedelta(days=1))
    assert excluded(run(community, job_start)) == {"CREDENTIAL_MISSING": 1}


def test_a_credential_expiring_before_the_job_ends_excludes(make_volunteer, community,
                                                             job_start):
    volunteer = make_volunteer(skill=None)

    give_skill(volunteer, "haircut", credential=False)
    give_credential(volunteer, "health_certificate",
                    valid_until=timezone.localtime(job_start).date() - timedelta(days=1))
    assert excluded(run(community, job_start)) == {"CREDENTIAL_MISSING": 1}
    # A skill without a credential requirement does not care.
    make_volunteer(skill="companionship")
    assert len(run(community, job_start, code="companionship").candidates) == 1


def test_a_missing_availability_rule_excludes(make_volunteer, community, job_start):
    make_volunteer(availability=[(2, "08:00", "12:00")])  # Tuesday morning only
    make_volunteer(availability=[(3, "13:00", "18:00")])  # Wednesday afternoon
    make_volunteer(availability=[(2, "14:30", "18:00")])  # starts too late
    ok = make_volunteer(availability=[(2, "13:00", "15:00")])
    result = run(community, job_start)
    assert [c.volunteer.pk for c in result.candidates] == [ok.pk]
    assert excluded(result) == {"NOT_AVAILABLE": 3}


def test_a_rule_outside_its_validity_dates_excludes(make_volunteer, community, job_start):
    volunteer = make_volunteer(availability=[(2, "13:00", "18:00")])
    # Saved row by row (the admin's way): a queryset update() sends no signal, so it would
    # go around the matching candidate table like any bulk write.
    for rule in AvailabilityRule.objects.filter(volunteer=volunteer):
        rule.valid_until = timezone.localdate() - timedelta(days=1)
        rule.save()
    assert excluded(run(community, job_start)) == {"NOT_AVAILABLE": 1}


def test_time_off_excludes(make_volunteer, community, job_start):
    volunteer = make_volunteer()
    TimeOff.objects.create(volunteer=volunteer, starts_at=job_start - timedelta(days=1),
                           ends_at=job_start + timedelta(minutes=1), reason="探亲")
    assert excluded(run(community, job_start)) == {"TIME_OFF": 1}


def test_an_overlapping_commitment_excludes_including_the_travel_buffer(
        make_volunteer, community, job_start):
    busy = make_volunteer()
    commitment(busy, job_start + timedelta(minutes=30), job_start + timedelta(hours=2))
    near = make_volunteer()  # ends 15 minutes before: inside the 30-minute travel buffer
    commitment(near, job_start - timedelta(hours=1), job_start - timedelta(minutes=15))
    far = make_volunteer()
    commitment(far, job_start - timedelta(hours=2), job_start - timedelta(hours=1))
    cancelled = make_volunteer()
    commitment(cancelled, job_start, job_start + timedelta(hours=1),
               status=CommitmentStatus.CANCELLED)
    result = run(community, job_start)
    assert {c.volunteer.pk for c in result.candidates} == {far.pk, cancelled.pk}
    assert excluded(result) == {"BUSY": 2}
    assert len(run(community, job_start, travel_buffer_minutes=0).candidates) == 3


def test_the_daily_job_cap_excludes(make_volunteer, community, job_start):
    volunteer = make_volunteer()
    for i in range(matching.DAILY_JOB_CAP):
        start = job_start.replace(hour=8) + timedelta(hours=i)
        commitment(volunteer, start, start + timedelta(minutes=30), kind=CommitmentKind.DISPATCH)
    assert excluded(run(community, job_start)) == {"DAILY_CAP": 1}


def test_each_volunteer_is_counted_under_the_first_rule_only(make_volunteer, community,
                                                               job_start):
    volunteer = make_volunteer(status=VolunteerStatus.PAUSED, availability=[])
    TimeOff.objects.create(volunteer=volunteer, starts_at=job_start,
                           ends_at=job_start + timedelta(hours=1))
    assert excluded(run(community, job_start)) == {"NOT_ACTIVE": 1}


def test_soft_rules_rank_by_locality_level_fairness_and_recency(
        make_volunteer, community, job_start):
    same_street = CommunityFactory(street=community.street)
    elsewhere = CommunityFactory()
    far = make_volunteer(community_=elsewhere, level=3)
    street = make_volunteer(community_=same_street, level=1)
    local = make_volunteer(level=1)
    local_busy_lately = make_volunteer(level=1)
    past = commitment(local_busy_lately, timezone.now() - timedelta(days=2, hours=2),
                      timezone.now() - timedelta(days=2), status=CommitmentStatus.COMPLETED,
                      kind=CommitmentKind.DISPATCH)
    ServiceHours.objects.create(commitment=past, volunteer=local_busy_lately, hours=2.5,
                                served_on=past.starts_at, status=HoursStatus.APPROVED)
    result = run(community, job_start)
    order = [c.volunteer.pk for c in result.candidates]
    # local: 30+10+20+15=75; busy: 30+10+15+3=58; far: 0+30+20+15=65; street: 15+10+20+15=60
    assert order == [local.pk, far.pk, street.pk, local_busy_lately.pk]
    busy_reasons = {r.code: r.detail for r in result.candidates[-1].reasons}
    assert busy_reasons["FAIRNESS"] == "近30天服务2.5小时"
    assert busy_reasons["RECENCY"] == "距上次派单2天"
    assert [c.score for c in result.candidates] == [75, 65, 60, 58]


def test_ties_break_by_volunteer_id(make_volunteer, community, job_start):
    volunteers = [make_volunteer() for _ in range(4)]
    result = run(community, job_start)
    assert [c.volunteer.pk for c in result.candidates] == sorted(v.pk for v in volunteers)
    assert len({c.score for c in result.candidates}) == 1


def test_a_window_across_midnight_has_no_availability(make_volunteer, community, job_start):
    make_volunteer()
    late = job_start.replace(hour=23, minute=30)
    assert excluded(run(community, late, minutes=60)) == {"NOT_AVAILABLE": 1}


def test_the_limit_caps_candidates(make_volunteer, community, job_start):
    for _ in range(5):
        make_volunteer()
    assert len(run(community, job_start, limit=3).candidates) == 3


def test_hour_mask_marks_every_hour_a_rule_touches():
    mask = hour_mask([AvailabilityRule(weekday=2, start_time=time(13, 30),
                                       end_time=time(15, 0))])
    assert [i for i, c in enumerate(mask) if c == "1"] == [24 + 13, 24 + 14]
    assert date  # keep import
