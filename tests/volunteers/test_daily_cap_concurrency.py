"""The daily job cap holds when jobs for one volunteer are dispatched at the same instant:
commitment_create counts the day's dispatched jobs under the volunteer's row lock
(PostgreSQL) / inside the IMMEDIATE transaction (SQLite). Control: the same harness against
a naive match-then-write dispatch shows the cap being overrun."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from graphql_relay import to_global_id

from tests.helpers.concurrency import run_concurrently
from tests.helpers.graphql import gql
from volunteers import matching, services
from volunteers.error_codes import VolunteerErrorCode
from volunteers.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Offer,
    ServiceRequest,
    ServiceRequestStatus,
    Skill,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

N = 8  # jobs on one day, two hours apart: no overlap even with the travel buffer
CAP = matching.DAILY_JOB_CAP

DISPATCH = """
mutation D($startsAt: DateTime!, $communityId: ID!) {
  dispatchCreate(skill: "haircut", startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId) {
    serviceRequest { status } errors { code } } }"""


def _starts(job_start):
    first = job_start.replace(hour=5)
    return [first + timedelta(hours=2 * i) for i in range(N)]


def _fire(coordinator, community, job_start):
    starts = _starts(job_start)
    community_id = to_global_id("Community", community.pk)
    return run_concurrently(lambda i: gql(DISPATCH, {"startsAt": starts[i].isoformat(),
                                                     "communityId": community_id},
                                          user=coordinator), N)


def _dispatched_jobs(volunteer) -> int:
    return Commitment.objects.filter(
        volunteer=volunteer, kind=CommitmentKind.DISPATCH,
        status__in=[CommitmentStatus.TENTATIVE, CommitmentStatus.CONFIRMED]).count()


def test_simultaneous_dispatches_on_one_day_respect_the_daily_cap(coordinator, community,
                                                                  make_volunteer, job_start):
    # given one eligible volunteer
    volunteer = make_volunteer()
    # when N jobs on the same day are dispatched at once
    results = _fire(coordinator, community, job_start)
    # then exactly CAP are offered to them, the rest escalate
    assert all(not isinstance(r, Exception) for r in results), results
    statuses = sorted(r.data["dispatchCreate"]["serviceRequest"]["status"] for r in results)
    assert statuses == ["ESCALATED"] * (N - CAP) + ["OFFERED"] * CAP
    assert _dispatched_jobs(volunteer) == CAP
    assert Offer.objects.filter(volunteer=volunteer).count() == CAP


def test_commitment_create_refuses_a_job_over_the_cap(make_volunteer, job_start):
    volunteer = make_volunteer()
    starts = _starts(job_start)
    for i in range(CAP):
        services.commitment_create(volunteer=volunteer, starts_at=starts[i],
                                   ends_at=starts[i] + timedelta(hours=1),
                                   kind=CommitmentKind.DISPATCH, source_key=f"cap:{i}")

    with pytest.raises(ValidationError) as info:
        services.commitment_create(volunteer=volunteer, starts_at=starts[CAP],
                                   ends_at=starts[CAP] + timedelta(hours=1),
                                   kind=CommitmentKind.DISPATCH, source_key="cap:over")
    assert info.value.error_dict["starts_at"][0].code == VolunteerErrorCode.DAILY_CAP_REACHED
    # other kinds (a shift) and another day are not capped
    services.commitment_create(volunteer=volunteer, starts_at=starts[CAP],
                               ends_at=starts[CAP] + timedelta(hours=1),
                               kind=CommitmentKind.SHIFT, source_key="cap:shift")
    next_day = starts[0] + timedelta(days=1)
    services.commitment_create(volunteer=volunteer, starts_at=next_day,
                               ends_at=next_day + timedelta(hours=1),
                               kind=CommitmentKind.DISPATCH, source_key="cap:tomorrow")


def _naive_dispatch_create(*, actor, skill_code, starts_at, duration_minutes, community,
                           **_ignored):
    """Match (which reads the cap), wait, write — no lock around the count."""
    skill = Skill.objects.get(code=skill_code)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    found = matching.match_volunteers(skill=skill, starts_at=starts_at, ends_at=ends_at,
                                      community=community)
    time.sleep(0.3)  # widen the race window so the control fails reliably
    request = ServiceRequest.objects.create(skill=skill, starts_at=starts_at, ends_at=ends_at,
                                            community=community, created_by=actor)
    if not found.candidates:
        request.status = ServiceRequestStatus.ESCALATED
        request.save()
        return request
    volunteer = found.candidates[0].volunteer
    offer = Offer.objects.create(request=request, volunteer=volunteer, expires_at=ends_at)
    Commitment.objects.create(volunteer=volunteer, starts_at=starts_at, ends_at=ends_at,
                              kind=CommitmentKind.DISPATCH, status=CommitmentStatus.TENTATIVE,
                              source_key=f"offer:{offer.pk}")
    return request


def test_control_the_naive_version_overruns_the_cap(coordinator, community, make_volunteer,
                                                   job_start, monkeypatch):
    volunteer = make_volunteer()
    monkeypatch.setattr(services, "dispatch_create", _naive_dispatch_create)
    results = _fire(coordinator, community, job_start)
    assert all(not isinstance(r, Exception) for r in results), results
    assert _dispatched_jobs(volunteer) > CAP, "the harness failed to catch the naive version"
