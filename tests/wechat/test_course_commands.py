from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from courses.models import Audience, Enrollment, EnrollmentStatus
from courses.services import enrollment_create
from courses.tutoring.models import TutoringBooking
from courses.tutoring.services import tutoring_book, tutoring_slot_publish
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.factories.courses import CourseFactory, CourseRunFactory, VenueFactory
from tests.factories.volunteers import VolunteerFactory, commitment, give_skill
from tests.factories.wechat import WeChatBindingFactory
from tests.helpers.queries import assert_query_count

from . import wire

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(community):
    return VenueFactory(community=community, name="金口路社区活动中心", address="金口二路 1 号")


@pytest.fixture
def run(venue):
    return CourseRunFactory(course=CourseFactory(title="微信入门"), venue=venue, code="WX2612-03",
                            capacity=2)


# --- 课程 ---------------------------------------------------------------------------------
def test_courses_lists_open_runs_nearest_first(say, account, bound, run, street, other_street):
    # given a run in the resident's community, one elsewhere in their street, one far away,
    # one whose enrolment closed and one unpublished
    same_street = CourseRunFactory(
        venue=VenueFactory(community=CommunityFactory(street=street)), code="WX-STREET",
        starts_at=timezone.now() + timedelta(days=2))
    far = CourseRunFactory(venue=VenueFactory(community=CommunityFactory(street=other_street)),
                           code="WX-FAR", starts_at=timezone.now() + timedelta(days=1))
    CourseRunFactory(venue=run.venue, code="WX-CLOSED",
                     enrollment_closes_at=timezone.now() - timedelta(hours=1))
    CourseRunFactory(venue=run.venue, code="WX-HIDDEN", course=CourseFactory(published=False))

    # when the resident sends 课程
    text = say(account, "oResident0001", "课程")

    # then open runs come nearest first, with seats and how to enrol
    assert text.index("WX2612-03") < text.index(same_street.code) < text.index(far.code)
    assert "微信入门" in text and "还剩 2 个名额" in text and "金口路社区活动中心" in text
    assert "报名 WX2612-03" in text
    assert "WX-CLOSED" not in text and "WX-HIDDEN" not in text
    assert "/bind" not in text


def test_courses_for_an_unbound_follower_uses_the_accounts_unit_and_offers_binding(
        say, account, run):
    CourseRunFactory(venue=run.venue, code="WX-STAFF",
                     course=CourseFactory(audience=Audience.STAFF))
    text = say(account, "oStranger", "课程")
    assert "WX2612-03" in text
    assert "WX-STAFF" not in text  # staff-only courses are not offered to strangers
    assert "/wechat/weishinan/bind" in text


def test_courses_hides_staff_courses_from_residents_but_shows_them_to_staff(
        say, account, bound, run, community_staff):
    CourseRunFactory(venue=run.venue, code="WX-STAFF",
                     course=CourseFactory(audience=Audience.STAFF))
    assert "WX-STAFF" not in say(account, "oResident0001", "课程")
    WeChatBindingFactory(account=account, openid="oStaff", user=community_staff)
    assert "WX-STAFF" in say(account, "oStaff", "课程")


def test_courses_when_none_are_open(say, account, bound):
    assert "没有可以报名的课" in say(account, "oResident0001", "课程")


def test_courses_full_run_offers_the_waitlist(say, account, bound, run):
    type(run).objects.filter(pk=run.pk).update(enrolled_count=2)
    assert "名额已满，可以候补" in say(account, "oResident0001", "课程")


def test_courses_reply_query_count_is_constant(send, account, bound, community):
    def reply_queries(n):
        for _ in range(n):
            CourseRunFactory(venue=VenueFactory(community=community))
        xml = wire.text_xml(from_user="oResident0001", content="课程")
        with assert_query_count("wechat.courses") as ctx:
            send(account, xml)
        return len(ctx)

    assert reply_queries(1) == reply_queries(49)


# --- 报名 ---------------------------------------------------------------------------------
def test_enrol_by_code_through_the_courses_service(say, account, bound, resident, run):
    text = say(account, "oResident0001", "报名 wx2612-03")
    assert "报名成功" in text and "WX2612-03" in text and "金口二路 1 号" in text
    enrollment = Enrollment.objects.get(run=run, user=resident)
    assert enrollment.status == EnrollmentStatus.ENROLLED
    run.refresh_from_db()
    assert run.enrolled_count == 1


@pytest.mark.parametrize("text", ["报名WX2612-03", "报名　WX2612-03", "报名：WX2612-03"])
def test_enrol_tolerates_how_people_type(say, account, bound, run, text):
    assert "报名成功" in say(account, "oResident0001", text)


def test_enrol_twice_says_already_enrolled(say, account, bound, resident, run):
    say(account, "oResident0001", "报名 WX2612-03")
    assert "已经报名" in say(account, "oResident0001", "报名 WX2612-03")
    assert Enrollment.objects.filter(run=run, user=resident).count() == 1


def test_enrol_in_a_full_run_puts_them_on_the_waitlist_with_a_position(
        say, account, bound, resident, run, community):
    for _ in range(2):
        other = user_with_role(Role.RESIDENT, community=community)
        enrollment_create(actor=other, user=other, run_id=run.pk)
    text = say(account, "oResident0001", "报名 WX2612-03")
    assert "候补" in text and "第 1 位" in text
    assert Enrollment.objects.get(run=run, user=resident).status == EnrollmentStatus.WAITLISTED


def test_enrol_in_a_closed_run_gives_the_services_message(say, account, bound, resident, run):
    type(run).objects.filter(pk=run.pk).update(
        enrollment_closes_at=timezone.now() - timedelta(minutes=1))
    assert "不接受报名" in say(account, "oResident0001", "报名 WX2612-03")
    assert not Enrollment.objects.exists()


def test_enrol_with_an_unknown_or_missing_code(say, account, bound):
    assert "没有找到" in say(account, "oResident0001", "报名 NOPE-1")
    assert "加上课程编号" in say(account, "oResident0001", "报名")


def test_enrol_unbound_asks_to_bind_and_enrols_nobody(say, account, run):
    assert "绑定" in say(account, "oStranger", "报名 WX2612-03")
    assert not Enrollment.objects.exists()


def test_replayed_enrol_message_enrols_once(send, account, bound, resident, run):
    xml = wire.text_xml(from_user="oResident0001", content="报名 WX2612-03", msg_id="555")
    first = wire.reply_content(send(account, xml).content)
    assert "报名成功" in first
    assert wire.reply_content(send(account, xml).content) == first
    run.refresh_from_db()
    assert run.enrolled_count == 1


# --- 我的 ---------------------------------------------------------------------------------
def test_me_lists_enrolments_and_volunteer_commitments(say, account, resident, run, community):
    # given a volunteer who is also enrolled in a run and has an upcoming commitment
    volunteer = VolunteerFactory(community=community)
    WeChatBindingFactory(account=account, openid="oVol", user=volunteer.user)
    enrollment_create(actor=volunteer.user, user=volunteer.user, run_id=run.pk)
    soon = timezone.now() + timedelta(days=1)
    c = commitment(volunteer, soon, soon + timedelta(hours=2))
    type(c).objects.filter(pk=c.pk).update(title="重阳节理发")

    text = say(account, "oVol", "我的")
    assert "WX2612-03 微信入门" in text and "已报名" in text
    assert "【我的志愿服务】" in text and "重阳节理发" in text


def test_me_for_a_resident_without_anything(say, account, bound):
    text = say(account, "oResident0001", "我的")
    assert "还没有报名课程" in text
    assert "【我的志愿服务】" not in text


def test_me_unbound_asks_to_bind(say, account):
    assert "/wechat/weishinan/bind" in say(account, "oStranger", "我的")


def test_me_reply_query_count_is_constant(send, account, community):
    volunteer = VolunteerFactory(community=community)
    WeChatBindingFactory(account=account, openid="oVol", user=volunteer.user)

    def reply_queries(n):
        for i in range(n):
            run = CourseRunFactory(venue=VenueFactory(community=community))
            enrollment_create(actor=volunteer.user, user=volunteer.user, run_id=run.pk)
            start = timezone.now() + timedelta(days=1, hours=3 * (i + 10 * n))
            commitment(volunteer, start, start + timedelta(hours=1))
        xml = wire.text_xml(from_user="oVol", content="我的")
        with assert_query_count("wechat.me") as ctx:
            send(account, xml)
        return len(ctx)

    assert reply_queries(1) == reply_queries(49)


# --- 辅导 ---------------------------------------------------------------------------------
@pytest.fixture
def tutor(community):
    volunteer = VolunteerFactory(community=community, user__display_name="夏阿姨")
    give_skill(volunteer, "wechat_tutoring")
    return volunteer


def _slot(tutor, *, days=2, topic="教您视频通话", venue=None):
    start = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return tutoring_slot_publish(actor=tutor.user, volunteer=tutor, starts_at=start,
                                 duration_minutes=60, topic=topic, venue=venue,
                                 place_text="金口路社区服务站")


def test_tutoring_lists_open_slots_with_booking_links(say, account, bound, tutor, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    slot = _slot(tutor)
    text = say(account, "oResident0001", "辅导")
    assert "教您视频通话" in text and "夏阿姨" in text and "金口路社区服务站" in text
    gid = to_global_id("TutoringSlot", slot.pk)
    assert f"https://linli.example.cn/tutoring/slots/{gid}/?wx=weishinan" in text


def test_tutoring_for_an_unbound_follower_also_lists_slots(say, account, tutor):
    _slot(tutor)
    assert "教您视频通话" in say(account, "oStranger", "辅导")


def test_tutoring_when_there_are_none(say, account, bound):
    assert "没有可以预约" in say(account, "oResident0001", "辅导")


def test_tutoring_reply_query_count_is_constant(send, account, bound, community):
    def reply_queries(n):
        for i in range(n):
            volunteer = VolunteerFactory(community=community)
            give_skill(volunteer, "wechat_tutoring")
            _slot(volunteer, days=2 + i)
        xml = wire.text_xml(from_user="oResident0001", content="辅导")
        with assert_query_count("wechat.tutoring") as ctx:
            send(account, xml)
        return len(ctx)

    assert reply_queries(1) == reply_queries(49)


def test_links_sent_before_the_phone_pages_redirect_to_the_slot_page(client, account, tutor):
    # the 辅导 reply used to link to /wechat/<slug>/tutoring/<pk>; those links keep working
    slot = _slot(tutor)
    gid = to_global_id("TutoringSlot", slot.pk)
    for method in (client.get, client.post):
        response = method(f"/wechat/weishinan/tutoring/{slot.pk}")
        assert response.status_code == 302
        assert response["Location"] == f"/tutoring/slots/{gid}/?wx=weishinan"
    assert not TutoringBooking.objects.exists()


def test_the_sent_link_opens_the_slot_page_and_books_once(client, account, resident, tutor):
    slot = _slot(tutor)
    client.force_login(resident)
    page = client.get(f"/wechat/weishinan/tutoring/{slot.pk}", follow=True)
    assert page.status_code == 200
    assert 'data-testid="main-action">预约</button>' in page.content.decode()
    book_url = f"/tutoring/slots/{to_global_id('TutoringSlot', slot.pk)}/book/"
    key = client.get(book_url).context["form_key"]
    for _ in range(2):  # a shaky finger
        client.post(book_url, {"idempotency_key": key, "note": "想学视频"})
    booking = TutoringBooking.objects.get(slot=slot)
    assert booking.user == resident and booking.note == "想学视频"


def test_me_lists_upcoming_tutoring_bookings(say, account, bound, resident, tutor):
    slot = _slot(tutor, topic="学发朋友圈")
    tutoring_book(actor=resident, user=resident, slot_id=slot.pk)
    text = say(account, "oResident0001", "我的")
    assert "【辅导预约】" in text and "学发朋友圈" in text and "夏阿姨" in text


def test_bound_staff_see_staff_courses_behind_many_resident_ones(
        say, account, run, community_staff):
    # given twenty resident-only runs starting sooner than the one staff course
    for i in range(20):
        CourseRunFactory(venue=run.venue, code=f"WX-RES{i:02d}",
                         starts_at=timezone.now() + timedelta(days=1, minutes=i),
                         course=CourseFactory(audience=Audience.RESIDENT))
    CourseRunFactory(venue=run.venue, code="WX-STAFF",
                     course=CourseFactory(audience=Audience.STAFF))
    WeChatBindingFactory(account=account, openid="oStaff", user=community_staff)
    # then the staff member (not a resident) is offered the staff course
    text = say(account, "oStaff", "课程")
    assert "WX-STAFF" in text and "WX-RES00" not in text
