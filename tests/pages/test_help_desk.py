"""The desk's help queue and triage (/desk/help/), and what the volunteer's offer page shows
for a help request: the queue oldest first with waiting time, only the communities one
works; dispatch to the best candidate or a chosen volunteer through the triage service; no
candidate changes nothing and says why; decline with a reason; merge a duplicate; mark done.
The offer: visit code and what she wrote only once accepted, her phone only in the window."""

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.models import AuditLog
from backend.notifications.models import Notification, NotificationKind
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.helpers.help_front import accept, ask, day_at, dispatch, ready_resident, ready_volunteer
from tests.helpers.queries import query_count
from volunteers.models import Offer, OfferStatus, ServiceRequest, ServiceRequestStatus

pytestmark = pytest.mark.django_db


def desk(request, suffix=""):
    return f"/desk/help/{to_global_id('ServiceRequest', request.pk)}/{suffix}"


@pytest.fixture
def her(community):
    return ready_resident(community, display_name="林新芳")


@pytest.fixture
def staff(community):
    return user_with_role(Role.COMMUNITY_STAFF, community=community, display_name="陈社工")


@pytest.fixture
def volunteer(community):
    return ready_volunteer(community)


def plan(days=2, hour="15:00", **values):
    day = (timezone.localdate() + timedelta(days=days)).isoformat()
    return {"action": "dispatch", "skill": "haircut", "date": day, "time": hour,
            "duration_minutes": "60", "volunteer": "", **values}


# --- The queue --------------------------------------------------------------------------------
def test_the_queue_lists_requested_help_oldest_first_with_waiting_time(client_for, her, staff,
                                                                      community):
    first = ask(her, description="想理发")
    second = ask(ready_resident(community, display_name="王大爷"), skill_code=None,
                 description="换灯泡")
    ServiceRequest.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=3))
    html = client_for(staff).get("/desk/help/").content.decode()
    assert html.index(desk(first)) < html.index(desk(second))
    assert "已等 3 小时" in html and "林新芳" in html and "换灯泡" in html


def test_the_queue_of_another_community_is_not_hers(client_for, her):
    other = user_with_role(Role.COMMUNITY_STAFF, community=CommunityFactory(name="湛山社区"))
    request = ask(her)
    client = client_for(other)
    assert desk(request) not in client.get("/desk/help/").content.decode()
    assert client.get(desk(request)).status_code == 404
    assert client.post(desk(request), plan()).status_code == 404
    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.REQUESTED


def test_a_resident_cannot_use_the_desk(client_for, her):
    request = ask(her)
    assert client_for(her).get("/desk/help/").status_code == 403
    assert client_for(her).post(desk(request), plan()).status_code == 403


def test_the_desk_home_and_the_board_link_to_the_queue(client_for, staff, coordinator):
    assert "/desk/help/" in client_for(staff).get("/desk/").content.decode()
    board = client_for(coordinator).get("/admin/volunteers/servicerequest/board/")
    assert "/desk/help/" in board.content.decode()


# --- Triage -----------------------------------------------------------------------------------
def test_the_request_page_offers_the_candidates_for_her_time(client_for, her, staff, volunteer):
    request = ask(her)
    html = client_for(staff).get(desk(request)).content.decode()
    assert "想理发，行动不便" in html and "派单" in html
    assert "李秀兰" in html  # the candidate at the start of the afternoon she asked for


def test_dispatch_to_the_best_candidate_offers_it(client_for, her, staff, volunteer):
    request = ask(her)
    response = client_for(staff).post(desk(request), plan())
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.OFFERED
    offer = Offer.objects.get(request=request)
    assert offer.volunteer == volunteer and offer.status == OfferStatus.OFFERED
    assert request.starts_at == day_at(2, 15)
    assert Notification.objects.filter(user=volunteer.user,
                                       kind=NotificationKind.JOB_OFFERED).count() == 1


def test_dispatch_to_a_chosen_volunteer(client_for, her, staff, volunteer, community):
    second = ready_volunteer(community, name="周师傅")
    request = ask(her)
    client_for(staff).post(desk(request), plan(volunteer=str(second.pk)))
    assert Offer.objects.get(request=request).volunteer == second


def test_no_candidate_changes_nothing_and_says_why(client_for, her, staff):
    request = ask(her)  # nobody in the street can cut hair
    response = client_for(staff).post(desk(request), plan())
    assert response.status_code == 400
    assert "没有符合条件的志愿者" in response.content.decode()
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.REQUESTED
    assert not Offer.objects.exists()


def test_decline_with_a_reason_she_is_told(client_for, her, staff):
    request = ask(her)
    client = client_for(staff)
    assert client.post(desk(request), {"action": "decline", "reason": ""}).status_code == 400
    client.post(desk(request), {"action": "decline", "reason": "这项服务需要找物业，电话 8888"})
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.DECLINED
    assert Notification.objects.filter(user=her, kind=NotificationKind.HELP_DECLINED).exists()
    html = client_for(her).get(f"/help/{to_global_id('ServiceRequest', request.pk)}/").content
    assert "找物业" in html.decode()


def test_merge_a_duplicate_into_her_other_request(client_for, her, staff):
    first = ask(her)
    duplicate = ask(her, days=3)
    client_for(staff).post(desk(duplicate), {"action": "merge", "into": str(first.pk)})
    duplicate.refresh_from_db()
    assert duplicate.status == ServiceRequestStatus.CANCELLED
    assert duplicate.merged_into_id == first.pk


def test_staff_mark_an_accepted_visit_done(client_for, her, staff, volunteer):
    request = ask(her)
    dispatch(request, staff)
    accept(request)
    client_for(staff).post(desk(request), {"action": "complete"})
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.COMPLETED


# --- The volunteer's offer page --------------------------------------------------------------
def offer_url(offer, suffix=""):
    return f"/volunteer/offers/{to_global_id('Offer', offer.pk)}/{suffix}"


def test_the_offer_shows_her_words_and_the_visit_code_only_once_accepted(client_for, her, staff,
                                                                         volunteer):
    request = ask(her, description="想理发，腿脚不便")
    dispatch(request, staff)
    offer = Offer.objects.get(request=request)
    client = client_for(volunteer.user)
    before = client.get(offer_url(offer)).content.decode()
    assert "林*芳" in before
    assert "腿脚不便" not in before and 'data-testid="visit-code"' not in before
    client.post(offer_url(offer))
    request.refresh_from_db()
    after = client.get(offer_url(offer)).content.decode()
    assert "腿脚不便" in after and request.visit_code in after
    assert her.phone not in after


def test_her_phone_only_from_two_hours_before_the_visit_and_audited(client_for, her, staff,
                                                                    volunteer):
    request = ask(her)
    dispatch(request, staff)
    accept(request)
    offer = Offer.objects.get(request=request, status=OfferStatus.ACCEPTED)
    client = client_for(volunteer.user)
    early = client.post(offer_url(offer, "phone/"))
    assert early.status_code == 302
    assert not AuditLog.objects.filter(action="help.phone_reveal").exists()
    soon = timezone.now() + timedelta(minutes=90)
    ServiceRequest.objects.filter(pk=request.pk).update(starts_at=soon,
                                                        ends_at=soon + timedelta(hours=1))
    assert "查看居民电话" in client.get(offer_url(offer)).content.decode()
    shown = client.post(offer_url(offer, "phone/"))
    assert shown.status_code == 200 and her.phone in shown.content.decode()
    assert AuditLog.objects.filter(action="help.phone_reveal").count() == 1


# --- Cost: the lists run the same queries for 1 row as for many ---------------------------------
def test_the_queue_and_her_list_cost_the_same_at_one_row_and_at_many(client_for, her, staff,
                                                                     community):
    ask(her)
    desk_client, her_client = client_for(staff), client_for(her)
    one = (query_count(lambda: desk_client.get("/desk/help/")),
           query_count(lambda: her_client.get("/help/")))
    for n in range(4):
        neighbour = ready_resident(community, display_name=f"邻居{n}")
        ask(neighbour, skill_code=None, description=f"换灯泡{n}")
    ask(her, days=3)
    many = (query_count(lambda: desk_client.get("/desk/help/")),
            query_count(lambda: her_client.get("/help/")))
    assert one == many
