"""The dispatch board (admin): who may open it, what each coordinator sees, creating and
acting from it, the candidates endpoint, the self-refresh partial, CSV exports, and its
query count (constant at 1 and 30 jobs)."""

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from backend.core.models import AuditLog
from tests.factories.accounts import UserFactory
from tests.helpers.queries import assert_query_count
from volunteers import services
from volunteers.models import (
    Commitment,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    ServiceRequestStatus,
    Skill,
)

pytestmark = pytest.mark.django_db
BOARD = "/admin/volunteers/servicerequest/board/"
S = ServiceRequestStatus


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def soon():
    """A start later today or tomorrow morning, local: inside the 7-day window."""
    return timezone.now() + timedelta(hours=3)


@pytest.fixture
def job(coordinator, community, make_volunteer, soon):
    make_volunteer(level=3)
    make_volunteer(level=1)
    return services.dispatch_create(actor=coordinator, skill_code="haircut", starts_at=soon,
                                    duration_minutes=60, community=community,
                                    address="金口一路1号")


@pytest.mark.parametrize("who, status", [
    ("anonymous", 302), ("resident", 302), ("volunteer", 302), ("community_staff", 302),
    ("other_coordinator", 200), ("coordinator", 200), ("district_admin", 200),
])
def test_board_access_per_role(role_users, job, who, status):
    response = _client(role_users[who]).get(BOARD)
    assert response.status_code == status
    if status == 302:
        assert "/admin/login/" in response["Location"]
        return
    html = response.content.decode()
    for title in ("待处理", "已派单", "已接单", "已完成", "已上报"):
        assert title in html
    shows_job = f'id="job-{job.pk}"' in html
    assert shows_job == (who != "other_coordinator")


def test_staff_without_a_coordinator_role_is_refused(community):
    clerk = UserFactory(community=community, is_staff=True)
    assert _client(clerk).get(BOARD).status_code == 403


def test_board_columns_timeline_and_closed_filter(coordinator, job):
    client = _client(coordinator)
    offer = Offer.objects.get(request=job)
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=False,
                           reason="身体不适")
    html = client.get(BOARD + "columns/").content.decode()
    assert f'id="job-{job.pk}"' in html
    assert "拒绝（身体不适）" in html and "等待答复" in html
    services.service_request_cancel(actor=coordinator, service_request=job, reason="不需要了")
    assert f'id="job-{job.pk}"' not in client.get(BOARD + "columns/").content.decode()
    closed = client.get(BOARD + "columns/?closed=1").content.decode()
    assert f'id="job-{job.pk}"' in closed and "已撤回（不需要了）" in closed


def test_an_untriaged_help_request_says_what_it_is_and_where_to_arrange_it(coordinator,
                                                                          resident):
    resident.address = "金口一路2号"
    resident.save()
    request = services.help_request_create(
        actor=resident, description="想理发", consent_version=settings.PRIVACY_NOTICE_VERSION,
        preferred_date=timezone.localdate() + timedelta(days=2), part_of_day="MORNING")
    html = _client(coordinator).get(BOARD + "columns/").content.decode()
    card = html[html.index(f'id="job-{request.pk}"'):]
    card = card[:card.index("</article>")]
    assert "居民求助（待分诊）" in card and "希望" in card and "上午" in card
    assert 'href="/desk/help/"' in card and "09:00" not in card


def test_in_progress_label_after_the_start(coordinator, job):
    offer = Offer.objects.get(request=job, status=OfferStatus.OFFERED)
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
    client = _client(coordinator)
    assert "进行中" not in client.get(BOARD + "columns/").content.decode()
    ServiceRequest.objects.filter(pk=job.pk).update(starts_at=timezone.now() - timedelta(
        minutes=5))
    assert "进行中" in client.get(BOARD + "columns/").content.decode()


def test_candidates_endpoint_ranks_with_reasons(coordinator, other_coordinator, community,
                                                make_volunteer, soon):
    best = make_volunteer(level=3)
    make_volunteer(level=1)
    params = {"skill": "haircut", "starts_at": timezone.localtime(soon).strftime(
        "%Y-%m-%dT%H:%M"), "duration": 60, "community": community.pk}
    data = _client(coordinator).get(BOARD + "candidates/", params).json()
    assert data["candidates"][0]["id"] == best.pk
    assert len(data["candidates"]) == 2
    assert "同社区" in data["candidates"][0]["reasons"]
    assert "技能等级3级" in data["candidates"][0]["reasons"]
    refused = _client(other_coordinator).get(BOARD + "candidates/", params)
    assert refused.status_code == 403


def test_candidates_for_a_job_leave_out_those_already_asked(coordinator, job):
    asked = Offer.objects.get(request=job).volunteer_id
    data = _client(coordinator).get(BOARD + "candidates/", {"request": job.pk}).json()
    assert asked not in [c["id"] for c in data["candidates"]]
    assert len(data["candidates"]) == 1


def test_create_from_the_board(coordinator, other_coordinator, community, make_volunteer, soon):
    volunteer = make_volunteer()
    form = {"skill": "haircut", "starts_at": timezone.localtime(soon).strftime("%Y-%m-%dT%H:%M"),
            "duration": "45", "community": str(community.pk), "address": "金口二路2号",
            "note": "", "offer_minutes": "15", "idempotency_key": "k1", "return_query": ""}
    refused = _client(other_coordinator).post(BOARD + "create/", form)
    assert refused.status_code == 302 and not ServiceRequest.objects.exists()
    response = _client(coordinator).post(BOARD + "create/", {**form, "volunteer_id": str(
        volunteer.pk)})
    assert response.status_code == 302 and response["Location"].endswith(BOARD)
    request = ServiceRequest.objects.get()
    assert request.status == S.OFFERED and request.requested_volunteer == volunteer
    offer = Offer.objects.get(request=request)
    assert timedelta(minutes=14) < offer.expires_at - timezone.now() <= timedelta(minutes=15)
    _client(coordinator).post(BOARD + "create/", {**form, "volunteer_id": str(volunteer.pk)})
    assert ServiceRequest.objects.count() == 1  # the same idempotency key


def test_actions_from_the_board(coordinator, other_coordinator, job):
    offer = Offer.objects.get(request=job)
    action = f"{BOARD}{job.pk}/"
    response = _client(other_coordinator).post(action + "reoffer/")
    assert response.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.OFFERED
    client = _client(coordinator)
    client.post(action + "reoffer/", {"reason": ""})
    second = Offer.objects.get(request=job, status=OfferStatus.OFFERED)
    assert second.volunteer_id != offer.volunteer_id
    services.offer_respond(actor=second.volunteer.user, offer=second, accept=True)
    client.post(action + "complete/")
    assert ServiceRequest.objects.get(pk=job.pk).status == S.COMPLETED
    page = client.get(BOARD).content.decode()
    assert "已标记完成" in page
    client.post(action + "cancel/", {"reason": "x"})
    assert ServiceRequest.objects.get(pk=job.pk).status == S.COMPLETED
    assert client.post(action + "delete/").status_code == 403
    assert client.get(action + "cancel/").status_code == 405


def _jobs(community, coordinator, n, start):
    skill = Skill.objects.get(code="haircut")
    for i in range(n):
        ServiceRequest.objects.create(
            skill=skill, starts_at=start + timedelta(minutes=i), community=community,
            ends_at=start + timedelta(minutes=i + 60), created_by=coordinator,
            status=[S.OFFERED, S.ACCEPTED, S.ESCALATED, S.COMPLETED][i % 4])


def test_board_query_count_is_constant(coordinator, community, job, soon):
    client = _client(coordinator)
    client.get(BOARD)  # warm the session and content types
    counts = {}
    for n, more in ((1, 0), (30, 29)):
        _jobs(community, coordinator, more, soon)
        with assert_query_count("volunteers.dispatchBoard") as ctx:
            response = client.get(BOARD)
        assert response.content.decode().count('class="board-card"') == n
        counts[n] = len(ctx.captured_queries)
        with assert_query_count("volunteers.dispatchBoardColumns"):
            client.get(BOARD + "columns/")
    assert counts[1] == counts[30], counts


# --- CSV exports -------------------------------------------------------------------------
def _rows(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def hours_entry(coordinator, make_volunteer):
    volunteer = make_volunteer()
    volunteer.user.phone = "13912345678"
    volunteer.user.save(update_fields=["phone"])
    start = timezone.now() - timedelta(days=1)
    commitment = Commitment.objects.create(volunteer=volunteer, starts_at=start,
                                           ends_at=start + timedelta(hours=2), kind="SHIFT",
                                           source_key="t:1", status="COMPLETED")
    return ServiceHours.objects.create(commitment=commitment, volunteer=volunteer, hours=2,
                                       served_on=start, logged_by=volunteer.user)


def test_hours_csv_has_a_bom_full_phones_for_the_unit_and_is_audited(coordinator, hours_entry):
    today = timezone.localdate()
    response = _client(coordinator).get(BOARD + "export/", {
        "kind": "hours", "start": (today - timedelta(days=7)).isoformat(),
        "end": today.isoformat()})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _rows(response)
    assert rows[0][:3] == ["志愿者", "手机号", "社区"]
    assert rows[1][1] == "13912345678" and rows[1][4] == "2.00"
    assert AuditLog.objects.filter(action="service_hours.export",
                                   actor=coordinator).count() == 1


def test_hours_csv_masks_phones_for_an_operator_outside_the_unit(hours_entry, other_coordinator):
    operator = UserFactory(is_staff=True, is_superuser=True)
    today = timezone.localdate()
    params = {"kind": "hours", "start": (today - timedelta(days=7)).isoformat(),
              "end": today.isoformat()}
    rows = _rows(_client(operator).get(BOARD + "export/", params))
    assert rows[1][1] == "139****5678"
    assert len(_rows(_client(other_coordinator).get(BOARD + "export/", params))) == 1


def test_dispatch_csv(coordinator, job):
    offer = Offer.objects.get(request=job)
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=True)
    today = timezone.localdate()
    rows = _rows(_client(coordinator).get(BOARD + "export/", {
        "kind": "dispatches", "start": today.isoformat(),
        "end": (today + timedelta(days=2)).isoformat()}))
    assert rows[0][0] == "编号" and rows[1][0] == str(job.pk)
    assert rows[1][5] == "已接单" and rows[1][6] == str(offer.volunteer)
    assert AuditLog.objects.filter(action="dispatch.export").count() == 1


def test_decline_hours_from_the_review_queue(coordinator, hours_entry):
    client = _client(coordinator)
    url = "/admin/volunteers/servicehours/"
    form = {"action": "decline_hours", "_selected_action": [hours_entry.pk]}
    page = client.post(url, form)
    assert page.status_code == 200 and "确认不通过" in page.content.decode()
    assert ServiceHours.objects.get(pk=hours_entry.pk).status == HoursStatus.PENDING
    client.post(url, {**form, "apply": "1", "reason": "时长与记录不符"})
    entry = ServiceHours.objects.get(pk=hours_entry.pk)
    assert entry.status == HoursStatus.DECLINED and entry.review_reason == "时长与记录不符"
