"""The alliance's accounts, followers and template senders, against the bundled fake WeChat
over loopback (no `responses` stubs)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backend.accounts import demo as accounts_demo
from backend.core.demo import DemoContext
from backend.core.models import AuditLog
from backend.notifications import services as outbox
from backend.notifications import tasks
from backend.notifications.models import NotificationKind, NotificationStatus, SkipReason
from backend.notifications.selectors import call_list
from backend.wechat import demo, services
from backend.wechat.models import (
    AccountType,
    WeChatAccount,
    WeChatBinding,
    WeChatTemplate,
)
from tests.factories.notifications import NotificationFactory
from tests.factories.wechat import WeChatAccountFactory, WeChatBindingFactory

from . import wire

pytestmark = pytest.mark.django_db

KIND = NotificationKind.JOB_OFFERED


def _templates(account, kinds=(KIND,)):
    for kind in kinds:
        services.template_set(account=account, kind=kind, template_id=f"T-{account.slug}-{kind}")
    return [f"T-{account.slug}-{kind}" for kind in kinds]


@pytest.fixture
def district(db):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                app_secret="demo-secret", account_type=AccountType.SERVICE)


@pytest.fixture
def subscription(db, community):
    return WeChatAccountFactory(slug="jinkoulu", name="金口路社区", community=community,
                                account_type=AccountType.SUBSCRIPTION)


@pytest.fixture
def service_account(db, other_community):
    return WeChatAccountFactory(slug="zhanshan-01", name="湛山一社区", community=other_community,
                                account_type=AccountType.SERVICE)


def _deliver(notification):
    tasks.deliver.delay(notification.pk)
    notification.refresh_from_db()
    return notification


# --- accounts ----------------------------------------------------------------------------
def test_capabilities_come_from_the_account_type(district, subscription):
    assert district.capabilities.template_messages
    assert (district.capabilities.mass_sends_per_period,
            district.capabilities.mass_send_period) == (4, "month")
    assert not subscription.capabilities.template_messages
    assert (subscription.capabilities.mass_sends_per_period,
            subscription.capabilities.mass_send_period) == (1, "day")


def test_demo_seeds_66_accounts_each_with_a_secret_and_every_template(capsys):
    ctx = DemoContext(stdout=type("Out", (), {"write": lambda self, s: None})(), style=None)
    accounts_demo.seed(ctx)
    demo.seed(ctx)
    demo.seed(ctx)  # seeding twice changes nothing

    accounts = list(WeChatAccount.objects.all())
    assert len(accounts) == 66
    district = WeChatAccount.objects.get(slug="weishinan")
    assert (district.app_id, district.token, district.account_type, district.is_district) == (
        "wxlinlidemo0000000", "linlidemotoken", AccountType.SERVICE, True)
    assert all(a.app_secret for a in accounts)
    assert len({a.slug for a in accounts}) == 66 and len({a.app_id for a in accounts}) == 66
    assert sum(a.community_id is not None for a in accounts) == 65
    types = {a.account_type for a in accounts}
    assert types == {AccountType.SERVICE, AccountType.SUBSCRIPTION}
    assert WeChatTemplate.objects.count() == 66 * len(NotificationKind.values)
    assert WeChatAccount.objects.get(community__name="金口路社区").slug == "badaguan-jinkoulu"


# --- CSV import and export ---------------------------------------------------------------
CSV_HEADER = "slug,name,app_id,account_type,street,community\n"


def test_import_is_all_or_nothing_with_a_row_report(district_admin, community, street):
    content = CSV_HEADER + (
        f"jinkoulu,金口路社区,wxjinkou000000001,订阅号,,{community.name}\n"
        "bad slug,坏标识,wxbad0000000000001,SERVICE,,\n"
        f"dup,重复,{'wxlinlidemo0000000'},SERVICE,,\n"
        "nounit,未知社区,wxnounit000000001,SERVICE,,不存在社区\n")
    WeChatAccountFactory(slug="weishinan", app_id="wxlinlidemo0000000")

    report = services.accounts_import_csv(actor=district_admin, content=content)

    assert [line for line, _msg in report["rejected"]] == [3, 4, 5]
    assert "AppID" in report["rejected"][1][1] and "未知社区" in report["rejected"][2][1]
    assert not WeChatAccount.objects.filter(slug="jinkoulu").exists()


def test_import_creates_and_updates_then_export_round_trips(district_admin, community, street):
    WeChatAccountFactory(slug="weishinan", name="旧名", app_id="wxlinlidemo0000000")
    content = CSV_HEADER + (
        "weishinan,微市南,wxlinlidemo0000000,SERVICE,,\n"
        f"jinkoulu,金口路社区,wxjinkou000000001,SUBSCRIPTION,,{community.name}\n"
        f"badaguan,八大关,wxbadaguan0000001,SERVICE,{street.name},\n")

    report = services.accounts_import_csv(actor=district_admin, content=content)

    assert report == {"created": 2, "updated": 1, "rejected": []}
    assert WeChatAccount.objects.get(slug="weishinan").name == "微市南"
    jinkou = WeChatAccount.objects.get(slug="jinkoulu")
    assert (jinkou.account_type, jinkou.community) == (AccountType.SUBSCRIPTION, community)
    exported = services.accounts_export_csv(actor=district_admin,
                                            queryset=WeChatAccount.objects.order_by("id"))
    assert exported.replace("\r\n", "\n") == content
    assert AuditLog.objects.filter(action="wechat.account.import").count() == 1


def test_admin_import_page_reports_rejected_rows(client, district_admin):
    client.force_login(district_admin)
    upload = SimpleUploadedFile("a.csv", (CSV_HEADER + "x,名,notwx,SERVICE,,\n").encode())
    response = client.post("/admin/wechat/wechataccount/import/", {"file": upload})
    assert response.status_code == 200
    assert "AppID 格式不正确" in response.content.decode()
    assert not WeChatAccount.objects.exists()


# --- followers ---------------------------------------------------------------------------
def test_follower_sync_pages_25000_followers_in_batches(fake_wechat, district):
    followers = [{"openid": f"o{n:06d}", "unionid": f"u{n:06d}" if n % 2 else ""}
                 for n in range(25_000)]
    followers += [{"openid": "oLeft", "subscribed": False}]
    fake_wechat.register(district, followers=followers)
    # a follower we knew, since unfollowed without an event reaching us; and a bound one
    WeChatBindingFactory(account=district, openid="oStale")
    bound = WeChatBindingFactory(account=district, openid="o000001", user=None)

    result = services.followers_sync(account=district)

    assert result == {"seen": 25_000, "written": 25_000, "unsubscribed": 1}
    assert WeChatBinding.objects.filter(account=district, subscribed=True).count() == 25_000
    assert WeChatBinding.objects.get(openid="o000003").unionid == "u000003"
    assert WeChatBinding.objects.get(openid="o000003").subscribed_at is not None
    assert not WeChatBinding.objects.get(openid="oStale").subscribed
    assert WeChatBinding.objects.get(pk=bound.pk).unionid == "u000001"
    calls = fake_wechat.control.calls(appid=district.app_id)
    kinds = [c["kind"] for c in calls if c["kind"] in ("user_get", "batchget")]
    assert kinds.count("user_get") == 3 and kinds.count("batchget") == 250
    # streamed: page 1 was looked up before page 2 was asked for
    assert kinds.index("batchget") < kinds.index("user_get", 1)


def test_subscribe_and_unsubscribe_events_keep_the_follower_record(client, district):
    def send(event, at):
        xml = wire.event_xml(event, from_user="oFan", create_time=at)
        return client.post(f"/wechat/{district.slug}/?"
                           + "&".join(f"{k}={v}" for k, v in wire.query(district.token).items()),
                           data=xml, content_type="text/xml")

    now = int(timezone.now().timestamp())
    assert send("subscribe", now - 1).status_code == 200
    fan = WeChatBinding.objects.get(account=district, openid="oFan")
    assert fan.subscribed and fan.subscribed_at is not None and fan.unsubscribed_at is None
    assert send("unsubscribe", now).status_code == 200
    fan.refresh_from_db()
    assert not fan.subscribed and fan.unsubscribed_at is not None


# --- who sends ---------------------------------------------------------------------------
def test_the_followed_service_account_sends_when_it_has_the_template(
        fake_wechat, district, service_account, resident):
    fake_wechat.register(service_account, followers=["oSvc"], templates=_templates(service_account))
    WeChatBindingFactory(account=service_account, openid="oSvc", user=resident)

    notification = _deliver(NotificationFactory(user=resident, kind=KIND))

    assert notification.status == NotificationStatus.SENT
    assert [m["appid"] for m in fake_wechat.control.messages(kind="template")] == [
        service_account.app_id]


def test_a_subscription_account_falls_back_to_the_district_by_unionid(
        fake_wechat, district, subscription, resident):
    fake_wechat.register(district, followers=[{"openid": "oDistrict", "unionid": "uLin"}],
                         templates=_templates(district))
    WeChatBindingFactory(account=subscription, openid="oSub", user=resident, unionid="uLin")
    WeChatBindingFactory(account=district, openid="oDistrict", user=None, unionid="uLin")

    notification = _deliver(NotificationFactory(user=resident, kind=KIND))

    assert notification.status == NotificationStatus.SENT
    sent = fake_wechat.control.messages(kind="template")
    assert [(m["appid"], m["body"]["touser"]) for m in sent] == [(district.app_id, "oDistrict")]


def test_an_account_without_the_template_falls_back_to_the_district(
        fake_wechat, district, service_account, resident):
    fake_wechat.register(district, followers=["oD"], templates=_templates(district))
    WeChatBindingFactory(account=service_account, openid="oS", user=resident)
    WeChatBindingFactory(account=district, openid="oD", user=resident)

    assert _deliver(NotificationFactory(user=resident, kind=KIND)).status == \
        NotificationStatus.SENT
    assert [m["appid"] for m in fake_wechat.control.messages(kind="template")] == [
        district.app_id]


def test_nobody_can_send_so_the_row_is_skipped_for_the_call_list(
        fake_wechat, district, subscription, resident, coordinator):
    _templates(district)
    WeChatBindingFactory(account=subscription, openid="oSub", user=resident, unionid="uLin")

    notification = _deliver(NotificationFactory(user=resident, kind=KIND))

    assert notification.status == NotificationStatus.SKIPPED
    assert notification.skip_reason == SkipReason.NO_SENDABLE_ACCOUNT
    assert notification.last_error.startswith("NO_SENDABLE_ACCOUNT")
    assert "订阅号" in notification.last_error
    assert fake_wechat.control.calls() == []
    assert list(call_list(coordinator)) == [notification]


# --- template data -----------------------------------------------------------------------
def test_a_long_chinese_course_title_gets_through_wechats_checks(fake_wechat, district,
                                                                  resident):
    fake_wechat.register(district, followers=["oD"],
                         templates=_templates(district, [NotificationKind.ENROLLMENT_CONFIRMED]))
    WeChatBindingFactory(account=district, openid="oD", user=resident)
    title = "老年人智能手机应用与微信公众号运营实务进阶培训班（第二期·周末班）"
    notification = NotificationFactory(
        user=resident, kind=NotificationKind.ENROLLMENT_CONFIRMED,
        data={"keywords": [title, "RUN-2026-秋-0001\n", "2026年11月26日 14:00"]})

    assert _deliver(notification).status == NotificationStatus.SENT
    data = fake_wechat.control.messages(kind="template")[0]["body"]["data"]
    assert len(data["thing1"]["value"]) == 20 and data["thing1"]["value"].endswith("…")
    assert data["character_string2"]["value"] == "RUN-2026--0001"
    assert data["time3"]["value"] == "2026年11月26日 14:00"
    assert "first" not in data and "remark" not in data


# --- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("errcode", [40164, 48001])
def test_an_account_error_stops_the_account_alerts_and_falls_back(
        fake_wechat, district, service_account, resident, district_admin, errcode,
        django_capture_on_commit_callbacks):
    district_admin.email = "admin@linli.example"
    district_admin.save()
    fake_wechat.register(service_account, followers=["oS"], templates=_templates(service_account))
    fake_wechat.register(district, followers=["oD"], templates=_templates(district))
    WeChatBindingFactory(account=service_account, openid="oS", user=resident)
    WeChatBindingFactory(account=district, openid="oD", user=resident)
    WeChatBinding.objects.filter(openid="oD").update(bound_at=timezone.now() - timedelta(days=9))
    WeChatBinding.objects.filter(openid="oS").update(bound_at=timezone.now())
    fake_wechat.control.inject_error("/cgi-bin/message/template/send", errcode=errcode)

    with django_capture_on_commit_callbacks(execute=True):
        notification = _deliver(NotificationFactory(user=resident, kind=KIND))

    service_account.refresh_from_db()
    assert service_account.sending_stopped_at is not None
    assert str(errcode) in service_account.sending_stopped_reason
    assert AuditLog.objects.filter(action="wechat.account.sending_stopped",
                                   object_id=str(service_account.pk)).count() == 1
    assert [m.to for m in mail.outbox] == [["admin@linli.example"]]
    assert service_account.name in mail.outbox[0].subject
    # the message went out through the district instead
    assert notification.status == NotificationStatus.SENT
    assert [m["appid"] for m in fake_wechat.control.messages(kind="template")] == [
        district.app_id]
    # and the next one does not try the stopped account at all, nor alert again
    _deliver(NotificationFactory(user=resident, kind=KIND))
    assert len(fake_wechat.control.calls(path="/cgi-bin/message/template/send")) == 3
    assert len(mail.outbox) == 1


def test_a_wrong_secret_with_nowhere_else_to_go_makes_rows_wait(fake_wechat, district,
                                                                  resident):
    fake_wechat.register(district, followers=["oD"], templates=_templates(district))
    WeChatBindingFactory(account=district, openid="oD", user=resident)
    district.app_secret = "wrong"
    district.save()

    notification = _deliver(NotificationFactory(user=resident, kind=KIND))

    district.refresh_from_db()
    assert district.sending_stopped_at is not None and "40125" in district.sending_stopped_reason
    assert notification.status == NotificationStatus.PENDING
    assert notification.next_attempt_at > timezone.now()


def test_quota_pauses_one_account_others_send_and_the_sweep_resumes(
        fake_wechat, district, service_account, resident, volunteer_user):
    fake_wechat.register(service_account, followers=["oS"], templates=_templates(service_account))
    fake_wechat.register(district, followers=["oV"], templates=_templates(district))
    WeChatBindingFactory(account=service_account, openid="oS", user=resident)
    WeChatBindingFactory(account=district, openid="oV", user=volunteer_user)
    fake_wechat.control.inject_error("/cgi-bin/message/template/send", errcode=45009)

    waiting = _deliver(NotificationFactory(user=resident, kind=KIND))
    also_waiting = _deliver(NotificationFactory(user=resident, kind=KIND))
    other = _deliver(NotificationFactory(user=volunteer_user, kind=KIND))

    service_account.refresh_from_db()
    assert service_account.sending_paused_until is not None
    assert waiting.status == also_waiting.status == NotificationStatus.PENDING
    assert other.status == NotificationStatus.SENT  # another account is unaffected
    # one refused call (the fault) and the district's send: the paused account was not asked
    assert len(fake_wechat.control.calls(path="/cgi-bin/message/template/send")) == 2
    # when the quota day is over, the sweep (as the beat runs it) sends the waiting rows
    assert outbox.notifications_sweep() == 0  # not before
    later = service_account.sending_paused_until + timedelta(minutes=2)
    WeChatAccount.objects.filter(pk=service_account.pk).update(  # the quota day is over
        sending_paused_until=timezone.now() - timedelta(minutes=5))
    assert outbox.notifications_sweep(now=later) == 2
    waiting.refresh_from_db()
    also_waiting.refresh_from_db()
    assert waiting.status == also_waiting.status == NotificationStatus.SENT


@pytest.mark.parametrize("errcode, invalid", [(40003, True), (43004, False)])
def test_bad_openid_or_unfollowed_marks_the_follower_without_retry(
        fake_wechat, district, resident, errcode, invalid):
    fake_wechat.register(district, followers=[{"openid": "oD", "errcode": errcode}],
                         templates=_templates(district))
    WeChatBindingFactory(account=district, openid="oD", user=resident)

    notification = _deliver(NotificationFactory(user=resident, kind=KIND))

    assert notification.status == NotificationStatus.FAILED and notification.attempts == 1
    follower = WeChatBinding.objects.get(openid="oD")
    assert not follower.subscribed and (follower.invalid_at is not None) == invalid
    assert len(fake_wechat.control.calls(kind="template")) == 1


def test_a_refused_token_is_refreshed_once(fake_wechat, district, resident):
    fake_wechat.register(district, followers=["oD"], templates=_templates(district))
    WeChatBindingFactory(account=district, openid="oD", user=resident)
    assert _deliver(NotificationFactory(user=resident, kind=KIND)).status == \
        NotificationStatus.SENT
    fake_wechat.control.expire_tokens(district.app_id)

    assert _deliver(NotificationFactory(user=resident, kind=KIND)).status == \
        NotificationStatus.SENT
    kinds = [c["kind"] for c in fake_wechat.control.calls(appid=district.app_id)]
    assert kinds == ["stable_token", "template", "template", "stable_token", "template"]


def test_the_admin_resumes_a_stopped_account(client, district_admin, district):
    services.account_sending_stop(account=district, errcode=40164)
    client.force_login(district_admin)
    response = client.post("/admin/wechat/wechataccount/", {
        "action": "resume_sending", "_selected_action": [district.pk]})
    assert response.status_code == 302
    district.refresh_from_db()
    assert district.sending_stopped_at is None and district.sending_stopped_reason == ""
    assert AuditLog.objects.filter(action="wechat.account.sending_resumed").count() == 1
    # and the change page shows the template ids to edit
    page = client.get(f"/admin/wechat/wechataccount/{district.pk}/change/").content.decode()
    assert "templates-TOTAL_FORMS" in page
