"""myOffers and myCommitments (v1.1), the job's address only once accepted and never other
volunteers' offers, shiftSignUpCancel and HOURS_EXCEED_COMMITMENT through GraphQL."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories.volunteers import ShiftFactory, commitment
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count
from volunteers import selectors, services
from volunteers.models import CommitmentKind, Offer, OfferStatus, ShiftSignUp, SignUpStatus

pytestmark = pytest.mark.django_db

ADDRESS = "金口一路18号2单元301"

MY_OFFERS = """query M($status: OfferStatus) { myOffers(status: $status) {
  id status expiresAt reason
  serviceRequest { id status startsAt endsAt address note skill { code name }
    community { name } offers { id status volunteer { displayName } } } } }"""

MY_COMMITMENTS = """query C($from: DateTime, $to: DateTime) { myCommitments(from: $from, to: $to) {
  id kind status title startsAt endsAt } }"""

CANCEL = """mutation X($id: ID!, $reason: String) {
  shiftSignUpCancel(signUpId: $id, reason: $reason) {
    signUp { id status } errors { field code message } } }"""

LOG = """mutation L($id: ID!, $hours: Float!) { serviceHoursLog(commitmentId: $id, hours: $hours) {
  entry { id status } errors { field code } } }"""


@pytest.fixture(autouse=True)
def _no_expiry_tasks():
    with mock.patch("volunteers.services.dispatch._schedule_expiry"):
        yield


def day_at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _offer(coordinator, community, volunteer, days=8):
    request = services.dispatch_create(
        actor=coordinator, skill_code="haircut", starts_at=day_at(days, 9), duration_minutes=60,
        community=community, address=ADDRESS, note="敲门大声", volunteer=volunteer)
    return request.offers.get(volunteer=volunteer)


def test_my_offers_newest_first_with_the_address_only_once_accepted(
        coordinator, community, haircut_volunteer, volunteer_user):
    first = _offer(coordinator, community, haircut_volunteer, days=8)
    second = _offer(coordinator, community, haircut_volunteer, days=9)
    result = gql(MY_OFFERS, user=volunteer_user)
    assert result.errors is None, result.errors
    rows = result.data["myOffers"]
    assert [r["id"] for r in rows] == [to_global_id("Offer", second.pk),
                                       to_global_id("Offer", first.pk)]
    assert all(r["serviceRequest"]["address"] == "" and r["serviceRequest"]["note"] == ""
               for r in rows)
    services.offer_respond(actor=volunteer_user, offer=first, accept=True)
    accepted = gql(MY_OFFERS, {"status": "ACCEPTED"}, user=volunteer_user).data["myOffers"]
    assert [r["id"] for r in accepted] == [to_global_id("Offer", first.pk)]
    assert accepted[0]["serviceRequest"]["address"] == ADDRESS
    assert accepted[0]["serviceRequest"]["note"] == "敲门大声"


def test_a_declined_offer_hides_the_address_and_other_volunteers(
        coordinator, community, make_volunteer, haircut_volunteer, volunteer_user):
    other = make_volunteer()
    offer = _offer(coordinator, community, haircut_volunteer)
    services.offer_respond(actor=volunteer_user, offer=offer, accept=False, reason="没空")
    # the decline moved the job on to the other volunteer, who accepts it
    nxt = offer.request.offers.get(volunteer=other)
    services.offer_respond(actor=nxt.volunteer.user, offer=nxt, accept=True)
    mine = gql(MY_OFFERS, user=volunteer_user).data["myOffers"]
    row = next(r for r in mine if r["id"] == to_global_id("Offer", offer.pk))
    assert row["status"] == "DECLINED" and row["serviceRequest"]["address"] == ""
    assert [o["id"] for o in row["serviceRequest"]["offers"]] == [
        to_global_id("Offer", offer.pk)]
    assert nxt.volunteer.user.display_name not in str(mine)
    # the coordinator still sees every offer and the address
    coordinator_view = gql("""query Q($id: ID!) { serviceRequest(id: $id) { address
        offers { id } } }""", {"id": to_global_id("ServiceRequest", offer.request_id)},
                           user=coordinator).data["serviceRequest"]
    assert coordinator_view["address"] == ADDRESS and len(coordinator_view["offers"]) >= 2


def test_my_offers_and_commitments_need_login_and_are_empty_off_the_roster(resident):
    assert gql(MY_OFFERS).error_codes == ["UNAUTHENTICATED"]
    assert gql(MY_COMMITMENTS).error_codes == ["UNAUTHENTICATED"]
    assert gql(MY_OFFERS, user=resident).data == {"myOffers": []}
    assert gql(MY_COMMITMENTS, user=resident).data == {"myCommitments": []}


def test_my_commitments_mix_jobs_shifts_and_tutoring_by_start(
        coordinator, community, haircut_volunteer, volunteer_user):
    job = _offer(coordinator, community, haircut_volunteer, days=9)
    shift = ShiftFactory(starts_at=day_at(8, 9), ends_at=day_at(8, 11))
    signup = services.shift_sign_up(actor=volunteer_user, shift=shift)
    tutoring = commitment(haircut_volunteer, day_at(10, 9), day_at(10, 10),
                          kind=CommitmentKind.TUTORING)
    commitment(haircut_volunteer, day_at(-3, 9), day_at(-3, 10))  # past: left out
    rows = gql(MY_COMMITMENTS, user=volunteer_user).data["myCommitments"]
    assert [r["id"] for r in rows] == [
        to_global_id("Commitment", pk) for pk in (signup.commitment_id, job.commitment_id,
                                                  tutoring.pk)]
    assert [r["kind"] for r in rows] == ["SHIFT", "DISPATCH", "TUTORING"]
    window = gql(MY_COMMITMENTS, {"from": day_at(9, 0).isoformat(),
                                  "to": day_at(10, 0).isoformat()},
                 user=volunteer_user).data["myCommitments"]
    assert [r["kind"] for r in window] == ["DISPATCH"]


def _rows(coordinator, community, volunteer, n):
    for _ in range(n):
        days = 8 + Offer.objects.filter(volunteer=volunteer).count()
        _offer(coordinator, community, volunteer, days=days)


@pytest.mark.parametrize("query, key", [(MY_OFFERS, "myOffers"),
                                        (MY_COMMITMENTS, "myCommitments")])
def test_query_counts_do_not_grow_with_the_rows(coordinator, community, haircut_volunteer,
                                                volunteer_user, query, key):
    gql(query, user=volunteer_user)  # warm up: the token is created once
    counts = {}
    for n, add in ((1, 1), (20, 19)):
        _rows(coordinator, community, haircut_volunteer, add)
        with assert_query_count(key) as ctx:
            result = gql(query, user=volunteer_user)
        assert result.errors is None, result.errors
        assert len(result.data[key]) == n
        counts[n] = len(ctx.captured_queries)
    assert counts[1] == counts[20], counts


def test_shift_sign_up_cancel_through_graphql(volunteer_user, haircut_volunteer, resident,
                                              other_coordinator):
    signup = services.shift_sign_up(actor=volunteer_user, shift=ShiftFactory())
    variables = {"id": to_global_id("ShiftSignUp", signup.pk)}
    assert gql(CANCEL, variables, user=resident).error_codes == ["PERMISSION_DENIED"]
    assert gql(CANCEL, variables, user=other_coordinator).error_codes == ["PERMISSION_DENIED"]
    assert ShiftSignUp.objects.get().status == SignUpStatus.SIGNED_UP
    done = gql(CANCEL, variables, user=volunteer_user).data["shiftSignUpCancel"]
    assert done["errors"] == [] and done["signUp"]["status"] == "CANCELLED"
    again = gql(CANCEL, variables, user=volunteer_user).data["shiftSignUpCancel"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_CANCELLED"]
    signup.shift.refresh_from_db()
    assert signup.shift.taken == 0


def test_hours_over_the_commitment_plus_30_minutes_through_graphql(volunteer_user,
                                                                   haircut_volunteer):
    start = timezone.now() - timedelta(days=1)
    done = commitment(haircut_volunteer, start, start + timedelta(hours=1))
    variables = {"id": to_global_id("Commitment", done.pk), "hours": 1.75}
    errors = gql(LOG, variables, user=volunteer_user).data["serviceHoursLog"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("hours",
                                                          "HOURS_EXCEED_COMMITMENT")]
    ok = gql(LOG, {**variables, "hours": 1.5}, user=volunteer_user).data["serviceHoursLog"]
    assert ok["errors"] == [] and ok["entry"]["status"] == "PENDING"


def test_offer_status_filter_values(coordinator, community, haircut_volunteer, volunteer_user):
    _offer(coordinator, community, haircut_volunteer)
    for status in OfferStatus.values:
        result = gql(MY_OFFERS, {"status": status}, user=volunteer_user)
        assert result.errors is None
        assert len(result.data["myOffers"]) == (1 if status == "OFFERED" else 0)


def test_the_calendar_feed_shows_the_address_only_once_accepted(
        coordinator, community, haircut_volunteer, volunteer_user):
    offer = _offer(coordinator, community, haircut_volunteer)
    declined = _offer(coordinator, community, haircut_volunteer, days=9)
    services.offer_respond(actor=volunteer_user, offer=declined, accept=False)

    def locations():
        return {item.uid: item.location
                for item in selectors.calendar_items_for_user(volunteer_user)}

    held = locations()
    assert held[f"commitment-{offer.commitment_id}@linli"] == \
        f"{community.street.name}{community.name}"
    assert ADDRESS not in str(held)
    services.offer_respond(actor=volunteer_user, offer=offer, accept=True)
    assert ADDRESS in locations()[f"commitment-{offer.commitment_id}@linli"]
    assert ADDRESS not in locations()[f"commitment-{declined.commitment_id}@linli"]
