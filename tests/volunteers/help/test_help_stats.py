"""The console's help-request numbers (issue 15, item 5) against the rows, through `stats`."""

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from tests.factories.accounts import user_with_role
from tests.helpers.graphql import gql
from volunteers import services
from volunteers.models import ServiceRequest

pytestmark = pytest.mark.django_db

QUERY = """query($from: Date!, $to: Date!, $c: ID) { stats(from: $from, to: $to, communityId: $c)
{ helpRequests { total byService { service status count } averageMinutesToDispatch
  averageMinutesToDone ratings { count average low } } } }"""


def test_help_numbers(ask, accepted, community_staff, consenting, community):
    services.service_request_complete(actor=community_staff, service_request=accepted)
    services.help_request_rate(actor=consenting, service_request=accepted, rating=2)
    declined = services.help_request_decline(actor=community_staff, service_request=ask(),
                                             reason="不在服务范围")
    asked = timezone.now() - timedelta(minutes=90)
    ServiceRequest.objects.filter(pk=accepted.pk).update(
        created_at=asked, dispatched_at=asked + timedelta(minutes=30),
        completed_at=asked + timedelta(minutes=80))
    admin = user_with_role(Role.DISTRICT_ADMIN)
    today = timezone.localdate()
    data = gql(QUERY, {"from": str(today - timedelta(days=1)), "to": str(today),
                       "c": to_global_id("Community", community.pk)},
               user=admin).data["stats"]["helpRequests"]
    assert data["total"] == 2
    assert sorted((r["service"], r["status"], r["count"]) for r in data["byService"]) == [
        ("其他", "DECLINED", 1), ("理发", "COMPLETED", 1)]
    assert data["averageMinutesToDispatch"] == 30.0
    assert data["averageMinutesToDone"] == 80.0
    assert data["ratings"] == {"count": 1, "average": 2.0, "low": 1}
    assert declined.status == "DECLINED"
