"""Shift sign-up (capacity, calendar) and service hours (log, review, totals)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories.volunteers import ShiftFactory, commitment, skill
from tests.helpers.concurrency import run_concurrently
from tests.helpers.graphql import gql
from volunteers import matching, selectors, services
from volunteers.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    HoursStatus,
    ServiceHours,
    Shift,
    ShiftSignUp,
)

SIGN_UP = """mutation S($id: ID!) { shiftSignUp(shiftId: $id) {
  signUp { status commitment { kind status } shift { seatsLeft } } errors { code } } }"""
LOG = """mutation L($id: ID!, $hours: Float!, $key: String) {
  serviceHoursLog(commitmentId: $id, hours: $hours, note: "理发3人", idempotencyKey: $key) {
    entry { id status hours } errors { code } } }"""
REVIEW = """mutation R($id: ID!, $approve: Boolean!, $reason: String) {
  serviceHoursReview(entryId: $id, approve: $approve, reason: $reason) {
    entry { status reviewReason } errors { code } } }"""


def _sid(shift):
    return to_global_id("Shift", shift.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("coordinator", "PERMISSION_DENIED"), ("volunteer", "ok"),
])
def test_shift_sign_up_access_matrix(role_users, haircut_volunteer, community, who, outcome):
    shift = ShiftFactory(event__community=community)
    result = gql(SIGN_UP, {"id": _sid(shift)}, user=role_users[who])
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert not ShiftSignUp.objects.exists()
        return
    payload = result.data["shiftSignUp"]
    assert payload["errors"] == []
    assert payload["signUp"]["commitment"] == {"kind": "SHIFT", "status": "CONFIRMED"}
    assert payload["signUp"]["shift"]["seatsLeft"] == 2


@pytest.mark.django_db
def test_shift_sign_up_respects_capacity_and_the_calendar(make_volunteer, community):
    shift = ShiftFactory(event__community=community, capacity=1)
    first, second, third = (make_volunteer() for _ in range(3))
    assert gql(SIGN_UP, {"id": _sid(shift)}, user=first.user).data["shiftSignUp"]["errors"] == []
    again = gql(SIGN_UP, {"id": _sid(shift)}, user=first.user).data["shiftSignUp"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_SIGNED_UP"]
    full = gql(SIGN_UP, {"id": _sid(shift)}, user=second.user).data["shiftSignUp"]
    assert [e["code"] for e in full["errors"]] == ["SHIFT_FULL"]
    other = ShiftFactory(event__community=community, capacity=5)
    commitment(third, other.starts_at, other.ends_at)
    busy = gql(SIGN_UP, {"id": _sid(other)}, user=third.user).data["shiftSignUp"]
    assert [e["code"] for e in busy["errors"]] == ["OVERLAPS_COMMITMENT"]
    other.refresh_from_db()
    assert other.taken == 0  # the seat was given back with the rollback


@pytest.mark.django_db
def test_shift_sign_up_window_and_required_skill(make_volunteer, community):
    volunteer = make_volunteer(skill="companionship")
    closed = ShiftFactory(event__community=community,
                          signup_closes_at=timezone.now() - timedelta(hours=1))
    result = gql(SIGN_UP, {"id": _sid(closed)}, user=volunteer.user).data["shiftSignUp"]
    assert [e["code"] for e in result["errors"]] == ["SIGNUP_CLOSED"]

    skilled = ShiftFactory(event__community=community, required_skill=skill("haircut"))
    result = gql(SIGN_UP, {"id": _sid(skilled)}, user=volunteer.user).data["shiftSignUp"]
    assert [e["code"] for e in result["errors"]] == ["LACKS_SKILL"]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_never_exceed_capacity(make_volunteer, community):
    shift = ShiftFactory(event__community=community, capacity=3)
    volunteers = [make_volunteer() for _ in range(12)]
    results = run_concurrently(
        lambda i: gql(SIGN_UP, {"id": _sid(shift)}, user=volunteers[i].user), 12)
    codes = [[e["code"] for e in r.data["shiftSignUp"]["errors"]] for r in results]
    assert codes.count([]) == 3
    assert codes.count(["SHIFT_FULL"]) == 9
    assert Shift.objects.get(pk=shift.pk).taken == 3
    assert Commitment.objects.filter(kind=CommitmentKind.SHIFT).count() == 3


# --- Service hours --------------------------------------------------------------------------
def _done(volunteer):
    start = timezone.now() - timedelta(days=2)
    return commitment(volunteer, start, start + timedelta(hours=2),
                      status=CommitmentStatus.COMPLETED, kind=CommitmentKind.DISPATCH)


@pytest.mark.django_db
@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("community_staff", "PERMISSION_DENIED"), ("other_coordinator", "PERMISSION_DENIED"),
    ("volunteer", "ok"), ("coordinator", "ok"), ("district_admin", "ok"),
])
def test_service_hours_log_access_matrix(role_users, haircut_volunteer, who, outcome):
    done = _done(haircut_volunteer)
    result = gql(LOG, {"id": to_global_id("Commitment", done.pk), "hours": 2},
                 user=role_users[who])
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert not ServiceHours.objects.exists()
        return
    assert result.data["serviceHoursLog"]["entry"]["status"] == "PENDING"


@pytest.mark.django_db
def test_hours_are_logged_once_per_commitment_and_idempotently(volunteer_user,
                                                              haircut_volunteer):
    done = _done(haircut_volunteer)
    variables = {"id": to_global_id("Commitment", done.pk), "hours": 1.5, "key": "h-1"}
    first = gql(LOG, variables, user=volunteer_user).data["serviceHoursLog"]
    replay = gql(LOG, variables, user=volunteer_user).data["serviceHoursLog"]
    assert first["entry"]["id"] == replay["entry"]["id"] and replay["errors"] == []
    twice = gql(LOG, {**variables, "key": None}, user=volunteer_user).data["serviceHoursLog"]
    assert [e["code"] for e in twice["errors"]] == ["ALREADY_LOGGED"]
    assert ServiceHours.objects.count() == 1


@pytest.mark.django_db
def test_hours_need_a_finished_commitment(volunteer_user, haircut_volunteer, job_start):
    future = commitment(haircut_volunteer, job_start, job_start + timedelta(hours=1))
    result = gql(LOG, {"id": to_global_id("Commitment", future.pk), "hours": 1},
                 user=volunteer_user).data["serviceHoursLog"]
    assert [e["code"] for e in result["errors"]] == ["NOT_COMPLETED"]


@pytest.mark.django_db
@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"), ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"), ("coordinator", "ok"), ("district_admin", "ok"),
])
def test_service_hours_review_access_matrix(role_users, volunteer_user, haircut_volunteer,
                                            who, outcome):
    entry = services.service_hours_log(actor=volunteer_user, commitment=_done(haircut_volunteer),
                                       hours=2)
    result = gql(REVIEW, {"id": to_global_id("ServiceHoursEntry", entry.pk), "approve": True},
                 user=role_users[who])
    entry.refresh_from_db()
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert entry.status == HoursStatus.PENDING
        return
    assert result.data["serviceHoursReview"]["entry"]["status"] == "APPROVED"
    again = gql(REVIEW, {"id": to_global_id("ServiceHoursEntry", entry.pk), "approve": False,
                         "reason": "x"}, user=role_users[who]).data["serviceHoursReview"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_REVIEWED"]


@pytest.mark.django_db
def test_approved_hours_feed_totals_and_the_fairness_term(coordinator, volunteer_user,
                                                          haircut_volunteer, community,
                                                          job_start):
    entry = services.service_hours_log(actor=volunteer_user,
                                       commitment=_done(haircut_volunteer), hours=2.5)
    services.service_hours_review(actor=coordinator, entry=entry, approve=True)
    declined = services.service_hours_log(actor=volunteer_user,
                                          commitment=_done(haircut_volunteer), hours=2)
    services.service_hours_review(actor=coordinator, entry=declined, approve=False,
                                  reason="记录重复")
    assert selectors.approved_hours(haircut_volunteer) == 2.5
    total = gql("{ myVolunteerProfile { serviceHoursTotal } }", user=volunteer_user)
    assert total.data["myVolunteerProfile"]["serviceHoursTotal"] == 2.5
    result = matching.match_volunteers(
        skill=selectors.skill_get("haircut"), starts_at=job_start,
        ends_at=job_start + timedelta(hours=1), community=community)
    details = {r.code: r.detail for r in result.candidates[0].reasons}
    assert details["FAIRNESS"] == "近30天服务2.5小时"
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        later = matching.match_volunteers(
            skill=selectors.skill_get("haircut"), starts_at=job_start + timedelta(days=35),
            ends_at=job_start + timedelta(days=35, hours=1), community=community)
    assert {r.code: r.detail for r in later.candidates[0].reasons}["FAIRNESS"] == \
        "近30天服务0小时"


@pytest.mark.django_db
def test_declining_needs_a_reason(coordinator, volunteer_user, haircut_volunteer):
    entry = services.service_hours_log(actor=volunteer_user, commitment=_done(haircut_volunteer),
                                       hours=1)
    result = gql(REVIEW, {"id": to_global_id("ServiceHoursEntry", entry.pk), "approve": False},
                 user=coordinator).data["serviceHoursReview"]
    assert [e["code"] for e in result["errors"]] == ["REQUIRED"]
