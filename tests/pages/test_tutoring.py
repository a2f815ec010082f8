"""Tutoring pages: slots near me, booking once however often it is tapped, doorstep rules,
my bookings with cancel (before the cutoff) and a rating, tutors publishing and cancelling;
login and back, nothing of another person's, bad ids never a 500, query counts."""

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from courses.tutoring import services as tutoring
from courses.tutoring.models import TutoringBooking, TutoringBookingStatus, TutoringSlot
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.factories.courses import TutoringSlotFactory, book, make_tutor, publish_slot
from tests.factories.volunteers import VolunteerFactory, set_availability
from tests.helpers.queries import query_count

pytestmark = pytest.mark.django_db


def slot_url(slot, suffix=""):
    return f"/tutoring/slots/{to_global_id('TutoringSlot', slot.pk)}/{suffix}"


def booking_url(booking, suffix):
    return f"/me/bookings/{to_global_id('TutoringBooking', booking.pk)}/{suffix}"


def key_of(html):
    return html.split('name="idempotency_key" value="')[1].split('"')[0]


@pytest.fixture
def tutor(community):
    return make_tutor(community, user=user_with_role(Role.VOLUNTEER, community=community,
                                                     display_name="夏阿姨"))


@pytest.fixture
def slot(tutor):
    return publish_slot(tutor, topic="教您视频通话")


@pytest.fixture
def doorstep(tutor):
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return tutoring.tutoring_slot_publish(
        actor=tutor.user, volunteer=tutor, starts_at=start, duration_minutes=60,
        topic="上门教您用微信支付", doorstep=True)


# --- Login and back ----------------------------------------------------------------------
def test_every_page_sends_an_anonymous_visitor_through_login_and_back(slot, resident):
    booking = book(slot, resident)
    client = Client()
    for url in ("/tutoring/", slot_url(slot), slot_url(slot, "book/"), "/me/bookings/",
                booking_url(booking, "cancel/"), booking_url(booking, "rate/"),
                "/volunteer/tutoring/", "/volunteer/tutoring/new/",
                "/volunteer/tutoring/from-availability/",
                f"/volunteer/tutoring/slots/{to_global_id('TutoringSlot', slot.pk)}/cancel/"):
        response = client.get(url)
        assert response.status_code == 302, url
        location = urlsplit(response["Location"])
        assert location.path == "/login/", url
        assert unquote(parse_qs(location.query)["next"][0]) == url  # and back
    response = client.post(slot_url(slot, "book/"), {"idempotency_key": "k"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert TutoringBooking.objects.count() == 1


# --- Slots near me and one slot --------------------------------------------------------
def test_slots_near_me_come_first_and_full_ones_are_left_out(client_for, resident, community,
                                                              other_community):
    soon = timezone.now() + timedelta(days=2)
    far = TutoringSlotFactory(tutor=VolunteerFactory(community=other_community),
                              topic="远处的辅导", starts_at=soon)
    street = TutoringSlotFactory(
        tutor=VolunteerFactory(community=CommunityFactory(street=community.street)),
        topic="同街道的辅导", starts_at=soon + timedelta(hours=1))
    near = TutoringSlotFactory(tutor=VolunteerFactory(community=community),
                               topic="本社区的辅导", starts_at=soon + timedelta(hours=2))
    full = TutoringSlotFactory(tutor=VolunteerFactory(community=community), topic="约满的辅导")
    TutoringSlot.objects.filter(pk=full.pk).update(booked_count=1)
    html = client_for(resident).get("/tutoring/").content.decode()
    positions = [html.index(s.topic) for s in (near, street, far)]
    assert positions == sorted(positions)
    assert "约满的辅导" not in html


def test_times_are_said_the_way_people_say_them(client_for, resident, tutor):
    start = timezone.localtime() + timedelta(days=1)
    start = start.replace(hour=14, minute=0, second=0, microsecond=0)
    publish_slot(tutor, start, topic="明天的辅导")
    html = client_for(resident).get("/tutoring/").content.decode()
    assert "明天下午2点到3点" in html


def test_booking_is_one_tap_and_a_confirmation_and_a_double_tap_books_once(
        client_for, resident, slot):
    client = client_for(resident)
    page = client.get(slot_url(slot)).content.decode()
    assert page.count('data-testid="main-action"') == 1
    assert 'data-testid="main-action">预约</button>' in page and "夏阿姨" in page
    confirm = client.get(slot_url(slot, "book/")).content.decode()
    assert 'data-testid="main-action">确认预约</button>' in confirm
    assert 'name="address"' not in confirm  # not a doorstep slot
    key = key_of(confirm)
    first = client.post(slot_url(slot, "book/"), {"idempotency_key": key, "note": "想学视频"})
    second = client.post(slot_url(slot, "book/"), {"idempotency_key": key, "note": "想学视频"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == "/me/bookings/"
    booking = TutoringBooking.objects.get()
    assert booking.user == resident and booking.note == "想学视频" and booking.address == ""
    slot.refresh_from_db()
    assert slot.booked_count == 1
    html = client.get("/me/bookings/").content.decode()
    assert "预约成功" in html and "教您视频通话" in html
    again = client.get(slot_url(slot)).content.decode()
    assert "您已预约" in again and 'data-testid="main-action"' not in again


def test_a_refusal_from_the_service_is_shown_beside_the_action(client_for, resident, slot,
                                                              user_factory):
    client = client_for(resident)
    key = key_of(client.get(slot_url(slot, "book/")).content.decode())
    other = user_with_role(Role.RESIDENT, community=resident.community)
    tutoring.tutoring_book(actor=other, user=other, slot_id=slot.pk)  # the last seat goes
    response = client.post(slot_url(slot, "book/"), {"idempotency_key": key})
    assert response.status_code == 400
    html = response.content.decode()
    assert "已约满" in html and 'role="alert"' in html
    assert not TutoringBooking.objects.filter(user=resident).exists()
    assert "这个时段已经约满了" in client.get(slot_url(slot)).content.decode()


def test_bad_slot_ids_are_404_and_a_bare_number_redirects(client_for, resident, slot):
    client = client_for(resident)
    for bad in ("nonsense", to_global_id("Course", slot.pk), to_global_id("TutoringSlot", 0),
                to_global_id("TutoringSlot", 999999), "%E4%B8%AD"):
        for suffix in ("", "book/"):
            assert client.get(f"/tutoring/slots/{bad}/{suffix}").status_code == 404, bad
    response = client.get(f"/tutoring/slots/{slot.pk}/?wx=weishinan")
    assert response.status_code == 302
    assert response["Location"] == slot_url(slot) + "?wx=weishinan"
    for bad in ("nonsense", to_global_id("TutoringBooking", 999999)):
        assert client.get(f"/me/bookings/{bad}/cancel/").status_code == 404
        assert client.get(f"/me/bookings/{bad}/rate/").status_code == 404
        assert client.get(f"/volunteer/tutoring/slots/{bad}/cancel/").status_code in (403, 404)


# --- Another person ----------------------------------------------------------------------
def test_another_persons_booking_is_never_shown_nor_touched(client_for, resident, doorstep,
                                                          community):
    resident.address = "金口一路5号3单元"
    resident.save(update_fields=["address"])
    theirs = tutoring.tutoring_book(actor=resident, user=resident, slot_id=doorstep.pk)
    neighbour = user_with_role(Role.RESIDENT, community=community, display_name="李大爷")
    client = client_for(neighbour)
    for url in (slot_url(doorstep), "/me/bookings/"):
        html = client.get(url).content.decode()
        assert "金口一路5号" not in html and resident.display_name not in html
        assert "您已预约" not in html
    for suffix in ("cancel/", "rate/"):
        assert client.get(booking_url(theirs, suffix)).status_code == 404
        assert client.post(booking_url(theirs, suffix), {"rating": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == TutoringBookingStatus.BOOKED and theirs.rating is None


# --- My bookings: cancel and rate --------------------------------------------------------
def test_cancelling_asks_on_a_page_then_frees_the_seat(client_for, resident, slot):
    booking = tutoring.tutoring_book(actor=resident, user=resident, slot_id=slot.pk)
    client = client_for(resident)
    listing = client.get("/me/bookings/").content.decode()
    assert booking_url(booking, "cancel/") in listing
    page = client.get(booking_url(booking, "cancel/")).content.decode()
    assert 'data-testid="main-action">确认取消预约</button>' in page and "confirm(" not in page
    booking.refresh_from_db()
    assert booking.status == TutoringBookingStatus.BOOKED  # a GET changes nothing
    response = client.post(booking_url(booking, "cancel/"))
    assert response.status_code == 302 and response["Location"] == "/me/bookings/"
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.status == TutoringBookingStatus.CANCELLED and slot.booked_count == 0
    assert "已取消预约" in client.get("/me/bookings/").content.decode()


def test_after_the_cutoff_the_page_says_why_and_what_to_do(client_for, resident, tutor):
    slot = TutoringSlotFactory(tutor=tutor, starts_at=timezone.now() + timedelta(minutes=90))
    booking = book(slot, resident)
    client = client_for(resident)
    reason = "离开始不到2小时，不能在这里取消，请联系辅导志愿者或社区。"
    listing = client.get("/me/bookings/").content.decode()
    assert reason in listing and booking_url(booking, "cancel/") not in listing
    page = client.get(booking_url(booking, "cancel/")).content.decode()
    assert reason in page and 'data-testid="main-action"' not in page
    response = client.post(booking_url(booking, "cancel/"))
    assert response.status_code == 400 and reason in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == TutoringBookingStatus.BOOKED


def test_upcoming_bookings_come_first(client_for, resident, tutor):
    now = timezone.now()
    past = TutoringSlotFactory(tutor=tutor, topic="上周的辅导",
                               starts_at=now - timedelta(days=7))
    later = TutoringSlotFactory(tutor=tutor, topic="后来的辅导", starts_at=now + timedelta(days=5))
    sooner = TutoringSlotFactory(tutor=tutor, topic="最近的辅导", starts_at=now + timedelta(days=2))
    for s in (past, later, sooner):
        book(s, resident, status="ATTENDED" if s is past else "BOOKED")
    html = client_for(resident).get("/me/bookings/").content.decode()
    assert html.index("最近的辅导") < html.index("后来的辅导") < html.index("上周的辅导")


def test_a_session_is_rated_once(client_for, resident, tutor):
    slot = TutoringSlotFactory(tutor=tutor, starts_at=timezone.now() - timedelta(days=1))
    booking = book(slot, resident, status="ATTENDED")
    client = client_for(resident)
    assert booking_url(booking, "rate/") in client.get("/me/bookings/").content.decode()
    page = client.get(booking_url(booking, "rate/")).content.decode()
    assert 'data-testid="main-action">提交评价</button>' in page
    missing = client.post(booking_url(booking, "rate/"), {})
    assert missing.status_code == 400 and "请选一个分数" in missing.content.decode()
    assert client.post(booking_url(booking, "rate/"),
                       {"rating": "5", "comment": "很耐心"}).status_code == 302
    assert client.post(booking_url(booking, "rate/"), {"rating": "1"}).status_code == 302
    booking.refresh_from_db()
    assert booking.rating == 5 and booking.comment == "很耐心"
    html = client.get("/me/bookings/").content.decode()
    assert "您的评分：5 分" in html and booking_url(booking, "rate/") not in html


def test_a_booking_not_marked_attended_cannot_be_rated(client_for, resident, slot):
    booking = book(slot, resident)
    response = client_for(resident).post(booking_url(booking, "rate/"), {"rating": "4"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.rating is None


# --- Doorstep slots ----------------------------------------------------------------------
def test_a_doorstep_booking_keeps_the_address_prefilled_from_the_registered_one(
        client_for, resident, doorstep, tutor):
    resident.address = "金口一路5号3单元"
    resident.save(update_fields=["address"])
    client = client_for(resident)
    tutor_client = client_for(tutor.user)
    assert "金口一路5号" not in tutor_client.get("/volunteer/tutoring/").content.decode()
    page = client.get(slot_url(doorstep, "book/")).content.decode()
    assert 'name="address" value="金口一路5号3单元"' in page
    slot_page = client.get(slot_url(doorstep)).content.decode()
    assert 'data-testid="main-action">预约</button>' in slot_page
    client.post(slot_url(doorstep, "book/"), {"idempotency_key": key_of(page),
                                              "address": "金口二路8号（女儿家）"})
    booking = TutoringBooking.objects.get()
    assert booking.address == "金口二路8号（女儿家）"
    # shown to the tutor once booked, and no longer after a cancel
    assert "金口二路8号（女儿家）" in tutor_client.get("/volunteer/tutoring/").content.decode()
    assert "金口二路8号（女儿家）" in client.get("/me/bookings/").content.decode()
    client.post(booking_url(booking, "cancel/"))
    assert "金口二路8号" not in tutor_client.get("/volunteer/tutoring/").content.decode()


def test_a_doorstep_slot_needs_an_address(client_for, resident, doorstep):
    client = client_for(resident)
    page = client.get(slot_url(doorstep, "book/")).content.decode()
    response = client.post(slot_url(doorstep, "book/"), {"idempotency_key": key_of(page),
                                                         "address": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="address-error">上门辅导请填写您的地址。' in html
    assert not TutoringBooking.objects.exists()


def test_a_doorstep_slot_is_only_for_the_tutors_street(client_for, doorstep, other_community):
    outsider = user_with_role(Role.RESIDENT, community=other_community)
    client = client_for(outsider)
    page = client.get(slot_url(doorstep)).content.decode()
    assert "只为八大关街道的居民上门" in page
    assert 'data-testid="outside-area"' in page and 'data-testid="main-action"' not in page
    response = client.post(slot_url(doorstep, "book/"),
                           {"idempotency_key": "k1", "address": "湛山路1号"})
    assert response.status_code == 400 and "不在服务范围内" in response.content.decode()
    assert not TutoringBooking.objects.exists()


BOOK = """
mutation B($slotId: ID!, $address: String) {
  tutoringBook(slotId: $slotId, address: $address) {
    booking { id address slot { doorstep place } }
    errors { field code message }
  }
}"""
MY_SLOTS = "{ myTutoringSlots { bookings { address } } }"


def test_the_doorstep_rules_through_graphql(gql, doorstep, resident, other_community, slot,
                                            tutor, community):
    gid = to_global_id("TutoringSlot", doorstep.pk)
    outsider = user_with_role(Role.RESIDENT, community=other_community)
    result = gql(BOOK, {"slotId": gid, "address": "湛山路1号"}, user=outsider)
    assert [e["code"] for e in result.data["tutoringBook"]["errors"]] == ["OUTSIDE_SERVICE_AREA"]
    result = gql(BOOK, {"slotId": gid}, user=resident)
    assert [(e["field"], e["code"]) for e in result.data["tutoringBook"]["errors"]] == [
        ("address", "ADDRESS_REQUIRED")]
    assert not TutoringBooking.objects.exists()
    result = gql(BOOK, {"slotId": gid, "address": "金口一路5号"}, user=resident)
    assert result.data["tutoringBook"]["errors"] == []
    assert result.data["tutoringBook"]["booking"]["address"] == "金口一路5号"
    assert result.data["tutoringBook"]["booking"]["slot"] == {"doorstep": True, "place": "上门"}
    # a slot at a place needs no address and keeps none
    plain = gql(BOOK, {"slotId": to_global_id("TutoringSlot", slot.pk), "address": "x"},
                user=user_with_role(Role.RESIDENT, community=other_community))
    assert plain.data["tutoringBook"]["errors"] == []
    assert plain.data["tutoringBook"]["booking"]["address"] is None
    seen = gql(MY_SLOTS, user=tutor.user).data["myTutoringSlots"]
    assert {"address": "金口一路5号"} in [b for s in seen for b in s["bookings"]]


# --- Tutors ------------------------------------------------------------------------------
def test_a_tutor_publishes_a_slot(client_for, tutor):
    client = client_for(tutor.user)
    page = client.get("/volunteer/tutoring/new/")
    assert page.status_code == 200
    day = page.context["days"][2][0]
    response = client.post("/volunteer/tutoring/new/", {
        "day": day, "time": "14:30", "duration_minutes": "60", "topic": "学发朋友圈",
        "doorstep": "1", "capacity": "1"})
    assert response.status_code == 302
    slot = TutoringSlot.objects.get(topic="学发朋友圈")
    local = timezone.localtime(slot.starts_at)
    assert local.date().isoformat() == day and (local.hour, local.minute) == (14, 30)
    assert slot.doorstep and slot.commitment_id is not None
    assert "学发朋友圈" in client.get("/volunteer/tutoring/").content.decode()


def test_publishing_shows_the_services_refusals_beside_the_fields(client_for, tutor):
    client = client_for(tutor.user)
    response = client.post("/volunteer/tutoring/new/", {"day": "bad", "time": "14:00",
                                                        "topic": "x"})
    assert response.status_code == 400 and "请选好日期和时间" in response.content.decode()
    day = client.get("/volunteer/tutoring/new/").context["days"][0][0]
    response = client.post("/volunteer/tutoring/new/", {"day": day, "time": "14:00",
                                                        "duration_minutes": "60", "topic": ""})
    assert response.status_code == 400 and "请填写辅导内容" in response.content.decode()
    assert not TutoringSlot.objects.exists()


def test_a_volunteer_without_the_skill_is_told_so(client_for, community):
    volunteer = VolunteerFactory(community=community)
    client = client_for(volunteer.user)
    day = client.get("/volunteer/tutoring/new/").context["days"][0][0]
    response = client.post("/volunteer/tutoring/new/", {
        "day": day, "time": "14:00", "duration_minutes": "60", "topic": "学微信"})
    assert response.status_code == 400 and "只有具备微信辅导技能" in response.content.decode()
    assert not TutoringSlot.objects.exists()


def test_a_resident_cannot_use_the_tutor_pages(client_for, resident, slot):
    client = client_for(resident)
    for url in ("/volunteer/tutoring/", "/volunteer/tutoring/new/",
                "/volunteer/tutoring/from-availability/"):
        assert client.get(url).status_code == 403
    cancel = f"/volunteer/tutoring/slots/{to_global_id('TutoringSlot', slot.pk)}/cancel/"
    assert client.post(cancel).status_code == 404
    slot.refresh_from_db()
    assert slot.status == "OPEN"


def test_a_tutor_publishes_from_availability_and_twice_creates_nothing_new(client_for, tutor):
    set_availability(tutor, [(w, "14:00", "16:00") for w in (1, 3, 5)])
    client = client_for(tutor.user)
    page = client.get("/volunteer/tutoring/from-availability/").content.decode()
    assert "周一 14:00到16:00" in page
    form = {"weeks": "1", "duration_minutes": "60", "topic": "微信视频"}
    response = client.post("/volunteer/tutoring/from-availability/", form, follow=True)
    created = TutoringSlot.objects.filter(tutor=tutor).count()
    assert created == 6 and "发布了6个时段" in response.content.decode()
    response = client.post("/volunteer/tutoring/from-availability/", form, follow=True)
    assert TutoringSlot.objects.filter(tutor=tutor).count() == created
    assert "发布了0个时段" in response.content.decode()


def test_a_tutor_cancels_a_slot_on_a_confirmation_page(client_for, tutor, slot, resident):
    booking = tutoring.tutoring_book(actor=resident, user=resident, slot_id=slot.pk)
    client = client_for(tutor.user)
    url = f"/volunteer/tutoring/slots/{to_global_id('TutoringSlot', slot.pk)}/cancel/"
    assert url in client.get("/volunteer/tutoring/").content.decode()
    page = client.get(url).content.decode()
    assert 'data-testid="main-action">确认取消时段</button>' in page and "confirm(" not in page
    assert client.post(url).status_code == 302
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert slot.status == "CANCELLED" and booking.status == TutoringBookingStatus.CANCELLED
    another_tutor = make_tutor(tutor.community)
    assert client_for(another_tutor.user).get(url).status_code == 404


# --- Query counts ------------------------------------------------------------------------
def _counts_equal(client, url, add_rows):
    add_rows(1)
    client.get(url)  # warm the session
    one = query_count(lambda: client.get(url))
    add_rows(19)
    twenty = query_count(lambda: client.get(url))
    return one, twenty


def test_the_slot_list_costs_the_same_at_1_and_20_rows(client_for, resident, community):
    def add(n):
        for _ in range(n):
            TutoringSlotFactory(tutor=VolunteerFactory(community=community))
    one, twenty = _counts_equal(client_for(resident), "/tutoring/", add)
    assert one == twenty


def test_my_bookings_cost_the_same_at_1_and_20_rows(client_for, resident, community):
    now = timezone.now()
    made = []  # each call adds days after the previous ones: her bookings never overlap

    def add(n):
        for _ in range(n):
            made.append(1)
            day = len(made)
            tutor = VolunteerFactory(community=community)
            upcoming = TutoringSlotFactory(tutor=tutor, starts_at=now + timedelta(days=day))
            past = TutoringSlotFactory(tutor=tutor, starts_at=now - timedelta(days=day))
            book(upcoming, resident)
            book(past, resident, status="ATTENDED")
    one, twenty = _counts_equal(client_for(resident), "/me/bookings/", add)
    assert one == twenty


def test_my_slots_cost_the_same_at_1_and_20_rows(client_for, tutor, community):
    start = timezone.now() + timedelta(days=1)
    made = []

    def add(n):
        for _ in range(n):
            slot = TutoringSlotFactory(tutor=tutor, starts_at=start + timedelta(hours=len(made)),
                                       doorstep=True)
            made.append(slot)
            booking = book(slot, user_with_role(Role.RESIDENT, community=community))
            TutoringBooking.objects.filter(pk=booking.pk).update(address="金口一路1号")
    one, twenty = _counts_equal(client_for(tutor.user), "/volunteer/tutoring/", add)
    assert one == twenty
