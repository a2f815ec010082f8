"""Who sees a help request, its address and its photo (issue 15, "Done means"): the
resident, her community's staff, the unit's coordinators and the accepted volunteer do;
another resident, another community's staff and a volunteer not dispatched do not —
through GraphQL and GET /api/uploads/<id> alike."""

from io import BytesIO

import pytest
from django.test import Client
from graphql_relay import to_global_id
from PIL import Image

from backend.accounts.models import Role
from tests.factories.accounts import user_with_role
from tests.helpers.graphql import gql, token_for
from volunteers import services

pytestmark = pytest.mark.django_db

QUERY = """query($id: ID!) { serviceRequest(id: $id) {
  id status isHelpRequest address description visitCode requesterName
  photos { id url } timeline { kind note }
} }"""


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def with_photo(consenting, ask, community_staff, job_start, haircut_volunteer):
    photo = services.help_photo_store(uploader=consenting, data=_jpeg())
    request = ask(photo_ids=[photo.pk])
    services.help_request_triage(actor=community_staff, service_request=request,
                                 skill_code="haircut", starts_at=job_start,
                                 duration_minutes=60)
    return request, photo


def _accept(request):
    offer = request.offers.get(status="OFFERED")
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)


def _photo_status(user, photo) -> int:
    client = Client(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client.get(f"/api/uploads/{to_global_id('HelpPhoto', photo.pk)}").status_code


@pytest.fixture
def outsiders(community, other_community, make_volunteer):
    return {
        "another resident": user_with_role(Role.RESIDENT, community=community),
        "another community's staff": user_with_role(Role.COMMUNITY_STAFF,
                                                    community=other_community),
        "a volunteer not dispatched": make_volunteer().user,
    }


def test_outsiders_see_nothing(with_photo, outsiders):
    request, photo = with_photo
    _accept(request)
    for name, user in outsiders.items():
        result = gql(QUERY, {"id": to_global_id("ServiceRequest", request.pk)}, user=user)
        assert result.errors is None and result.data["serviceRequest"] is None, name
        assert _photo_status(user, photo) == 404, name
        mine = gql("{ myHelpRequests { id } }", user=user)
        assert mine.data["myHelpRequests"] == [], name


def test_insiders_see_address_photo_and_code(with_photo, consenting, community_staff,
                                             coordinator, haircut_volunteer):
    request, photo = with_photo
    _accept(request)
    for name, user in {"resident": consenting, "staff": community_staff,
                       "coordinator": coordinator,
                       "accepted volunteer": haircut_volunteer.user}.items():
        data = gql(QUERY, {"id": to_global_id("ServiceRequest", request.pk)},
                   user=user).data["serviceRequest"]
        assert data["address"] == consenting.address, name
        assert data["visitCode"] == request.visit_code, name
        assert [p["id"] for p in data["photos"]] == [to_global_id("HelpPhoto", photo.pk)]
        assert _photo_status(user, photo) == 200, name


def test_offered_volunteer_sees_the_job_but_not_her_details(with_photo, haircut_volunteer,
                                                           consenting):
    request, photo = with_photo
    data = gql(QUERY, {"id": to_global_id("ServiceRequest", request.pk)},
               user=haircut_volunteer.user).data["serviceRequest"]
    assert data["status"] == "OFFERED"
    assert data["address"] == "" and data["description"] == "" and data["visitCode"] is None
    assert data["photos"] == [] and data["requesterName"] != str(consenting)
    assert _photo_status(haircut_volunteer.user, photo) == 404


def test_anonymous_cannot_fetch_a_photo(with_photo):
    _request, photo = with_photo
    response = Client().get(f"/api/uploads/{to_global_id('HelpPhoto', photo.pk)}")
    assert response.status_code in (401, 403)


def test_my_help_requests_with_timeline(with_photo, consenting):
    request, _photo = with_photo
    result = gql("{ myHelpRequests { id status timeline { kind } preferredDate partOfDay } }",
                 user=consenting)
    [mine] = result.data["myHelpRequests"]
    assert mine["id"] == to_global_id("ServiceRequest", request.pk)
    assert [e["kind"] for e in mine["timeline"]] == ["RECEIVED", "TRIAGED"]
    assert mine["partOfDay"] == "AFTERNOON"
