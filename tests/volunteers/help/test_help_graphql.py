"""The help-request mutations and myHelpRequests through the real GraphQL endpoint: typed
errors in the payload, refusals as PERMISSION_DENIED, and a query count that does not grow
with the rows."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from graphql_relay import to_global_id
from PIL import Image

from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count
from volunteers import services
from volunteers.models import ServiceRequest

pytestmark = pytest.mark.django_db

CREATE = """mutation($d: String!, $date: Date!, $p: PartOfDay!, $u: ID, $k: String,
  $photos: [ID!], $c: String) {
  helpRequestCreate(description: $d, preferredDate: $date, partOfDay: $p, userId: $u,
                    idempotencyKey: $k, photoIds: $photos, consentVersion: $c) {
    serviceRequest { id status isHelpRequest address description visitCode skill { code } }
    errors { field code message } } }"""
TRIAGE = """mutation($id: ID!, $s: String!, $at: DateTime!) {
  helpRequestTriage(serviceRequestId: $id, skill: $s, startsAt: $at, durationMinutes: 60) {
    serviceRequest { id status skill { code } } errors { code message } } }"""
DECLINE = """mutation($id: ID!) { helpRequestDecline(serviceRequestId: $id, reason: "暂无") {
    serviceRequest { status declineReason } errors { code } } }"""
RATE = """mutation($id: ID!, $r: Int!) { helpRequestRate(serviceRequestId: $id, rating: $r,
  comment: "谢谢") { serviceRequest { rating ratingComment } errors { code } } }"""
MINE = """{ myHelpRequests { id status description address preferredDate partOfDay visitCode
  requesterName volunteerName createdAt photos { id url } timeline { kind at note }
  rating skill { name } community { name } offers { status } } }"""


def _vars(**extra):
    return {"d": "想理发，行动不便", "date": str(timezone.localdate() + timedelta(days=2)),
            "p": "AFTERNOON", **extra}


def test_create_for_herself_and_idempotent(consenting):
    first = gql(CREATE, _vars(k="same"), user=consenting).data["helpRequestCreate"]
    assert first["errors"] == []
    request = first["serviceRequest"]
    assert request["status"] == "REQUESTED" and request["isHelpRequest"]
    assert request["address"] == consenting.address and request["skill"] is None
    again = gql(CREATE, _vars(k="same"), user=consenting).data["helpRequestCreate"]
    assert again["serviceRequest"]["id"] == request["id"]
    assert ServiceRequest.objects.count() == 1


def test_create_errors_are_typed(consenting):
    consenting.consent_version = ""
    consenting.save()
    result = gql(CREATE, _vars(), user=consenting).data["helpRequestCreate"]
    assert [e["code"] for e in result["errors"]] == ["CONSENT_REQUIRED"]
    assert result["serviceRequest"] is None
    bad_photo = gql(CREATE, _vars(photos=["nonsense"], c="2026-11"),
                    user=consenting).data["helpRequestCreate"]
    assert [e["code"] for e in bad_photo["errors"]] == ["NOT_FOUND"]
    assert not ServiceRequest.objects.exists()


def test_on_behalf_refusals_reveal_nothing(consenting, other_coordinator, volunteer_user,
                                           community_staff):
    known = to_global_id("User", consenting.pk)
    unknown = to_global_id("User", 999999)
    for user in (other_coordinator,):
        answers = [gql(CREATE, _vars(u=uid), user=user).data["helpRequestCreate"]["errors"]
                   for uid in (known, unknown)]
        assert answers[0] == answers[1] and answers[0][0]["code"] == "OUTSIDE_YOUR_UNIT"
    for uid in (known, unknown):
        assert gql(CREATE, _vars(u=uid), user=volunteer_user).error_codes == [
            "PERMISSION_DENIED"]
    ok = gql(CREATE, _vars(u=known), user=community_staff).data["helpRequestCreate"]
    assert ok["errors"] == [] and ServiceRequest.objects.get().requester == consenting


def test_triage_decline_rate_through_graphql(ask, community_staff, consenting, job_start,
                                             resident, other_coordinator):
    request = ask()
    rid = to_global_id("ServiceRequest", request.pk)
    variables = {"id": rid, "s": "haircut", "at": job_start.isoformat()}
    assert gql(TRIAGE, variables, user=other_coordinator).error_codes == ["PERMISSION_DENIED"]
    nobody = gql(TRIAGE, variables, user=community_staff).data["helpRequestTriage"]
    assert [e["code"] for e in nobody["errors"]] == ["NO_CANDIDATE"]
    assert nobody["serviceRequest"] is None
    request.refresh_from_db()
    assert request.status == "REQUESTED" and request.skill is None
    assert gql(DECLINE, {"id": rid}, user=consenting).error_codes == ["PERMISSION_DENIED"]
    declined = gql(DECLINE, {"id": rid}, user=community_staff).data["helpRequestDecline"]
    assert declined["serviceRequest"] == {"status": "DECLINED", "declineReason": "暂无"}
    rate = gql(RATE, {"id": rid, "r": 5}, user=consenting).data["helpRequestRate"]
    assert [e["code"] for e in rate["errors"]] == ["INVALID_STATE"]


def test_rate_through_graphql(accepted, community_staff, consenting):
    services.service_request_complete(actor=community_staff, service_request=accepted)
    rid = to_global_id("ServiceRequest", accepted.pk)
    rate = gql(RATE, {"id": rid, "r": 4}, user=consenting).data["helpRequestRate"]
    assert rate == {"serviceRequest": {"rating": 4, "ratingComment": "谢谢"}, "errors": []}
    again = gql(RATE, {"id": rid, "r": 4}, user=consenting).data["helpRequestRate"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_RATED"]


def test_my_help_requests_query_count_does_not_grow(consenting, ask, community_staff,
                                                    accepted):
    gql(MINE, user=consenting)  # warm up the token
    counts = {}
    for n, add in ((1, 0), (3, 2)):
        for _ in range(add):
            photo = services.help_photo_store(uploader=consenting, data=_jpeg())
            ask(photo_ids=[photo.pk])
        with assert_query_count("myHelpRequests") as ctx:
            result = gql(MINE, user=consenting)
        assert result.errors is None, result.errors
        assert len(result.data["myHelpRequests"]) == n
        counts[n] = len(ctx.captured_queries)
    assert counts[1] == counts[3]
    newest, *_rest, oldest = result.data["myHelpRequests"]
    assert len(newest["photos"]) == 1 and oldest["volunteerName"].count("*") >= 1
    assert [e["kind"] for e in oldest["timeline"]] == ["RECEIVED", "TRIAGED", "ACCEPTED"]


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG")
    return out.getvalue()
