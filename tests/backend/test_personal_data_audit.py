"""Every read of an unmasked phone is audited: who, when, whose, why — once per request
per person, in one INSERT (issue #13, build item 5); the admin shows it per person."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.core.audit import READ_ACTION, personal_data_read
from backend.core.models import AuditLog
from tests.factories.volunteers import VolunteerFactory

VOLUNTEERS = """query { volunteers(first: 10) { edges { node {
  phone again: phone phoneMasked } } } }"""


def reads(**filters):
    return list(AuditLog.objects.filter(action=READ_ACTION, **filters).order_by("object_id"))


@pytest.mark.django_db
def test_a_coordinator_reading_phones_is_audited_once_per_person(gql, coordinator, community):
    volunteers = [VolunteerFactory(community=community) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        result = gql(VOLUNTEERS, user=coordinator)
    assert result.errors is None
    phones = {e["node"]["phone"] for e in result.data["volunteers"]["edges"]}
    assert phones == {v.user.phone for v in volunteers}
    entries = reads(actor=coordinator)
    # Two selections of the same phone in one request: one entry per person.
    assert sorted(e.object_id for e in entries) == sorted(str(v.user.pk) for v in volunteers)
    assert {e.object_type for e in entries} == {"accounts.user"}
    assert all(e.detail == {"what": "phone", "why": "graphql:Volunteer.phone"} for e in entries)
    inserts = [q for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and "core_auditlog" in q["sql"]]
    assert len(inserts) == 1  # written together, not one per row
    # Entries hold no phone number.
    assert not any(v.user.phone in str(e.detail) for e in entries for v in volunteers)


@pytest.mark.django_db
def test_masked_and_own_reads_are_not_audited(gql, resident, volunteer_user, community):
    VolunteerFactory(community=community)
    result = gql(VOLUNTEERS, user=resident)  # a resident sees no unmasked phones
    assert result.errors is None or result.error_codes
    assert reads() == []
    me = gql("query { me { phone } }", user=volunteer_user)
    assert me.data["me"]["phone"] == volunteer_user.phone
    assert reads() == []


@pytest.mark.django_db
def test_outside_a_request_each_read_is_written_at_once(coordinator, resident):
    personal_data_read(actor=coordinator, subject=resident, what="phone", why="test")
    assert [(e.actor_id, e.object_id) for e in reads()] == [(coordinator.pk, str(resident.pk))]


@pytest.mark.django_db
def test_desk_roster_and_csv_export_audit_the_phones_they_show(client, coordinator, community):
    volunteer = VolunteerFactory(community=community)
    client.force_login(coordinator)
    response = client.get("/desk/roster/")
    assert response.status_code == 200 and volunteer.user.phone in response.content.decode()
    assert [e.detail["why"] for e in reads(object_id=str(volunteer.user.pk))] == ["desk:roster"]


@pytest.mark.django_db
def test_admin_user_page_audits_and_the_log_filters_by_person(client, district_admin,
                                                             resident, coordinator):
    district_admin.is_superuser = True  # the user admin is for superusers
    district_admin.save(update_fields=["is_superuser"])
    client.force_login(district_admin)
    page = client.get(f"/admin/accounts/user/{resident.pk}/change/")
    assert page.status_code == 200 and resident.phone in page.content.decode()
    assert [e.detail["why"] for e in reads(object_id=str(resident.pk))] == ["admin:user_change"]
    personal_data_read(actor=district_admin, subject=coordinator, what="phone", why="test")

    listing = client.get("/admin/core/auditlog/", {"person": resident.pk})
    assert listing.status_code == 200
    shown = listing.context["cl"].result_list
    assert [e.object_id for e in shown] == [str(resident.pk)]
    # Read-only: the change page of an entry offers no save.
    entry = shown[0]
    detail = client.post(f"/admin/core/auditlog/{entry.pk}/change/", {"action": "x"})
    assert detail.status_code == 403
