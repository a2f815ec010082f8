"""便民纸条 from WeChat: `求助 <text>`, `求助` alone and a photo each start one draft and
answer with its /help/new/<token> link; WeChat's retry of the same MsgId makes none; the
photo comes through /cgi-bin/media/get (never PicUrl) and is stored without EXIF; the link
confirms the draft in one tap. Real XML, signed (and AES-encrypted in safe mode) as WeChat
sends it: by tests/wechat/wire.py on the test client, by the bundled fake over loopback."""

import base64
import json
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.factories.accounts import PASSWORD
from tests.factories.wechat import (
    SafeWeChatAccountFactory,
    WeChatAccountFactory,
    WeChatBindingFactory,
)
from tests.helpers.help_front import photo_bytes, ready_resident
from volunteers.help.photos import help_photo_read
from volunteers.models import HelpDraft, HelpPhoto, ServiceRequest

from . import wire

OPENID = "oResident0001"
LINK = re.compile(r"https?://\S+/help/new/(?P<token>[\w-]+)\?wx=(?P<slug>[\w-]+)")


def link_in(reply: str) -> re.Match:
    found = LINK.search(reply or "")
    assert found, reply
    return found


# --- Over the test client: signed XML, plain and safe mode ----------------------------------
@pytest.mark.django_db
def test_qiuzhu_text_starts_one_draft_and_a_retry_starts_none(send, account, community):
    her = ready_resident(community)
    WeChatBindingFactory(account=account, openid=OPENID, user=her)
    xml = wire.text_xml(from_user=OPENID, content="求助 想理发，行动不便", msg_id="9001")
    first = wire.reply_content(send(account, xml).content)
    again = wire.reply_content(send(account, xml).content)  # WeChat's retry: same MsgId
    found = link_in(first)
    assert found["slug"] == "weishinan"
    assert again == first
    draft = HelpDraft.objects.get()
    assert (draft.user, draft.text, draft.token) == (her, "想理发，行动不便", found["token"])
    assert "紧急情况请拨打 120 / 110" in first
    assert not ServiceRequest.objects.exists()  # a draft is not a request until confirmed


@pytest.mark.django_db
def test_qiuzhu_alone_in_safe_mode_starts_a_draft_without_text(client, community):
    account = SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区")
    her = ready_resident(community)
    WeChatBindingFactory(account=account, openid=OPENID, user=her)
    params, body = wire.safe_mode_post(account, wire.text_xml(from_user=OPENID, content="求助"))
    response = client.post(f"/wechat/{account.slug}/?" + "&".join(
        f"{k}={v}" for k, v in params.items()), data=body.encode(), content_type="text/xml")
    reply = wire.reply_content(wire.open_encrypted_reply(account, response.content))
    assert link_in(reply)["slug"] == "jinkoulu"
    assert HelpDraft.objects.get().text == ""


@pytest.mark.django_db
def test_an_unbound_follower_is_asked_to_bind_first(say, account):
    reply = say(account, "oStranger", "求助 修水管")
    assert "绑定" in reply
    assert not HelpDraft.objects.exists()


@pytest.mark.django_db
def test_the_help_command_lists_qiuzhu(say, account):
    assert "【求助" in say(account, "oStranger", "帮助")


# --- Over loopback: the fake WeChat posts, Linli fetches the photo through media/get ---------
@pytest.fixture(params=["plain", "safe"])
def wx_account(request, db):
    if request.param == "safe":
        return SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区")
    return WeChatAccountFactory(slug="weishinan", name="微市南")


@pytest.fixture
def fake(fake_wechat, wx_account, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    fields = ({"encoding_aes_key": wx_account.encoding_aes_key}
              if wx_account.encoding_aes_key else {})
    fake_wechat.register(wx_account, followers=[OPENID],
                         callback_url=f"{live_server.url}/wechat/{wx_account.slug}/", **fields)
    return fake_wechat


@pytest.mark.django_db(transaction=True)
def test_a_photo_starts_one_draft_fetched_through_media_get_and_confirmed_by_the_link(
        fake, wx_account, community, live_server):
    her = ready_resident(community)
    WeChatBindingFactory(account=wx_account, openid=OPENID, user=her)
    media_id = fake.control.add_media(wx_account.app_id, photo_bytes(gps=True))

    first = fake.control.inbound(wx_account.app_id, OPENID, media_id=media_id, msg_id="77001")
    retry = fake.control.inbound(wx_account.app_id, OPENID, media_id=media_id, msg_id="77001")

    assert first["callback_status"] == 200 and first["encrypted"] == bool(
        wx_account.encoding_aes_key)
    found = link_in(first["reply"])
    assert retry["reply"] == first["reply"]
    draft = HelpDraft.objects.get()
    assert draft.token == found["token"] and draft.user == her
    assert len(fake.control.calls(appid=wx_account.app_id, kind="media_get")) == 1
    photo = HelpPhoto.objects.get()
    assert photo.draft_id == draft.pk
    stored = Image.open(BytesIO(help_photo_read(photo)))
    assert not stored.getexif()  # no EXIF, so no GPS

    # She opens the link (signed in) and confirms in one tap; the photo comes along.
    client = Client()
    assert client.login(username=her.username, password=PASSWORD)
    page = client.get(f"/help/new/{draft.token}")
    assert page.status_code == 200 and "请看照片" in page.content.decode()
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(f"/help/new/{draft.token}", {
        "skill": "other", "description": "水龙头坏了", "preferred_date": day,
        "part_of_day": "MORNING", "address_choice": "home"})
    assert response.status_code == 302
    request = ServiceRequest.objects.get(requester=her)
    assert list(request.photos.values_list("pk", flat=True)) == [photo.pk]


@pytest.mark.django_db(transaction=True)
def test_a_photo_wechat_cannot_hand_over_still_gives_her_the_link(fake, wx_account, community):
    her = ready_resident(community)
    WeChatBindingFactory(account=wx_account, openid=OPENID, user=her)
    reply = fake.control.inbound(wx_account.app_id, OPENID, media_id="expired-media")["reply"]
    link_in(reply)
    assert HelpDraft.objects.count() == 1
    assert not HelpPhoto.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_simulator_sends_a_photo_as_temporary_media_and_an_image_message(
        fake, wx_account, community, settings):
    settings.DEBUG = True
    her = ready_resident(community)
    WeChatBindingFactory(account=wx_account, openid=OPENID, user=her)
    client = Client()
    body = {"account": wx_account.slug, "openid": OPENID, "content_type": "image/jpeg",
            "image_base64": base64.b64encode(photo_bytes()).decode()}
    response = client.post("/dev/wechat/api/send", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    link_in(response.json()["reply"])
    assert HelpDraft.objects.get().photos.count() == 1
    bad = client.post("/dev/wechat/api/send", json.dumps({**body, "content_type": "image/gif"}),
                      content_type="application/json")
    assert bad.status_code == 415
    assert HelpDraft.objects.count() == 1
