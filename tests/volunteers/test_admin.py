"""Admin: roster scoped to the unit, CSV import all-or-nothing, audited export, hours queue."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from backend.accounts.models import User
from backend.core.models import AuditLog
from tests.factories.accounts import CommunityFactory
from tests.factories.volunteers import commitment
from tests.helpers.queries import count_queries
from volunteers import report_selectors, services
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

HEADER = "username,display_name,phone,community,skills,status\n"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_import_is_all_or_nothing_with_a_report(coordinator, community):
    content = (HEADER + "wang01,王大爷,13900000001,金口路社区,haircut:2;plumbing:1,ACTIVE\n"
               "li02,李阿姨,123,金口路社区,haircut,ACTIVE\n"
               "zhao03,赵师傅,,不存在社区,,ACTIVE\n"
               "sun04,孙师傅,,金口路社区,flying:1,\n")
    report = services.volunteers_import_csv(actor=coordinator, content=content)
    assert report["created"] == 0
    assert [line for line, _msg in report["rejected"]] == [3, 4, 5]
    assert not User.objects.filter(username="wang01").exists()
    good = HEADER + "wang01,王大爷,13900000001,金口路社区,haircut:2;plumbing:1,\n"
    assert services.volunteers_import_csv(actor=coordinator, content=good)["created"] == 1
    volunteer = Volunteer.objects.get(user__username="wang01")
    assert sorted(s.skill.code for s in volunteer.skills.all()) == ["haircut", "plumbing"]


def test_import_refuses_other_units(other_coordinator, community):
    report = services.volunteers_import_csv(
        actor=other_coordinator, content=HEADER + "wang01,王大爷,,金口路社区,,\n")
    assert report["created"] == 0 and report["rejected"][0][0] == 2


def test_import_through_the_admin_page(coordinator, community):
    client = _client(coordinator)
    assert client.get("/admin/volunteers/volunteer/import/").status_code == 200
    upload = SimpleUploadedFile("v.csv", (HEADER + "wang01,王大爷,,金口路社区,,\n").encode())
    response = client.post("/admin/volunteers/volunteer/import/", {"file": upload})
    assert response.status_code == 302
    assert Volunteer.objects.filter(user__username="wang01").exists()


def test_roster_is_scoped_and_export_is_audited(coordinator, community, make_volunteer):
    mine = make_volunteer()
    make_volunteer(community_=CommunityFactory())
    client = _client(coordinator)
    page = client.get("/admin/volunteers/volunteer/?credential=expired")
    assert page.status_code == 200
    page = client.get("/admin/volunteers/volunteer/")
    assert page.context["cl"].result_count == 1
    response = client.post("/admin/volunteers/volunteer/", {
        "action": "export_csv", "_selected_action": [v.pk for v in Volunteer.objects.all()]})
    body = response.content.decode()
    assert mine.user.phone not in body and mine.user.phone_masked in body
    assert AuditLog.objects.filter(action="volunteer.export", actor=coordinator).exists()


def test_hours_queue_lists_pending_entries(coordinator, volunteer_user, haircut_volunteer):
    start = timezone.now() - timedelta(days=1)
    done = commitment(haircut_volunteer, start, start + timedelta(hours=1),
                      status="COMPLETED")
    services.service_hours_log(actor=volunteer_user, commitment=done, hours=1)
    page = _client(coordinator).get("/admin/volunteers/servicehours/")
    assert page.status_code == 200 and page.context["cl"].result_count == 1


@pytest.mark.parametrize("rows", [1, 50])
def test_export_rows_cost_three_queries_at_any_size(make_volunteer, rows):
    for _ in range(rows):
        make_volunteer()
    with count_queries() as ctx:
        exported = list(report_selectors.volunteers_export_rows(Volunteer.objects.all()))
    assert len(exported) == rows
    assert all(len(row) == len(report_selectors.VOLUNTEERS_EXPORT_COLUMNS) for row in exported)
    # the volunteers, their skill levels, the skills
    assert len(ctx.captured_queries) == 3
