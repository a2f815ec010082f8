"""A volunteer's pages: offers (the address only once accepted, never other volunteers),
accept and decline through the same service as offerRespond, commitments, hours with
HOURS_EXCEED_COMMITMENT, availability and time off, shifts and cancelling, credentials;
who sees what, bad ids, and query counts that do not grow with the rows."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.errors import has_code
from backend.notifications.models import Notification, NotificationKind
from tests.factories.accounts import CommunityFactory, user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.volunteers import (
    ALL_WEEK,
    ShiftFactory,
    VolunteerFactory,
    commitment,
    give_credential,
    give_skill,
    set_availability,
)
from tests.helpers.queries import query_count
from volunteers import services
from volunteers.models import (
    CommitmentKind,
    CommitmentStatus,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ShiftSignUp,
    SignUpStatus,
    TimeOff,
)

pytestmark = pytest.mark.django_db

ADDRESS = "金口一路18号2单元301"
NOTE = "老人腿脚不便，请敲门大声一点"


def next_local(weekday: int, hour: int, *, weeks_ahead: int = 1) -> datetime:
    today = timezone.localdate() + timedelta(days=7 * weeks_ahead)
    day = today + timedelta(days=(weekday - today.isoweekday()) % 7)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def day_at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def gid(type_name, pk):
    return to_global_id(type_name, pk)


def offer_url(offer, suffix=""):
    return f"/volunteer/offers/{gid('Offer', offer.pk)}/{suffix}"


@pytest.fixture(autouse=True)
def _no_expiry_tasks():
    # The eager expiry task would expire an offer at once when a test commits.
    with mock.patch("volunteers.services.dispatch._schedule_expiry"):
        yield


@pytest.fixture
def volunteer(volunteer_user, community):
    v = VolunteerFactory(user=volunteer_user, community=community)
    give_skill(v, "haircut")
    set_availability(v, ALL_WEEK)
    return v


@pytest.fixture
def other_volunteer(community):
    v = VolunteerFactory(community=community)
    give_skill(v, "haircut")
    set_availability(v, ALL_WEEK)
    return v


@pytest.fixture
def dispatch(coordinator, community):
    def make(volunteer, *, start=None, **kwargs):
        start = start or next_local(2, 14)
        request = services.dispatch_create(
            actor=coordinator, skill_code="haircut", starts_at=start, duration_minutes=60,
            community=community, address=ADDRESS, note=NOTE, volunteer=volunteer, **kwargs)
        return request.offers.get(volunteer=volunteer)
    return make


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client
    return make


# --- Who sees what --------------------------------------------------------------------------
LIST_PAGES = ["/volunteer/offers/", "/volunteer/commitments/", "/volunteer/hours/",
              "/volunteer/availability/", "/volunteer/shifts/", "/volunteer/credentials/"]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_anonymous_visitors_go_through_login(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=" + url.replace("/", "%2F")) or \
        f"next={url}" in response["Location"]


def test_anonymous_offer_link_goes_through_login_and_back(volunteer, dispatch):
    offer = dispatch(volunteer)
    response = Client().get(offer_url(offer))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert "volunteer/offers" in response["Location"]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_people_not_on_the_roster_are_told_so(client_for, coordinator, url):
    response = client_for(coordinator).get(url)
    assert response.status_code == 200
    assert "您还不是365便民服务队的志愿者" in response.content.decode()


@pytest.mark.parametrize("url", LIST_PAGES)
def test_each_page_opens_for_the_volunteer(client_for, volunteer, url):
    response = client_for(volunteer.user).get(url)
    assert response.status_code == 200
    assert "您还不是" not in response.content.decode()


def test_the_offer_says_what_when_and_roughly_where_but_not_the_address(
        client_for, volunteer, other_volunteer, dispatch, community):
    offer = dispatch(volunteer)
    html = client_for(volunteer.user).get(offer_url(offer)).content.decode()
    assert "理发" in html or offer.request.skill.name in html
    assert f"{community.street.name}{community.name}" in html
    assert "下午2点到3点" in html
    assert ADDRESS not in html and NOTE not in html
    assert html.count('data-testid="main-action"') == 1
    assert 'data-testid="main-action">接受</button>' in html
    assert other_volunteer.user.display_name not in html


@pytest.mark.parametrize("who", ["other_volunteer", "coordinator", "resident"])
def test_someone_elses_offer_is_a_404_and_leaks_nothing(client_for, volunteer, other_volunteer,
                                                        dispatch, coordinator, resident, who):
    offer = dispatch(volunteer)
    offer.request.offers.filter(pk=offer.pk).update(status=OfferStatus.ACCEPTED)
    user = {"other_volunteer": other_volunteer.user, "coordinator": coordinator,
            "resident": resident}[who]
    client = client_for(user)
    for url in (offer_url(offer), offer_url(offer, "decline/")):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert ADDRESS not in html and NOTE not in html
        assert volunteer.user.display_name not in html
    assert client.post(offer_url(offer)).status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


@pytest.mark.parametrize("bad", ["nonsense", gid("Offer", 987654), gid("Shift", 1), "0",
                                 "T2ZmZXI6LTE=", "%E4%B8%AD"])
def test_bad_offer_ids_are_404_never_500(client_for, volunteer, bad):
    response = client_for(volunteer.user).get(f"/volunteer/offers/{bad}/")
    assert response.status_code in (302, 404)
    if response.status_code == 302:  # a bare number redirects to the global id, then 404s
        assert client_for(volunteer.user).get(response["Location"]).status_code == 404


def test_a_bare_number_redirects_to_the_global_id(client_for, volunteer, dispatch):
    offer = dispatch(volunteer)
    response = client_for(volunteer.user).get(f"/volunteer/offers/{offer.pk}/")
    assert response.status_code == 302 and response["Location"] == offer_url(offer)


def test_bad_shift_and_sign_up_ids_are_404(client_for, volunteer):
    client = client_for(volunteer.user)
    assert client.post("/volunteer/shifts/", {"shift_id": "junk"}).status_code == 404
    assert client.post("/volunteer/shifts/",
                       {"shift_id": gid("Shift", 987654)}).status_code == 404
    assert client.get("/volunteer/shifts/signups/junk/cancel/").status_code == 404
    assert client.get(
        f"/volunteer/shifts/signups/{gid('ShiftSignUp', 987654)}/cancel/").status_code == 404


# --- Accept and decline -----------------------------------------------------------------------
def test_accepting_uses_offer_respond_and_then_shows_the_address(client_for, volunteer,
                                                                 dispatch):
    offer = dispatch(volunteer)
    client = client_for(volunteer.user)
    with mock.patch("frontend_api.pages.volunteers.offers.services.offer_respond",
                    wraps=services.offer_respond) as respond:
        response = client.post(offer_url(offer))
    assert response.status_code == 302
    assert respond.call_args.kwargs["accept"] is True
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert offer.commitment.status == CommitmentStatus.CONFIRMED
    html = client.get(offer_url(offer)).content.decode()
    assert ADDRESS in html and NOTE in html and "您已接受" in html
    assert 'data-testid="main-action"' not in html
    commitments = client.get("/volunteer/commitments/").content.decode()
    assert ADDRESS in commitments
    # a second tap is answered, not crashed
    again = client.post(offer_url(offer))
    assert again.status_code == 400 and "已经答复过了" in again.content.decode()


def test_declining_asks_for_a_reason_on_a_second_screen(client_for, volunteer,
                                                        other_volunteer, dispatch):
    offer = dispatch(volunteer)
    client = client_for(volunteer.user)
    page = client.get(offer_url(offer, "decline/")).content.decode()
    assert "那个时间我没空" in page and "其他原因" in page and "confirm(" not in page
    assert 'data-testid="main-action">拒绝这个派单</button>' in page
    assert ADDRESS not in page
    # no reason picked: said beside the choices, nothing changed
    response = client.post(offer_url(offer, "decline/"), {})
    assert response.status_code == 400 and "请选一个原因" in response.content.decode()
    # "other" needs words
    response = client.post(offer_url(offer, "decline/"), {"reason_choice": "other"})
    assert response.status_code == 400 and "请写一下原因" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED
    with mock.patch("frontend_api.pages.volunteers.offers.services.offer_respond",
                    wraps=services.offer_respond) as respond:
        response = client.post(offer_url(offer, "decline/"),
                               {"reason_choice": "busy", "reason_text": "要带孙子"})
    assert response.status_code == 302
    assert respond.call_args.kwargs["accept"] is False
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and offer.reason == "那个时间我没空；要带孙子"
    html = client.get(offer_url(offer)).content.decode()
    assert "您已拒绝" in html and ADDRESS not in html and NOTE not in html


def test_the_address_is_gone_again_after_a_decline_even_if_accepted_before(
        client_for, volunteer, dispatch):
    offer = dispatch(volunteer)
    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.WITHDRAWN)
    html = client_for(volunteer.user).get(offer_url(offer)).content.decode()
    assert "已撤回" in html and ADDRESS not in html


def test_an_expired_offer_says_so_and_cannot_be_accepted(client_for, volunteer, dispatch):
    offer = dispatch(volunteer)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = client_for(volunteer.user)
    html = client.get(offer_url(offer)).content.decode()
    assert "已经超时" in html and "转给其他志愿者" in html
    assert 'data-testid="main-action"' not in html and ADDRESS not in html
    response = client.post(offer_url(offer))
    assert response.status_code == 400 and "超时" in response.content.decode()
    assert client.get(offer_url(offer, "decline/")).status_code == 302


def test_my_offers_lists_waiting_ones_first_and_home_counts_them(client_for, volunteer,
                                                                 dispatch):
    waiting = dispatch(volunteer)
    answered = dispatch(volunteer, start=next_local(3, 9))
    services.offer_respond(actor=volunteer.user, offer=answered, accept=False, reason="x")
    client = client_for(volunteer.user)
    html = client.get("/volunteer/offers/").content.decode()
    waiting_part = html.split('data-testid="waiting-offers"')[1].split("</section>")[0]
    assert offer_url(waiting) in waiting_part and offer_url(answered) not in waiting_part
    assert "已拒绝" in html and ADDRESS not in html
    home = client.get("/").content.decode()
    assert "有 1 个派单等您答复" in home and "/volunteer/offers/" in home


# --- Commitments ---------------------------------------------------------------------------------
def test_commitments_list_jobs_shifts_and_tutoring_by_start(client_for, volunteer, dispatch):
    job = dispatch(volunteer, start=day_at(8, 9))
    shift = ShiftFactory(event__place="金口路社区活动室", title="上午班",
                         starts_at=day_at(7, 9), ends_at=day_at(7, 11))
    services.shift_sign_up(actor=volunteer.user, shift=shift)
    tutoring = commitment(volunteer, day_at(9, 9), day_at(9, 10),
                          kind=CommitmentKind.TUTORING)
    tutoring.title = "微信辅导：视频通话"
    tutoring.save()
    html = client_for(volunteer.user).get("/volunteer/commitments/").content.decode()
    assert html.index("金口路社区活动室") < html.index("等您答复") < html.index("视频通话")
    assert offer_url(job) in html and ADDRESS not in html  # not accepted yet
    assert "重阳节服务日 · 上午班" in html


def test_commitments_of_one_volunteer_are_not_shown_to_another(client_for, volunteer,
                                                              other_volunteer, dispatch):
    offer = dispatch(volunteer)
    services.offer_respond(actor=volunteer.user, offer=offer, accept=True)
    html = client_for(other_volunteer.user).get("/volunteer/commitments/").content.decode()
    assert ADDRESS not in html and offer_url(offer) not in html


# --- Hours --------------------------------------------------------------------------------
def _finished(volunteer, hours=2):
    start = timezone.now() - timedelta(days=1)
    return commitment(volunteer, start, start + timedelta(hours=hours),
                      kind=CommitmentKind.DISPATCH)


def key_of(html):
    return html.split('name="idempotency_key" value="')[1].split('"')[0]


def test_logging_hours_from_the_page_once_per_key(client_for, volunteer):
    done = _finished(volunteer)
    client = client_for(volunteer.user)
    html = client.get("/volunteer/hours/").content.decode()
    assert gid("Commitment", done.pk) in html and "最多2.5小时" in html
    data = {"commitment_id": gid("Commitment", done.pk), "hours": "2", "note": "理发两位",
            "idempotency_key": key_of(html)}
    assert client.post("/volunteer/hours/", data).status_code == 302
    assert client.post("/volunteer/hours/", data).status_code == 302  # replayed, not twice
    entry = ServiceHours.objects.get()
    assert entry.status == HoursStatus.PENDING and entry.hours == 2
    html = client.get("/volunteer/hours/").content.decode()
    assert "待审核" in html and "已登记" in html
    assert gid("Commitment", done.pk) not in html.split('data-testid="hours-form"')[1].split(
        "</section>")[0]


def test_hours_beyond_the_commitment_plus_half_an_hour_are_refused(client_for, volunteer):
    done = _finished(volunteer)
    client = client_for(volunteer.user)
    response = client.post("/volunteer/hours/", {
        "commitment_id": gid("Commitment", done.pk), "hours": "2.75",
        "idempotency_key": "k1"})
    assert response.status_code == 400
    assert "不能超过这次服务的时长加半小时" in response.content.decode()
    assert not ServiceHours.objects.exists()
    assert client.post("/volunteer/hours/", {
        "commitment_id": gid("Commitment", done.pk), "hours": "2.5",
        "idempotency_key": "k2"}).status_code == 302


def test_the_hours_rule_is_the_services(volunteer):
    done = _finished(volunteer, hours=1)
    with pytest.raises(ValidationError) as exc:
        services.service_hours_log(actor=volunteer.user, commitment=done, hours="1.51")
    assert has_code(exc.value, "HOURS_EXCEED_COMMITMENT")
    assert services.service_hours_log(actor=volunteer.user, commitment=done,
                                      hours="1.5").hours == 1.5


def test_someone_elses_commitment_cannot_be_logged_from_the_page(client_for, volunteer,
                                                                 other_volunteer):
    done = _finished(other_volunteer)
    response = client_for(volunteer.user).post("/volunteer/hours/", {
        "commitment_id": gid("Commitment", done.pk), "hours": "1", "idempotency_key": "k"})
    assert response.status_code == 400 and "请选一次已经结束的服务" in response.content.decode()
    response = client_for(volunteer.user).post("/volunteer/hours/", {
        "commitment_id": "junk", "hours": "1", "idempotency_key": "k"})
    assert response.status_code == 400
    assert not ServiceHours.objects.exists()


def test_hours_page_shows_totals_and_certificates(client_for, volunteer, coordinator):
    entry = services.service_hours_log(actor=volunteer.user, commitment=_finished(volunteer),
                                       hours="1.5")
    services.service_hours_review(actor=coordinator, entry=entry, approve=True)
    CertificateFactory(holder=volunteer.user, kind="SERVICE_HOURS",
                       snapshot={"title": "志愿服务证明", "hours": 1.5})
    html = client_for(volunteer.user).get("/volunteer/hours/").content.decode()
    totals = html.split('data-testid="hours-totals"')[1].split("</section>")[0]
    assert "1.5" in totals
    assert "志愿服务证明" in html.split('data-testid="hours-certificates"')[1]


# --- Availability and time off ----------------------------------------------------------------
def test_availability_is_edited_through_the_service(client_for, volunteer):
    client = client_for(volunteer.user)
    response = client.post("/volunteer/availability/",
                           {"form": "availability", "cell": ["1-pm", "3-pm", "5-am", "9-x"]})
    assert response.status_code == 302
    rules = sorted((r.weekday, r.start_time.hour, r.end_time.hour)
                   for r in volunteer.availability_rules.all())
    assert rules == [(1, 13, 18), (3, 13, 18), (5, 8, 12)]
    volunteer.refresh_from_db()
    assert volunteer.hour_mask[13] == "1"  # Monday 13:00, through availability_set's mask
    html = client.get("/volunteer/availability/").content.decode()
    assert 'value="1-pm" checked' in html and 'value="2-pm" checked' not in html


def test_time_off_is_added_and_listed(client_for, volunteer):
    client = client_for(volunteer.user)
    first = timezone.localdate() + timedelta(days=10)
    response = client.post("/volunteer/availability/", {
        "form": "time_off", "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=2)).isoformat(), "reason": "探亲"})
    assert response.status_code == 302
    off = TimeOff.objects.get(volunteer=volunteer)
    assert (off.ends_at - off.starts_at) == timedelta(days=3)
    assert "探亲" in client.get("/volunteer/availability/").content.decode()
    bad = client.post("/volunteer/availability/", {
        "form": "time_off", "first_day": first.isoformat(),
        "last_day": (first - timedelta(days=1)).isoformat()})
    assert bad.status_code == 400 and "结束的日期不能早于开始的日期" in bad.content.decode()
    assert TimeOff.objects.count() == 1


# --- Shifts ---------------------------------------------------------------------------------------
def test_signing_up_for_a_shift_and_cancelling_it(client_for, volunteer):
    shift = ShiftFactory(capacity=2)
    client = client_for(volunteer.user)
    html = client.get("/volunteer/shifts/").content.decode()
    assert shift.event.title in html and "还剩 2 个名额" in html
    assert client.post("/volunteer/shifts/",
                       {"shift_id": gid("Shift", shift.pk)}).status_code == 302
    sign_up = ShiftSignUp.objects.get()
    shift.refresh_from_db()
    assert shift.taken == 1 and sign_up.commitment.status == CommitmentStatus.CONFIRMED
    again = client.post("/volunteer/shifts/", {"shift_id": gid("Shift", shift.pk)})
    assert again.status_code == 400 and "您已报名这个班次" in again.content.decode()
    cancel_url = f"/volunteer/shifts/signups/{gid('ShiftSignUp', sign_up.pk)}/cancel/"
    page = client.get(cancel_url).content.decode()
    assert 'data-testid="main-action">确认取消报名</button>' in page
    assert client.post(cancel_url, {"reason": "临时有事"}).status_code == 302
    sign_up.refresh_from_db()
    shift.refresh_from_db()
    assert sign_up.status == SignUpStatus.CANCELLED and shift.taken == 0
    assert sign_up.commitment.status == CommitmentStatus.CANCELLED
    # her own cancellation is not told to her
    assert not Notification.objects.filter(kind=NotificationKind.SHIFT_CANCELLED).exists()
    assert client.post(cancel_url).status_code == 302  # already cancelled: said, not crashed


def test_another_volunteers_sign_up_cannot_be_cancelled_from_the_page(client_for, volunteer,
                                                                      other_volunteer):
    sign_up = services.shift_sign_up(actor=other_volunteer.user, shift=ShiftFactory())
    url = f"/volunteer/shifts/signups/{gid('ShiftSignUp', sign_up.pk)}/cancel/"
    assert client_for(volunteer.user).post(url).status_code == 404
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.SIGNED_UP


def test_a_coordinator_cancelling_tells_the_volunteer_once(volunteer, coordinator):
    sign_up = services.shift_sign_up(actor=volunteer.user, shift=ShiftFactory())
    services.shift_sign_up_cancel(actor=coordinator, sign_up=sign_up, reason="活动改期")
    told = Notification.objects.get(kind=NotificationKind.SHIFT_CANCELLED)
    assert told.user == volunteer.user and "活动改期" in told.body
    assert told.url.endswith("/volunteer/commitments/")
    with pytest.raises(ValidationError) as exc:
        services.shift_sign_up_cancel(actor=coordinator, sign_up=sign_up)
    assert has_code(exc.value, "ALREADY_CANCELLED")
    assert Notification.objects.filter(kind=NotificationKind.SHIFT_CANCELLED).count() == 1


def test_a_coordinator_of_another_street_cannot_cancel(volunteer, other_coordinator):
    sign_up = services.shift_sign_up(actor=volunteer.user, shift=ShiftFactory())
    with pytest.raises(PermissionDenied):
        services.shift_sign_up_cancel(actor=other_coordinator, sign_up=sign_up)
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.SIGNED_UP


# --- Credentials --------------------------------------------------------------------------------
def test_credentials_say_when_they_expire_and_the_notice_links_here(client_for, volunteer):
    soon = timezone.localdate() + timedelta(days=5)
    give_credential(volunteer, "health_certificate", valid_until=soon)
    html = client_for(volunteer.user).get("/volunteer/credentials/").content.decode()
    assert f"有效期到 {soon.year}年{soon.month}月{soon.day}日" in html
    assert "快到期了" in html
    services.credential_expiry_notify()
    notice = Notification.objects.filter(kind=NotificationKind.CREDENTIAL_EXPIRING).first()
    assert notice is not None and notice.url.endswith("/volunteer/credentials/")


# --- Query counts -------------------------------------------------------------------------------
def _fill(volunteer, n, coordinator, community):
    for i in range(n):
        start = day_at(8 + Offer.objects.count(), 9)
        request = services.dispatch_create(
            actor=coordinator, skill_code="haircut", starts_at=start, duration_minutes=30,
            community=community, address=ADDRESS, volunteer=volunteer)
        offer = request.offers.get()
        if i % 2:
            services.offer_respond(actor=volunteer.user, offer=offer, accept=True)
        j = Offer.objects.count()  # one more each round: past hours never overlap
        done = commitment(volunteer, day_at(-5, 0) + timedelta(hours=j),
                          day_at(-5, 0) + timedelta(hours=j + 1), kind=CommitmentKind.OTHER)
        if i % 2:
            services.service_hours_log(actor=volunteer.user, commitment=done, hours="0.5")
        ShiftFactory(capacity=3)


@pytest.mark.parametrize("url", [*LIST_PAGES, "/"])
def test_list_pages_cost_the_same_at_1_and_20_rows(client_for, volunteer, coordinator,
                                                   community, url):
    client = client_for(volunteer.user)
    client.get(url)  # session and content types warmed
    _fill(volunteer, 1, coordinator, community)
    one = query_count(lambda: client.get(url))
    _fill(volunteer, 19, coordinator, community)
    twenty = query_count(lambda: client.get(url))
    assert one == twenty, (url, one, twenty)


def test_other_volunteers_never_appear_in_my_offers(client_for, volunteer, coordinator,
                                                    community):
    """A job first offered to someone who declined: my page never names them."""
    first = VolunteerFactory(community=CommunityFactory(street=community.street))
    give_skill(first, "haircut")
    set_availability(first, ALL_WEEK)
    request = services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=next_local(2, 14), duration_minutes=60,
                                       community=community, address=ADDRESS, volunteer=first)
    services.offer_respond(actor=first.user, offer=request.offers.get(), accept=False)
    mine = Offer.objects.filter(request=request, volunteer=volunteer).first()
    if mine is None:  # the matcher picked someone else: offer it to her directly
        pytest.skip("the matcher chose another candidate")
    client = client_for(volunteer.user)
    for url in ("/volunteer/offers/", offer_url(mine), "/volunteer/commitments/"):
        html = client.get(url).content.decode()
        assert first.user.display_name not in html and first.user.username not in html


def test_staff_roles_without_a_roster_entry(client_for, community):
    staff = user_with_role(Role.COMMUNITY_STAFF, community=community)
    assert "您还不是" in client_for(staff).get("/volunteer/offers/").content.decode()
