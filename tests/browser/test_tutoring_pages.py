"""Tutoring on a phone (390×844): a resident logs in, books a slot, finds it under my
bookings and cancels it; a bound resident gets from the 辅导 reply's link to a booked tutor
in three taps (open the link → 预约 → 确认预约), signed in by WeChat's OAuth on the way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import Role
from backend.wechat import services as wechat_services
from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringBooking, TutoringBookingStatus, TutoringSlot
from frontend_api.wechat.commands import tutoring_url
from tests.factories.accounts import PASSWORD, user_with_role
from tests.factories.courses import make_tutor, publish_slot
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.fake_wechat import fake_wechat  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI")


@pytest.fixture
def tutor(community):
    return make_tutor(community, user=user_with_role(Role.VOLUNTEER, community=community,
                                                     display_name="夏阿姨"))


@pytest.fixture
def slot(tutor):
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=14, minute=0, second=0,
                                                               microsecond=0)
    return publish_slot(tutor, start, topic="教您视频通话")


def _sizes(page, selector):
    # Measure the styled page: on a loaded machine the stylesheet can arrive after the DOM.
    page.wait_for_load_state("load")
    page.locator(selector).first.wait_for()
    box = page.locator(selector).first.bounding_box()
    font = page.locator(selector).first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    return box["height"], font


def test_a_resident_logs_in_books_sees_and_cancels(live_server, phone, screenshot, slot,
                                                   community):
    resident = user_with_role(Role.RESIDENT, community=community, display_name="王奶奶")
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))

    # she logs in and lands back on the tutoring list
    page.goto(f"{live_server.url}/tutoring/")
    page.fill("input[name=username]", resident.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("教您视频通话").first.wait_for()
    screenshot(page, "1-slots")
    assert "明天" in page.content() or "后天" in page.content()

    page.get_by_role("link", name="看详情").first.click()
    main = page.get_by_role("button", name="预约", exact=True)
    height, font = _sizes(page, "[data-testid=main-action]")
    assert height >= 60 and font >= 18
    screenshot(page, "2-slot")
    main.click()
    page.get_by_role("button", name="确认预约").wait_for()
    screenshot(page, "3-confirm")
    page.get_by_role("button", name="确认预约").click()

    # under my bookings, with cancel
    page.get_by_text("预约成功").wait_for()
    assert page.url.endswith("/me/bookings/")
    screenshot(page, "4-bookings")
    booking = TutoringBooking.objects.get(user=resident)
    assert booking.status == TutoringBookingStatus.BOOKED

    page.get_by_role("link", name="取消预约").click()
    page.get_by_role("button", name="确认取消预约").wait_for()
    screenshot(page, "5-cancel")
    page.get_by_role("button", name="确认取消预约").click()
    page.get_by_text("已取消预约").first.wait_for()
    screenshot(page, "6-cancelled")
    booking.refresh_from_db()
    assert booking.status == TutoringBookingStatus.CANCELLED
    assert errors == [] and phone.aborted == []


def test_from_the_wechat_link_to_a_booked_tutor_in_three_taps(
        live_server, phone, screenshot, slot, community, settings, fake_wechat):  # noqa: F811
    settings.PUBLIC_BASE_URL = live_server.url  # where the OAuth comes back to
    account = WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                   app_secret="demo-secret", token="linlidemotoken")
    fake_wechat.register(account, followers=[{"openid": "oGranny"}])
    fake_wechat.control.set_current_follower(account.app_id, "oGranny")
    resident = user_with_role(Role.RESIDENT, community=community, display_name="王奶奶")
    wechat_services.binding_bind(account=account, openid="oGranny", user=resident)
    link = tutoring_url(account, slot)  # what the 辅导 reply sends
    page = phone.new_page()
    page.set_extra_http_headers({"User-Agent": WECHAT_UA})

    taps = 1  # she taps the link in the chat; WeChat signs her in on the way
    page.goto(link)
    main = page.get_by_role("button", name="预约", exact=True)
    main.wait_for()
    assert "夏阿姨" in page.content()
    screenshot(page, "1-opened")
    main.click()
    taps += 1
    confirm = page.get_by_role("button", name="确认预约")
    confirm.wait_for()
    confirm.click()
    taps += 1
    page.get_by_text("预约成功").wait_for()
    screenshot(page, "2-booked")

    assert taps <= 3
    booking = TutoringBooking.objects.get(user=resident, slot=slot)
    assert booking.status == TutoringBookingStatus.BOOKED
    assert phone.aborted == []


def test_a_tutor_publishes_a_doorstep_slot_and_sees_who_booked_it(
        live_server, phone, login, screenshot, tutor, community):
    login(phone, tutor.user)
    page = phone.new_page()
    page.goto(f"{live_server.url}/volunteer/tutoring/")
    page.get_by_role("link", name="发布一个辅导时段").click()
    page.select_option("select[name=day]", index=2)
    page.select_option("select[name=time]", "15:00")
    page.fill("input[name=topic]", "上门教您微信支付")
    page.check("input[name=doorstep]")
    screenshot(page, "1-new")
    page.get_by_role("button", name="提交发布").click()
    page.get_by_text("发布好了").wait_for()

    slot = TutoringSlot.objects.get(topic="上门教您微信支付")
    assert slot.doorstep
    resident = user_with_role(Role.RESIDENT, community=community, display_name="王奶奶")
    tutoring.tutoring_book(actor=resident, user=resident, slot_id=slot.pk,
                           address="金口一路5号3单元")
    page.reload()
    page.get_by_text("金口一路5号3单元").wait_for()
    screenshot(page, "2-booked")
    assert phone.aborted == []
