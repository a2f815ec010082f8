"""What the newcomer's flow in the simulator needs, in fast tests: the simulator's staff
step (a binding link for the demo person a follower is), the binding state in its follower
list, and the 辅导 reply's booking link signing her in through OAuth (`?wx=`)."""

import json

import pytest
import requests

from backend.accounts.models import Role
from backend.core.models import AuditLog
from backend.wechat import services
from backend.wechat.demo import DEMO_APP_ID, demo_openid
from backend.wechat.models import BindingLink
from frontend_api.wechat.commands import tutoring_url
from tests.factories.accounts import user_with_role
from tests.factories.wechat import WeChatAccountFactory

from .test_binding_links import _path, follow_oauth
from .test_course_commands import _slot, tutor  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(db):
    return WeChatAccountFactory(slug="weishinan", name="微市南", app_id=DEMO_APP_ID,
                                app_secret="demo-secret", token="linlidemotoken")


@pytest.fixture
def demo_people(community):
    return {"resident": user_with_role(Role.RESIDENT, community=community,
                                       username="resident", display_name="林奶奶"),
            "staff": user_with_role(Role.COMMUNITY_STAFF, community=community,
                                    username="staff", display_name="李社工")}


@pytest.fixture
def fake(fake_wechat, account, demo_people):
    fake_wechat.register(account, followers=[
        {"openid": demo_openid(account, "resident"), "nickname": "林奶奶（居民）"},
        {"openid": demo_openid(account, "resident-daughter"), "nickname": "林奶奶的女儿"},
        {"openid": "oStranger"}])
    return fake_wechat


def _staff_step(client, account, openid):
    return client.post("/dev/wechat/api/binding-link",
                       json.dumps({"account": account.slug, "openid": openid}),
                       content_type="application/json")


@pytest.mark.parametrize("who", ["resident", "resident-daughter"])
def test_the_staff_step_makes_her_a_link_that_binds_her_follower(client, fake, account,
                                                                 demo_people, settings, who):
    settings.DEBUG = True
    openid = demo_openid(account, who)

    made = _staff_step(client, account, openid)

    assert made.status_code == 200, made.content
    body = made.json()
    assert (body["person"], body["staff"]) == ("林奶奶", "李社工")
    link = BindingLink.objects.get()
    assert (link.user, link.created_by, link.account) == (
        demo_people["resident"], demo_people["staff"], account)
    assert AuditLog.objects.filter(action="wechat.binding_link.create").count() == 1
    # Opened in WeChat as that follower: bound to her, and the list says so.
    opened = client.get("/dev/wechat/open", {"account": account.slug, "openid": openid,
                                              "url": body["url"]})
    authorize = client.get(opened["Location"])["Location"]
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    assert "绑定成功" in client.get(_path(back.headers["Location"])).content.decode()
    listed = client.get("/dev/wechat/api/accounts").json()["accounts"][0]["followers"]
    assert {f["openid"]: f["bound_to"] for f in listed} == {
        demo_openid(account, "resident"): "林奶奶" if who == "resident" else "",
        demo_openid(account, "resident-daughter"): "林奶奶" if who != "resident" else "",
        "oStranger": ""}


def test_the_staff_step_refuses_a_follower_who_is_no_demo_person(client, fake, account,
                                                                 settings):
    settings.DEBUG = True
    assert _staff_step(client, account, "oStranger").status_code == 404
    assert not BindingLink.objects.exists()


def test_the_staff_step_is_404_without_debug(client, fake, account, settings):
    settings.DEBUG = False
    assert _staff_step(client, account, demo_openid(account, "resident")).status_code == 404
    assert not BindingLink.objects.exists()


def test_the_booking_link_signs_the_bound_follower_in_and_returns_to_the_slot(
        client, fake, account, demo_people, tutor):  # noqa: F811
    resident = demo_people["resident"]
    openid = demo_openid(account, "resident")
    services.binding_bind(account=account, openid=openid, user=resident)
    slot = _slot(tutor)
    path = _path(tutoring_url(account, slot))
    assert path.endswith("?wx=weishinan")

    response = client.get(path)

    assert response.status_code == 302
    back = follow_oauth(client, response["Location"], openid)
    assert back["Location"] == path.removesuffix("?wx=weishinan")
    page = client.get(back["Location"])
    assert page.status_code == 200 and page.wsgi_request.user == resident
    assert "预约" in page.content.decode() and slot.topic in page.content.decode()


def test_the_booking_link_for_an_unbound_follower_ends_at_the_login(client, fake, account,
                                                                    tutor):  # noqa: F811
    slot = _slot(tutor)

    response = client.get(_path(tutoring_url(account, slot)))
    back = follow_oauth(client, response["Location"], "oStranger")

    assert back["Location"].startswith("/wechat/weishinan/login/")
    assert "绑定二维码" in client.get(back["Location"]).content.decode()


def test_the_tutoring_reply_tells_an_unbound_follower_how_to_bind(say, account, tutor,  # noqa: F811
                                                                  demo_people):
    _slot(tutor)
    services.binding_bind(account=account, openid="oBound", user=demo_people["resident"])

    unbound = say(account, "oStranger", "辅导")
    bound = say(account, "oBound", "辅导")

    assert "教您视频通话" in unbound and "教您视频通话" in bound
    assert "绑定二维码" in unbound and "/wechat/weishinan/bind" in unbound
    assert "绑定" not in bound
