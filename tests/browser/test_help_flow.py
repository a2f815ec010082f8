"""便民纸条 end to end on phones (390×844): the resident asks for a haircut with a photo at
/help/; the community staff see it in the desk's queue and dispatch it; the volunteer
accepts from her offer page; the resident's page shows who is coming (masked) and the visit
code, and the fake WeChat recorded the messages to her; staff mark it done; she rates it."""

import time

import pytest
from django.conf import settings as django_settings

from backend.accounts.models import Role
from backend.core.links import node_id
from backend.notifications.models import NotificationKind
from backend.wechat import services as wechat_services
from backend.wechat.models import WeChatTemplate
from tests.factories.accounts import user_with_role
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.fake_wechat import fake_wechat  # noqa: F401 (a fixture)
from tests.helpers.help_front import HOME, photo_bytes, ready_volunteer
from volunteers.models import HelpPhoto, Offer, OfferStatus, ServiceRequest, ServiceRequestStatus

from .conftest import PHONE, _context

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = {NotificationKind.HELP_RECEIVED: "TPL-HELP-RECEIVED",
         NotificationKind.HELP_VOLUNTEER_COMING: "TPL-HELP-COMING",
         NotificationKind.HELP_DONE: "TPL-HELP-DONE",
         NotificationKind.JOB_OFFERED: "TPL-JOB-OFFERED"}


@pytest.fixture
def wechat(fake_wechat, live_server, settings):  # noqa: F811
    settings.PUBLIC_BASE_URL = live_server.url
    account = WeChatAccountFactory(slug="weishinan", name="微市南")
    for kind, template_id in KINDS.items():
        WeChatTemplate.objects.create(account=account, kind=kind, template_id=template_id)
    fake_wechat.register(account, templates=list(KINDS.values()),
                         followers=[{"openid": "oLin"}, {"openid": "oLi"}])
    return fake_wechat, account


def _templates_to(fake, account, openid, want: set, seconds=15.0) -> list[str]:
    """The template ids the fake accepted for `openid`, once `want` are all there."""
    deadline = time.monotonic() + seconds
    while True:
        sent = [m["body"]["template_id"] for m in fake.control.messages(
            appid=account.app_id, openid=openid, kind="template")]
        if want <= set(sent) or time.monotonic() > deadline:
            return sent
        time.sleep(0.2)


def _phone_as(browser, login, user):
    context = _context(browser, PHONE)
    login(context, user)
    return context


def test_a_resident_asks_staff_dispatch_the_volunteer_accepts_and_she_rates_it(
        browser, live_server, login, screenshot, community, wechat, tmp_path):
    fake, account = wechat
    her = user_with_role(Role.RESIDENT, community=community, display_name="林新芳",
                         address=HOME, consent_version="")  # no consent yet: the form asks
    staff = user_with_role(Role.COMMUNITY_STAFF, community=community, display_name="陈社工")
    volunteer = ready_volunteer(community, name="李秀兰")
    wechat_services.binding_bind(account=account, openid="oLin", user=her)
    wechat_services.binding_bind(account=account, openid="oLi", user=volunteer.user)
    picture = tmp_path / "hair.jpg"
    picture.write_bytes(photo_bytes(gps=True))
    contexts = [_phone_as(browser, login, user) for user in (her, staff, volunteer.user)]
    resident, desk, helper = (c.new_page() for c in contexts)
    errors = []
    for page in (resident, desk, helper):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    try:
        # 1. She asks for a haircut, the day after tomorrow in the afternoon, with a photo.
        resident.goto(f"{live_server.url}/help/")
        assert "紧急情况请拨打" in resident.content()
        resident.get_by_label("理发").check()
        resident.fill("#description", "我和老伴想理发，腿脚不便出不了门")
        resident.select_option("#preferred_date", index=2)
        resident.get_by_label("下午").check()
        resident.set_input_files("#photo", str(picture))
        resident.get_by_label("我已看过并同意隐私声明").check()
        screenshot(resident, "1-ask")
        resident.get_by_role("button", name="提交求助").click()
        resident.get_by_text("求助已提交").wait_for()
        screenshot(resident, "2-asked")
        request = ServiceRequest.objects.get(requester=her)
        assert request.status == ServiceRequestStatus.REQUESTED
        assert HelpPhoto.objects.filter(request=request).count() == 1

        # 2. The staff find it in the desk's queue and dispatch it to the best candidate.
        desk.goto(f"{live_server.url}/desk/")
        desk.get_by_test_id("desk-help-link").click()
        desk.get_by_test_id("help-queue-row").first.wait_for()
        assert "已等" in desk.content() and "林新芳" in desk.content()
        screenshot(desk, "3-queue")
        desk.get_by_role("link", name="理发").click()
        assert "李秀兰" in desk.get_by_test_id("volunteer-choice").inner_text()
        assert desk.locator("img.help-photo").count() == 1
        screenshot(desk, "4-triage")
        desk.get_by_role("button", name="派单", exact=True).click()
        desk.get_by_text("已派单给李秀兰").wait_for()
        offer = Offer.objects.get(request=request, status=OfferStatus.OFFERED)

        # 3. The volunteer accepts from her offer page, and sees the visit code.
        helper.goto(f"{live_server.url}/volunteer/offers/")
        helper.get_by_role("link", name="看详情并答复").click()
        assert "林*芳" in helper.content()
        helper.get_by_role("button", name="接受", exact=True).click()
        helper.get_by_test_id("visit-code").wait_for()
        request.refresh_from_db()
        assert helper.get_by_test_id("visit-code").inner_text() == request.visit_code
        screenshot(helper, "5-accepted")
        offer.refresh_from_db()
        assert offer.status == OfferStatus.ACCEPTED

        # 4. Her page shows who is coming (masked) and the same code; never a phone.
        resident.reload()
        resident.get_by_test_id("who-is-coming").wait_for()
        assert resident.get_by_test_id("volunteer-name").inner_text() == "李*兰"
        assert resident.get_by_test_id("visit-code").inner_text() == request.visit_code
        assert volunteer.user.phone not in resident.content()
        screenshot(resident, "6-coming")
        sent = _templates_to(fake, account, "oLin", {"TPL-HELP-RECEIVED", "TPL-HELP-COMING"})
        assert {"TPL-HELP-RECEIVED", "TPL-HELP-COMING"} <= set(sent), sent
        assert "TPL-JOB-OFFERED" in _templates_to(fake, account, "oLi", {"TPL-JOB-OFFERED"})

        # 5. After the visit the staff mark it done; she rates it once, with thanks.
        desk.goto(f"{live_server.url}/desk/help/{node_id('ServiceRequest', request.pk)}/")
        desk.get_by_role("button", name="确认已上门服务（标记完成）").click()
        desk.get_by_text("已标记完成").wait_for()
        resident.reload()
        resident.get_by_label("5 分（很好）").check()
        resident.fill("#comment", "谢谢小李，手艺很好")
        screenshot(resident, "7-rate")
        resident.get_by_role("button", name="提交评价").click()
        resident.get_by_text("谢谢您的评价").wait_for()
        screenshot(resident, "8-rated")
        request.refresh_from_db()
        assert (request.status, request.rating) == (ServiceRequestStatus.COMPLETED, 5)
        assert "TPL-HELP-DONE" in _templates_to(fake, account, "oLin", {"TPL-HELP-DONE"})
        her.refresh_from_db()
        assert her.consent_version == django_settings.PRIVACY_NOTICE_VERSION
    finally:
        for context in contexts:
            context.close()
    assert errors == []
    assert all(c.aborted == [] for c in contexts)
