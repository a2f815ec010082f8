"""The resident's help pages (便民纸条): asking at /help/ (once however often it is sent, with
a photo, consent, the address rule, what to do next when something is missing), her
request's page (who is coming, the visit code, never the volunteer's phone; a rating once),
confirming a WeChat draft in one tap; login and back; nobody else's request."""

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.notifications.models import Notification, NotificationKind
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.helpers.help_front import (
    HOME,
    accept,
    ask,
    dispatch,
    photo_bytes,
    ready_resident,
    ready_volunteer,
)
from volunteers import services as volunteer_services
from volunteers.help import services as help_services
from volunteers.models import HelpDraft, HelpPhoto, ServiceRequest, ServiceRequestStatus

pytestmark = pytest.mark.django_db


def page(request_or_pk, suffix=""):
    pk = getattr(request_or_pk, "pk", request_or_pk)
    return f"/help/{to_global_id('ServiceRequest', pk)}/{suffix}"


def key_of(html):
    return html.split('name="idempotency_key" value="')[1].split('"')[0]


@pytest.fixture
def her(community):
    return ready_resident(community, display_name="林新芳")


@pytest.fixture
def staff(community):
    return user_with_role(Role.COMMUNITY_STAFF, community=community, display_name="陈社工")


@pytest.fixture
def volunteer(community):
    return ready_volunteer(community)


def form(**values):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    return {"skill": "haircut", "description": "想理发，行动不便", "preferred_date": tomorrow,
            "part_of_day": "AFTERNOON", "address_choice": "home", "address": "",
            "idempotency_key": "k-1", **values}


# --- Login and back --------------------------------------------------------------------------
def test_every_help_page_sends_an_anonymous_visitor_through_login_and_back(her):
    request = ask(her)
    draft = help_services.help_draft_create(user=her, text="想理发")
    for url in ("/help/", page(request), f"/help/new/{draft.token}"):
        response = Client().get(url)
        assert response.status_code == 302, url
        target = urlsplit(response["Location"])
        assert target.path == "/login/"
        assert unquote(parse_qs(target.query)["next"][0]) == url  # and back


# --- Asking ------------------------------------------------------------------------------------
def test_the_ask_page_shows_the_emergency_numbers_and_her_registered_address(client_for, her):
    html = client_for(her).get("/help/").content.decode()
    assert "紧急情况请拨打" in html and "120" in html and "110" in html
    assert HOME in html
    assert 'name="consent_version"' not in html  # she consented to the current notice
    assert "提交求助" in html


def test_asking_creates_one_request_and_tells_her(client_for, her):
    client = client_for(her)
    response = client.post("/help/", form())
    request = ServiceRequest.objects.get(requester=her)
    assert response.status_code == 302
    assert response["Location"] == page(request)
    assert request.status == ServiceRequestStatus.REQUESTED
    assert request.skill.code == "haircut" and request.part_of_day == "AFTERNOON"
    assert request.address == HOME
    assert Notification.objects.filter(user=her, kind=NotificationKind.HELP_RECEIVED).count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "求助已提交" in html and "已收到，等社区安排" in html


def test_a_double_submit_with_a_photo_creates_one_request_and_one_photo(client_for, her):
    client = client_for(her)
    key = key_of(client.get("/help/").content.decode())
    answers = []
    for _ in range(2):
        photo = SimpleUploadedFile("tap.jpg", photo_bytes(), content_type="image/jpeg")
        answers.append(client.post("/help/", form(idempotency_key=key, photo=photo)))
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    request = ServiceRequest.objects.get(requester=her)
    assert HelpPhoto.objects.count() == 1
    assert HelpPhoto.objects.get().request_id == request.pk


def test_other_needs_words_and_says_what_to_write(client_for, her):
    response = client_for(her).post("/help/", form(skill="other", description=""))
    assert response.status_code == 400
    assert "请写几句需要帮什么" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_other_in_her_own_words_has_no_skill(client_for, her):
    client_for(her).post("/help/", form(skill="other", description="水龙头坏了，一直滴水"))
    request = ServiceRequest.objects.get()
    assert request.skill_id is None and request.description == "水龙头坏了，一直滴水"


def test_without_consent_the_form_asks_for_it_and_records_it(client_for, community):
    person = user_with_role(Role.RESIDENT, community=community, address=HOME,
                            consent_version="")
    client = client_for(person)
    assert 'name="consent_version"' in client.get("/help/").content.decode()
    refused = client.post("/help/", form())
    assert refused.status_code == 400
    assert "隐私声明" in refused.content.decode()
    assert not ServiceRequest.objects.exists()
    client.post("/help/", form(consent_version=settings.PRIVACY_NOTICE_VERSION))
    person.refresh_from_db()
    assert person.consent_version == settings.PRIVACY_NOTICE_VERSION
    assert ServiceRequest.objects.filter(requester=person).count() == 1


def test_without_a_registered_address_she_is_asked_to_write_one(client_for, community):
    person = ready_resident(community, address="")
    client = client_for(person)
    response = client.post("/help/", form(address_choice="other", address=""))
    assert response.status_code == 400
    assert "请写上门地址" in response.content.decode()
    client.post("/help/", form(address_choice="other", address="金口二路5号"))
    assert ServiceRequest.objects.get(requester=person).address == "金口二路5号"


def test_another_address_is_used_for_this_request_only(client_for, her):
    client_for(her).post("/help/", form(address_choice="other", address="女儿家：漳州二路9号"))
    her.refresh_from_db()
    assert ServiceRequest.objects.get().address == "女儿家：漳州二路9号"
    assert her.address == HOME


def test_a_file_that_is_no_picture_is_refused_beside_the_field(client_for, her):
    bad = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    response = client_for(her).post("/help/", form(photo=bad))
    assert response.status_code == 400
    assert "这张照片打不开" in response.content.decode()
    assert not ServiceRequest.objects.exists() and not HelpPhoto.objects.exists()


def test_with_three_open_requests_the_page_says_so_instead_of_the_form(client_for, her):
    for days in (1, 2, 3):
        ask(her, days=days)
    html = client_for(her).get("/help/").content.decode()
    assert "个求助在办理中" in html
    assert "提交求助" not in html
    assert html.count('data-testid="help-request"') == 3


def test_her_requests_are_listed_with_links(client_for, her):
    request = ask(her)
    html = client_for(her).get("/help/").content.decode()
    assert page(request) in html


# --- Her request's page ------------------------------------------------------------------------
def test_her_page_shows_who_is_coming_masked_with_the_visit_code_never_the_phone(
        client_for, her, staff, volunteer):
    request = ask(her)
    dispatch(request, staff)
    accept(request)
    request.refresh_from_db()
    html = client_for(her).get(page(request)).content.decode()
    assert "志愿者会上门" in html
    assert "李*兰" in html and "李秀兰" not in html
    assert request.visit_code and request.visit_code in html
    assert volunteer.user.phone not in html and "139****5678" not in html
    assert "志愿者答应上门" in html  # the timeline, in her words


def test_the_rating_form_appears_once_it_is_done_and_takes_one_rating(client_for, her, staff,
                                                                       volunteer):
    request = ask(her)
    dispatch(request, staff)
    accept(request)
    client = client_for(her)
    assert "提交评价" not in client.get(page(request)).content.decode()
    volunteer_services.service_request_complete(actor=staff, service_request=request)
    assert "提交评价" in client.get(page(request)).content.decode()
    response = client.post(page(request, "rate/"), {"rating": "5", "comment": "谢谢小李"})
    assert response.status_code == 302
    again = client.post(page(request, "rate/"), {"rating": "1"})
    assert again.status_code == 302
    request.refresh_from_db()
    assert (request.rating, request.rating_comment) == (5, "谢谢小李")
    html = client.get(page(request)).content.decode()
    assert "您的评分：5 分" in html and "提交评价" not in html


def test_a_rating_without_a_score_says_what_to_do(client_for, her, staff, volunteer):
    request = ask(her)
    dispatch(request, staff)
    accept(request)
    volunteer_services.service_request_complete(actor=staff, service_request=request)
    response = client_for(her).post(page(request, "rate/"), {"comment": "好"})
    assert response.status_code == 400
    assert "请选一个分数" in response.content.decode()
    request.refresh_from_db()
    assert request.rating is None


@pytest.mark.parametrize("who", ["other_resident", "other_staff", "volunteer_not_sent"])
def test_nobody_else_sees_her_request_its_address_or_photo(client_for, her, community, who):
    photo = help_services.help_photo_store(uploader=her, data=photo_bytes())
    request = ask(her, photo_ids=[photo.pk])
    elsewhere = CommunityFactory(name="湛山第2社区")
    viewer = {
        "other_resident": lambda: ready_resident(community),
        "other_staff": lambda: user_with_role(Role.COMMUNITY_STAFF, community=elsewhere),
        "volunteer_not_sent": lambda: ready_volunteer(community, name="赵志愿").user,
    }[who]()
    client = client_for(viewer)
    response = client.get(page(request))
    assert response.status_code == 404
    assert HOME not in response.content.decode()
    assert client.post(page(request, "rate/"), {"rating": "1"}).status_code == 404


def test_staff_of_her_community_see_it_with_a_link_to_the_desk(client_for, her, staff):
    request = ask(her)
    html = client_for(staff).get(page(request)).content.decode()
    assert HOME in html
    assert f"/desk/help/{to_global_id('ServiceRequest', request.pk)}/" in html


def test_a_bare_number_redirects_and_a_bad_id_is_a_404(client_for, her):
    request = ask(her)
    client = client_for(her)
    assert client.get(f"/help/{request.pk}/")["Location"] == page(request)
    assert client.get("/help/not-an-id/").status_code == 404
    assert client.get(page(request.pk + 999)).status_code == 404


# --- A WeChat draft, confirmed in one tap --------------------------------------------------------
def test_a_draft_is_confirmed_in_one_tap_with_its_text_prefilled(client_for, her):
    draft = help_services.help_draft_create(user=her, text="想理发，行动不便")
    client = client_for(her)
    html = client.get(f"/help/new/{draft.token}").content.decode()
    assert "想理发，行动不便" in html and "确认求助" in html
    fields = {"skill": "other", "description": "想理发，行动不便",
              "preferred_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
              "part_of_day": "MORNING", "address_choice": "home", "idempotency_key": key_of(html)}
    first = client.post(f"/help/new/{draft.token}", fields)
    second = client.post(f"/help/new/{draft.token}", fields)
    request = ServiceRequest.objects.get(requester=her)
    assert first["Location"] == second["Location"] == page(request)
    used = client.get(f"/help/new/{draft.token}")
    assert used.status_code == 410
    assert "已经提交过了" in used.content.decode() and page(request) in used.content.decode()


def test_an_expired_draft_says_so_and_what_to_do(client_for, her):
    draft = help_services.help_draft_create(user=her, text="修水管")
    HelpDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client_for(her).get(f"/help/new/{draft.token}")
    assert response.status_code == 410
    assert "过期" in response.content.decode() and "/help/" in response.content.decode()


def test_someone_elses_draft_or_an_unknown_token_is_a_404(client_for, her, community):
    draft = help_services.help_draft_create(user=her, text="修水管")
    stranger = ready_resident(community)
    assert client_for(stranger).get(f"/help/new/{draft.token}").status_code == 404
    assert client_for(stranger).post(f"/help/new/{draft.token}", {}).status_code == 404
    assert client_for(her).get("/help/new/nosuchtoken").status_code == 404
    assert not ServiceRequest.objects.exists()
