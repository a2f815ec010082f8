import time

import pytest
import xmltodict
from django.test import override_settings

from backend.wechat.models import WeChatBinding, WeChatInboundMessage
from frontend_api.wechat import commands
from tests.factories.wechat import WeChatBindingFactory

from . import wire

pytestmark = pytest.mark.django_db


# --- URL verification (GET) -------------------------------------------------------------
def test_url_verification_echoes_echostr_as_plain_text(client, account):
    # given WeChat's verification request, signed with the account's token
    params = wire.query("linlidemotoken", echostr="5837397520431")

    # when it reaches the callback
    response = client.get("/wechat/weishinan/", params)

    # then the echostr comes back verbatim as text/plain
    assert response.status_code == 200
    assert response.content == b"5837397520431"
    assert response["Content-Type"].startswith("text/plain")


def test_url_verification_with_a_forged_signature_is_forbidden(client, account):
    params = wire.query("not-the-token", echostr="123")
    response = client.get("/wechat/weishinan/", params)
    assert response.status_code == 403
    assert b"123" not in response.content


def test_url_verification_without_parameters_is_forbidden(client, account):
    assert client.get("/wechat/weishinan/").status_code == 403


def test_unknown_account_is_404(client, account):
    params = wire.query("linlidemotoken", echostr="1")
    assert client.get("/wechat/nosuchaccount/", params).status_code == 404
    response = client.post("/wechat/nosuchaccount/?" + "&".join(
        f"{k}={v}" for k, v in wire.query("linlidemotoken").items()),
        data=wire.text_xml().encode(), content_type="text/xml")
    assert response.status_code == 404


def test_other_methods_are_not_allowed(client, account):
    assert client.put("/wechat/weishinan/").status_code == 405


# --- Signatures, timestamps, nonces -----------------------------------------------------
def test_text_message_gets_a_passive_text_reply(send, account):
    # given a follower's 帮助, signed exactly as WeChat signs it
    xml = wire.text_xml(from_user="oFollowerA", to_user="gh_weishinan", content="帮助")

    # when WeChat posts it
    response = send(account, xml)

    # then the reply is passive XML addressed back to the follower
    assert response.status_code == 200
    reply = xmltodict.parse(response.content)["xml"]
    assert reply["ToUserName"] == "oFollowerA"
    assert reply["FromUserName"] == "gh_weishinan"
    assert reply["MsgType"] == "text"
    assert "课程" in reply["Content"] and "证书" in reply["Content"]


def test_forged_message_signature_is_forbidden_and_nothing_is_recorded(send, account):
    params = wire.query("wrong-token")
    response = send(account, wire.text_xml(), params=params)
    assert response.status_code == 403
    assert not WeChatInboundMessage.objects.exists()
    assert not WeChatBinding.objects.exists()


def test_signature_of_other_parameters_is_forbidden(send, account):
    # given a real signature, but the timestamp changed after signing
    params = wire.query("linlidemotoken")
    params["timestamp"] = str(int(params["timestamp"]) - 1)
    assert send(account, wire.text_xml(), params=params).status_code == 403


def test_stale_timestamp_is_forbidden(send, account):
    # given a correctly signed request from 6 minutes ago
    params = wire.query("linlidemotoken", timestamp=int(time.time()) - 360)
    response = send(account, wire.text_xml(), params=params)
    assert response.status_code == 403
    assert not WeChatInboundMessage.objects.exists()


def test_far_future_timestamp_is_forbidden(send, account):
    params = wire.query("linlidemotoken", timestamp=int(time.time()) + 360)
    assert send(account, wire.text_xml(), params=params).status_code == 403


def test_clock_skew_setting_is_read_at_call_time(send, account):
    params = wire.query("linlidemotoken", timestamp=int(time.time()) - 100)
    with override_settings(LINLI_WECHAT_MAX_CLOCK_SKEW_SECONDS=30):
        assert send(account, wire.text_xml(), params=params).status_code == 403
    params = wire.query("linlidemotoken", timestamp=int(time.time()) - 100)
    assert send(account, wire.text_xml(), params=params).status_code == 200


def test_replayed_timestamp_and_nonce_are_forbidden(send, account):
    # given a request that was accepted
    params = wire.query("linlidemotoken")
    assert send(account, wire.text_xml(content="帮助"), params=params).status_code == 200

    # when the same signed query is sent again, even with another message
    response = send(account, wire.text_xml(content="证书"), params=params)

    # then it is refused and the second message was not processed
    assert response.status_code == 403
    assert WeChatInboundMessage.objects.count() == 1


def test_replayed_nonce_on_url_verification_is_forbidden(client, account):
    params = wire.query("linlidemotoken", echostr="abc")
    assert client.get("/wechat/weishinan/", params).status_code == 200
    assert client.get("/wechat/weishinan/", params).status_code == 403


def test_forged_requests_do_not_use_up_a_nonce(send, account):
    # given an attacker who saw a nonce and sends it first with a bad signature
    params = wire.query("linlidemotoken")
    forged = {**params, "signature": "0" * 40}
    assert send(account, wire.text_xml(), params=forged).status_code == 403

    # then the real request with that nonce still goes through
    assert send(account, wire.text_xml(), params=params).status_code == 200


def test_nonces_are_per_account(send, account, safe_account):
    other = WeChatBindingFactory().account
    params = wire.query("linlidemotoken", nonce="samenonce", timestamp=int(time.time()))
    assert send(account, wire.text_xml(), params=params).status_code == 200
    params_other = wire.query(other.token, nonce="samenonce", timestamp=int(params["timestamp"]))
    assert send(other, wire.text_xml(), params=params_other).status_code == 200


# --- Message dedup ----------------------------------------------------------------------
def test_replayed_message_id_gets_the_same_reply_without_processing_twice(send, account, bound):
    # given a text message that was answered
    xml = wire.text_xml(from_user="oResident0001", content="帮助", msg_id="6054768590064713728")
    first = send(account, xml)
    assert first.status_code == 200 and first.content != b"success"

    # when WeChat retries it (fresh timestamp and nonce, same MsgId)
    again = send(account, xml)

    # then the retry gets the first reply again (WeChat shows an empty one as nothing),
    # and the message was recorded once
    assert again.status_code == 200
    assert wire.reply_content(again.content) == wire.reply_content(first.content)
    assert WeChatInboundMessage.objects.filter(msg_id="6054768590064713728").count() == 1


def test_replayed_event_is_processed_once(send, account):
    created = int(time.time())
    xml = wire.event_xml("subscribe", from_user="oNew", create_time=created)
    first = send(account, xml).content
    assert first != b"success"
    assert wire.reply_content(send(account, xml).content) == wire.reply_content(first)
    assert WeChatInboundMessage.objects.filter(msg_id__isnull=True).count() == 1


def test_same_msg_id_on_two_accounts_is_two_messages(send, account):
    other = WeChatBindingFactory().account
    xml = wire.text_xml(content="帮助", msg_id="42")
    assert send(account, xml).content != b"success"
    assert send(other, xml).content != b"success"


# --- Malformed bodies -------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    b"",
    b"not xml at all",
    b"<xml><ToUserName>x</ToUserName>",                       # truncated
    b"<xml><FromUserName>x</FromUserName></xml>",             # no MsgType
    b"<xml><MsgType>text</MsgType><Content>hi</Content></xml>",  # no sender, no time
    b"<xml><MsgType>text</MsgType><FromUserName>a</FromUserName>"
    b"<CreateTime>abc</CreateTime></xml>",
    b"\xff\xfe\x00<xml>",                                       # not UTF-8
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml>&a;</xml>',
    b"[1, 2, 3]",
])
def test_malformed_body_is_400(client, account, body):
    qs = "&".join(f"{k}={v}" for k, v in wire.query("linlidemotoken").items())
    response = client.post(f"/wechat/weishinan/?{qs}", data=body, content_type="text/xml")
    assert response.status_code == 400
    assert not WeChatInboundMessage.objects.exists()


def test_oversized_body_is_400(send, account):
    xml = wire.text_xml(content="帮" * 30000)
    assert send(account, xml).status_code == 400


def test_unexpected_failure_is_never_a_500(send, account, monkeypatch):
    # given a command that blows up
    def boom(ctx):
        raise RuntimeError("bug")

    monkeypatch.setitem(commands.REGISTRY, "帮助", commands.Command("帮助", boom, False))

    # when it is called
    response = send(account, wire.text_xml(content="帮助", msg_id="777"))

    # then the follower gets an apology, and the claim is rolled back so a retry can run
    assert response.status_code == 200
    assert "稍后再试" in wire.reply_content(response.content)
    assert not WeChatInboundMessage.objects.filter(msg_id="777").exists()


def test_a_message_neither_text_nor_photo_gets_a_hint(send, account):
    xml = ("<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName>"
           f"<CreateTime>{int(time.time())}</CreateTime><MsgType>voice</MsgType>"
           "<MediaId>m</MediaId><Format>amr</Format><MsgId>99</MsgId></xml>")
    response = send(account, xml)
    assert response.status_code == 200
    assert "帮助" in wire.reply_content(response.content)


def test_a_photo_from_an_unbound_follower_asks_her_to_bind(send, account):
    # A photo starts a help request (tests/wechat/test_help_wechat.py), for a bound person.
    xml = ("<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName>"
           f"<CreateTime>{int(time.time())}</CreateTime><MsgType>image</MsgType>"
           "<PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId><MsgId>98</MsgId></xml>")
    response = send(account, xml)
    assert response.status_code == 200
    assert "绑定" in wire.reply_content(response.content)


# --- Subscribe / unsubscribe ------------------------------------------------------------
def test_subscribe_gets_welcome_with_help_and_bind_link(send, account, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example.cn"
    response = send(account, wire.event_xml("subscribe", from_user="oNewFan"))
    text = wire.reply_content(response.content)
    assert "欢迎关注「微市南」" in text
    assert "证书" in text
    assert "https://linli.example.cn/wechat/weishinan/bind" in text
    assert WeChatBinding.objects.get(account=account, openid="oNewFan").subscribed


def test_subscribe_by_qr_scene_also_welcomes(send, account):
    response = send(account, wire.event_xml("subscribe", from_user="oScan",
                                            event_key="qrscene_123"))
    assert "欢迎关注" in wire.reply_content(response.content)


def test_unsubscribe_clears_subscribed_and_replies_nothing(send, account, bound):
    response = send(account, wire.event_xml("unsubscribe", from_user="oResident0001"))
    assert response.content == b"success"
    bound.refresh_from_db()
    assert bound.subscribed is False
    assert bound.user is not None  # the binding survives; re-following restores it

    send(account, wire.event_xml("subscribe", from_user="oResident0001",
                                 create_time=int(time.time()) + 1))
    bound.refresh_from_db()
    assert bound.subscribed is True


def test_menu_click_runs_the_command_of_its_key(send, account):
    response = send(account, wire.event_xml("CLICK", from_user="oMenu", event_key="帮助"))
    assert "课程" in wire.reply_content(response.content)


# --- Safe mode (AES) --------------------------------------------------------------------
def test_safe_mode_round_trip(client, safe_account):
    # given a message encrypted and signed the way WeChat does with a generated key
    assert len(safe_account.encoding_aes_key) == 43
    xml = wire.text_xml(from_user="oSafe", to_user="gh_jinkoulu", content="帮助")
    params, body = wire.safe_mode_post(safe_account, xml)

    # when it is posted
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(f"/wechat/{safe_account.slug}/?{qs}", data=body.encode(),
                           content_type="text/xml")

    # then the reply is encrypted, correctly signed, and decrypts to the help text
    assert response.status_code == 200
    assert b"<Encrypt>" in response.content
    reply = xmltodict.parse(wire.open_encrypted_reply(safe_account, response.content))["xml"]
    assert reply["ToUserName"] == "oSafe"
    assert "证书" in reply["Content"]


def test_safe_mode_forged_msg_signature_is_forbidden(client, safe_account):
    params, body = wire.safe_mode_post(safe_account, wire.text_xml())
    params["msg_signature"] = "f" * 40
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(f"/wechat/{safe_account.slug}/?{qs}", data=body.encode(),
                           content_type="text/xml")
    assert response.status_code == 403
    assert not WeChatInboundMessage.objects.exists()


def test_safe_mode_rejects_a_plain_body(client, safe_account):
    qs = "&".join(f"{k}={v}" for k, v in wire.query(safe_account.token).items())
    response = client.post(f"/wechat/{safe_account.slug}/?{qs}",
                           data=wire.text_xml().encode(), content_type="text/xml")
    assert response.status_code == 400


def test_safe_mode_message_for_another_app_is_400(client, safe_account):
    # given an envelope that is correctly signed but was encrypted for another app id
    params = wire.query(safe_account.token)
    encrypted = wire.aes_encrypt(safe_account.encoding_aes_key, "wxsomeoneelse", wire.text_xml())
    params["msg_signature"] = wire.sha1_signature(safe_account.token, params["timestamp"],
                                                  params["nonce"], encrypted)
    params["encrypt_type"] = "aes"
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(f"/wechat/{safe_account.slug}/?{qs}", data=body.encode(),
                           content_type="text/xml")
    assert response.status_code == 400


def test_safe_mode_garbage_ciphertext_is_400(client, safe_account):
    params = wire.query(safe_account.token)
    encrypted = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"
    params["msg_signature"] = wire.sha1_signature(safe_account.token, params["timestamp"],
                                                  params["nonce"], encrypted)
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(f"/wechat/{safe_account.slug}/?{qs}",
                           data=f"<xml><Encrypt>{encrypted}</Encrypt></xml>".encode(),
                           content_type="text/xml")
    assert response.status_code == 400


def test_compatible_mode_accepts_plain_and_encrypted(client, safe_account):
    safe_account.mode = "COMPATIBLE"
    safe_account.save()
    # plain
    qs = "&".join(f"{k}={v}" for k, v in wire.query(safe_account.token).items())
    plain = client.post(f"/wechat/{safe_account.slug}/?{qs}",
                        data=wire.text_xml(content="帮助").encode(), content_type="text/xml")
    assert "证书" in wire.reply_content(plain.content)
    # encrypted
    params, body = wire.safe_mode_post(safe_account, wire.text_xml(content="帮助"))
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    encrypted = client.post(f"/wechat/{safe_account.slug}/?{qs}", data=body.encode(),
                            content_type="text/xml")
    assert "证书" in wire.reply_content(wire.open_encrypted_reply(safe_account,
                                                                  encrypted.content))
