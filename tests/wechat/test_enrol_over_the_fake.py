"""`报名 <code>` and `我的` over loopback HTTP: the fake WeChat posts the follower's text,
signed (and AES-encrypted in safe mode), to Linli's callback on a live server; Linli enrols
her through the courses service and the confirmation goes back to the fake as a template
message to her openid — the same enrolment and the same message as `courseEnroll`."""

import time

import pytest
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.notifications.models import Notification, NotificationKind
from backend.wechat.models import WeChatTemplate
from courses.models import Enrollment
from tests.factories.accounts import user_with_role
from tests.factories.courses import CourseFactory, CourseRunFactory, VenueFactory
from tests.factories.wechat import (
    SafeWeChatAccountFactory,
    WeChatAccountFactory,
    WeChatBindingFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

TEMPLATE = "TPL-ENROLMENT-OK"
ENROL = """mutation($runId: ID!) { courseEnroll(runId: $runId) {
  enrollment { status } errors { code } } }"""


@pytest.fixture(params=["plain", "safe"])
def account(request, street):
    if request.param == "safe":
        return SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区微家园")
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id="wxlinlidemo0000000",
                                token="linlidemotoken")


@pytest.fixture
def run(community):
    venue = VenueFactory(community=community, name="金口路社区活动中心", address="金口二路 1 号")
    return CourseRunFactory(course=CourseFactory(title="微信入门"), venue=venue,
                            code="WX2612-03", capacity=5)


@pytest.fixture
def fake(fake_wechat, account, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    WeChatTemplate.objects.create(account=account, kind=NotificationKind.ENROLLMENT_CONFIRMED,
                                  template_id=TEMPLATE)
    fake_wechat.register(account, templates=[TEMPLATE],
                         encoding_aes_key=account.encoding_aes_key or "",
                         callback_url=f"{live_server.url}/wechat/{account.slug}/",
                         followers=[{"openid": "oGranny", "nickname": "林奶奶"},
                                    {"openid": "oNeighbour", "nickname": "邻居"}])
    return fake_wechat


def _template_messages(fake, account, openid, seconds=10.0):
    deadline = time.monotonic() + seconds
    while True:
        sent = fake.control.messages(appid=account.app_id, openid=openid, kind="template")
        if sent or time.monotonic() > deadline:
            return sent
        time.sleep(0.1)


def _enrolment_facts(user, run):
    enrollment = Enrollment.objects.get(user=user, run=run)
    kinds = list(Notification.objects.filter(user=user).values_list("kind", flat=True))
    return {"status": enrollment.status, "notifications": kinds}


def test_enrol_by_message_is_courseenroll_and_the_confirmation_reaches_her(
        fake, account, run, resident, community, gql):
    WeChatBindingFactory(account=account, openid="oGranny", user=resident)
    neighbour = user_with_role(Role.RESIDENT, community=community)
    WeChatBindingFactory(account=account, openid="oNeighbour", user=neighbour)

    answer = fake.control.inbound(account.app_id, "oGranny", "报名 wx2612-03")

    assert answer["callback_status"] == 200
    assert answer["encrypted"] is bool(account.encoding_aes_key)
    assert "报名成功" in answer["reply"] and "WX2612-03" in answer["reply"]
    # The neighbour enrols through the API: the same enrolment, the same notification.
    result = gql(ENROL, {"runId": to_global_id("CourseRun", str(run.pk))}, user=neighbour)
    assert result.data["courseEnroll"] == {"enrollment": {"status": "ENROLLED"}, "errors": []}
    assert _enrolment_facts(resident, run) == _enrolment_facts(neighbour, run) == {
        "status": "ENROLLED", "notifications": [NotificationKind.ENROLLMENT_CONFIRMED]}
    run.refresh_from_db()
    assert run.enrolled_count == 2

    for openid in ("oGranny", "oNeighbour"):
        sent = _template_messages(fake, account, openid)
        assert [(m["body"]["touser"], m["body"]["template_id"]) for m in sent] == [
            (openid, TEMPLATE)], sent
    # She got the passive reply and one template message, nothing else (in either order:
    # without a broker the delivery runs before the reply leaves).
    kinds = [m["kind"] for m in fake.control.messages(appid=account.app_id, openid="oGranny")]
    assert sorted(kinds) == ["reply", "template"]

    mine = fake.control.inbound(account.app_id, "oGranny", "我的")
    assert mine["callback_status"] == 200
    assert "WX2612-03 微信入门" in mine["reply"] and "已报名" in mine["reply"]


def test_an_unbound_follower_enrols_nobody_and_gets_no_template(fake, account, run):
    answer = fake.control.inbound(account.app_id, "oGranny", "报名 WX2612-03")

    assert answer["callback_status"] == 200 and "绑定" in answer["reply"]
    assert not Enrollment.objects.filter(run=run).exists()
    assert fake.control.messages(kind="template") == []
