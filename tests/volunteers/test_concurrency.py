"""Two jobs dispatched at once never get the same volunteer for overlapping times — on
PostgreSQL (row lock + exclusion constraint) and SQLite (IMMEDIATE transactions). Each
guarantee has a control: the same harness against a naive read-check-write version shows
the double booking it exists to prevent."""

import os
import time
from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from graphql_relay import to_global_id

from tests.helpers.concurrency import run_concurrently
from tests.helpers.graphql import gql
from volunteers import matching, services
from volunteers.error_codes import VolunteerErrorCode
from volunteers.models import (
    ACTIVE_COMMITMENT_STATUSES,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Offer,
    ServiceRequest,
    ServiceRequestStatus,
    Skill,
)

only_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the exclusion constraint exists on PostgreSQL only")

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

N = 20
ELIGIBLE = 5

DISPATCH = """
mutation D($startsAt: DateTime!, $communityId: ID!) {
  dispatchCreate(skill: "haircut", startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId) {
    serviceRequest { id status offers { volunteer { id } status } }
    errors { code }
  }
}"""


def _fire(coordinator, community, start):
    variables = {"startsAt": start.isoformat(),
                 "communityId": to_global_id("Community", community.pk)}
    return run_concurrently(lambda i: gql(DISPATCH, variables, user=coordinator), N)


def _double_booked() -> list[int]:
    """Volunteers holding two overlapping active commitments."""
    rows = list(Commitment.objects.filter(status__in=ACTIVE_COMMITMENT_STATUSES)
                .order_by("volunteer_id", "starts_at"))
    bad = []
    for a, b in pairwise(rows):
        if a.volunteer_id == b.volunteer_id and b.starts_at < a.ends_at:
            bad.append(a.volunteer_id)
    return bad


def test_twenty_simultaneous_dispatches_never_book_a_volunteer_twice(
        coordinator, community, make_volunteer, job_start):
    volunteers = [make_volunteer() for _ in range(ELIGIBLE)]
    results = _fire(coordinator, community, job_start)
    assert all(not isinstance(r, Exception) for r in results), results
    payloads = [r.data["dispatchCreate"] for r in results]
    offered = [p for p in payloads if p["serviceRequest"]["status"] == "OFFERED"]
    escalated = [p for p in payloads if p["serviceRequest"]["status"] == "ESCALATED"]
    assert len(offered) == ELIGIBLE and len(escalated) == N - ELIGIBLE
    assert all([e["code"] for e in p["errors"]] == ["NO_CANDIDATE"] for p in escalated)
    chosen = [p["serviceRequest"]["offers"][-1]["volunteer"]["id"] for p in offered]
    assert sorted(chosen) == sorted(to_global_id("Volunteer", v.pk) for v in volunteers)
    assert _double_booked() == []
    assert ServiceRequest.objects.filter(status=ServiceRequestStatus.OFFERED).count() == ELIGIBLE
    assert Counter(Offer.objects.filter(status="OFFERED").values_list(
        "volunteer_id", flat=True)).most_common(1)[0][1] == 1


def _naive_dispatch_create(*, actor, skill_code, starts_at, duration_minutes, community,
                           **_ignored):
    """Read, check, wait, write — no transaction, no lock: what we must not do."""
    skill = Skill.objects.get(code=skill_code)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    found = matching.match_volunteers(skill=skill, starts_at=starts_at, ends_at=ends_at,
                                      community=community)
    request = ServiceRequest.objects.create(skill=skill, starts_at=starts_at, ends_at=ends_at,
                                            community=community, created_by=actor)
    for candidate in found.candidates:
        busy = Commitment.objects.filter(volunteer=candidate.volunteer,
                                         status__in=ACTIVE_COMMITMENT_STATUSES,
                                         starts_at__lt=ends_at, ends_at__gt=starts_at).exists()
        time.sleep(0.2)  # widen the race window so the control fails reliably
        if busy:
            continue
        offer = Offer.objects.create(request=request, volunteer=candidate.volunteer,
                                     expires_at=ends_at)
        Commitment.objects.create(volunteer=candidate.volunteer, starts_at=starts_at,
                                  ends_at=ends_at, kind=CommitmentKind.DISPATCH,
                                  status=CommitmentStatus.TENTATIVE,
                                  source_key=f"offer:{offer.pk}")
        return request
    request.status = ServiceRequestStatus.ESCALATED
    request.save()
    return request


EXCLUSION_SQL = """ALTER TABLE volunteers_commitment ADD CONSTRAINT commitment_no_overlap
  EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
  WHERE (status IN ('TENTATIVE', 'CONFIRMED'))"""


def test_control_the_naive_version_double_books(coordinator, community, make_volunteer,
                                                 job_start, monkeypatch):
    for _ in range(ELIGIBLE):
        make_volunteer()
    monkeypatch.setattr(services, "dispatch_create", _naive_dispatch_create)
    postgres = connection.vendor == "postgresql"
    if postgres:  # the control must also do without the database's own guard
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE volunteers_commitment DROP CONSTRAINT "
                           "commitment_no_overlap")
    try:
        results = _fire(coordinator, community, job_start)
        assert all(not isinstance(r, Exception) for r in results), results
        assert _double_booked(), "the harness failed to catch the naive version"
    finally:
        if postgres:
            Offer.objects.all().delete()
            Commitment.objects.all().delete()
            with connection.cursor() as cursor:
                cursor.execute(EXCLUSION_SQL)


def test_simultaneous_commitments_for_one_volunteer_admit_exactly_one(make_volunteer,
                                                                      job_start):
    volunteer = make_volunteer()

    def book(i):
        return services.commitment_create(
            volunteer=volunteer, starts_at=job_start + timedelta(minutes=i),
            ends_at=job_start + timedelta(hours=1), kind=CommitmentKind.OTHER,
            source_key=f"race:{i}")

    results = run_concurrently(book, N)
    created = [r for r in results if isinstance(r, Commitment)]
    errors = [r for r in results if not isinstance(r, Commitment)]
    assert len(created) == 1
    assert all(e.error_dict["starts_at"][0].code == VolunteerErrorCode.OVERLAPS_COMMITMENT
               for e in errors), errors


@only_postgres
def test_postgres_exclusion_constraint_rejects_a_direct_overlap(make_volunteer, job_start):
    volunteer = make_volunteer()
    Commitment.objects.create(volunteer=volunteer, starts_at=job_start,
                              ends_at=job_start + timedelta(hours=1), kind="OTHER",
                              source_key="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(volunteer=volunteer, starts_at=job_start,
                                  ends_at=job_start + timedelta(hours=1), kind="OTHER",
                                  source_key="b")
    # Cancelled ones do not count; touching ranges do not overlap.
    Commitment.objects.create(volunteer=volunteer, starts_at=job_start,
                              ends_at=job_start + timedelta(hours=1), kind="OTHER",
                              source_key="c", status=CommitmentStatus.CANCELLED)
    Commitment.objects.create(volunteer=volunteer, starts_at=job_start + timedelta(hours=1),
                              ends_at=job_start + timedelta(hours=2), kind="OTHER",
                              source_key="d")


@only_postgres
def test_an_exclusion_violation_is_translated_to_the_typed_error(make_volunteer, job_start,
                                                                 monkeypatch):
    volunteer = make_volunteer()
    Commitment.objects.create(volunteer=volunteer, starts_at=job_start,
                              ends_at=job_start + timedelta(hours=1), kind="OTHER",
                              source_key="a")
    # Blind the pre-check so only the database constraint can say no.
    real_filter = Commitment.objects.filter

    class Blind:
        def exists(self):
            return False

    monkeypatch.setattr(Commitment.objects, "filter",
                        lambda *a, **k: Blind() if "starts_at__lt" in k else real_filter(*a, **k))

    with pytest.raises(ValidationError) as info:
        services.commitment_create(volunteer=volunteer, starts_at=job_start,
                                   ends_at=job_start + timedelta(hours=1), kind="OTHER",
                                   source_key="b")
    assert info.value.error_dict["starts_at"][0].code == "OVERLAPS_COMMITMENT"
