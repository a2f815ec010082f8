"""Free text that may hold a phone number (a job's note and address) is encrypted at rest
and shown masked to everyone but its writer and the unit's coordinators (issue #13)."""

import pytest
from graphql_relay import to_global_id

from backend.core.masking import mask_personal_data_in_text
from tests.helpers.graphql import gql
from volunteers import services
from volunteers.models import Offer, OfferStatus

pytestmark = pytest.mark.django_db

NOTE = "老人听力不好，请先打她女儿电话 13812345678 再上门"
ADDRESS = "金口路3号2单元 联系13900001111"
QUERY = "query($id: ID!) { serviceRequest(id: $id) { note address } }"


def test_mask_helper():
    assert mask_personal_data_in_text(NOTE) == "老人听力不好，请先打她女儿电话 138****5678 再上门"
    assert mask_personal_data_in_text("身份证11010519491231002X") == "身份证110*************2X"
    assert mask_personal_data_in_text("") == ""


def test_the_volunteer_sees_phones_masked_the_coordinators_see_them(
        coordinator, community, job_start, make_volunteer, district_admin, other_coordinator):
    make_volunteer(level=3)
    request = services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=job_start, duration_minutes=60,
                                       community=community, address=ADDRESS, note=NOTE)
    offer = Offer.objects.get(request=request, status=OfferStatus.OFFERED)
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
    variables = {"id": to_global_id("ServiceRequest", request.pk)}

    seen = gql(QUERY, variables, user=offer.volunteer.user).data["serviceRequest"]
    assert seen == {"note": "老人听力不好，请先打她女儿电话 138****5678 再上门",
                    "address": "金口路3号2单元 联系139****1111"}
    for reader in (coordinator, district_admin):  # the writer, a coordinator of the unit
        assert gql(QUERY, variables, user=reader).data["serviceRequest"] == {
            "note": NOTE, "address": ADDRESS}
    assert gql(QUERY, variables, user=other_coordinator).data["serviceRequest"] is None
