"""Inbound messages (wechatpy's parser and AES envelope): parse, decrypt, passive replies.

Split from client.py (the HTTP client) by topic; both are the vendor boundary, and client
re-exports these names, so callers keep using `client.parse_xml_message` and friends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import xmltodict
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException


class MessageError(Exception):
    """An inbound body that cannot be decrypted or parsed."""


class MessageSignatureError(MessageError):
    pass


@dataclass(frozen=True)
class InboundMessage:
    """What the interface layer needs from a parsed message or event."""

    type: str                  # "text", "event", "image", ...
    source: str                # follower's openid (FromUserName)
    target: str                # the account's original id (ToUserName)
    create_time: int
    msg_id: str | None = None
    content: str = ""
    event: str = ""            # "subscribe", "unsubscribe", "click", ...
    event_key: str = ""
    media_id: str = ""         # an image message's temporary media (fetch with media/get)
    pic_url: str = ""
    raw: object = field(default=None, repr=False, compare=False)


def _reject_doctype(xml: str) -> None:
    # WeChat never sends a DTD; refusing one rules out entity-expansion tricks in the parser.
    if "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():
        raise MessageError("DTD not allowed")


def parse_xml_message(xml: str) -> InboundMessage:
    _reject_doctype(xml)
    try:
        message = parse_message(xml)
    except Exception as exc:  # expat errors, missing MsgType, non-dict roots...
        raise MessageError(str(exc)) from exc
    if message is None:
        raise MessageError("empty message")
    try:
        data = message._data
        source = str(data.get("FromUserName") or "")
        target = str(data.get("ToUserName") or "")
        create_time = int(data.get("CreateTime") or 0)
        msg_id = data.get("MsgId")
        if msg_id in (None, "") and data.get("MsgID"):
            # Job-finish events carry the job's MsgID: their identity, so two jobs finishing
            # in the same second are not taken for one event sent twice.
            msg_id = f"{str(data.get('Event') or '').lower()}:{data['MsgID']}"
        msg_type = str(data.get("MsgType") or "").lower()
        event = str(data.get("Event") or "").lower()
        content = str(data.get("Content") or "") if msg_type == "text" else ""
        event_key = str(data.get("EventKey") or "")
        media_id = str(data.get("MediaId") or "") if msg_type == "image" else ""
        pic_url = str(data.get("PicUrl") or "") if msg_type == "image" else ""
    except (AttributeError, TypeError, ValueError) as exc:
        raise MessageError(str(exc)) from exc
    if not source or not msg_type or create_time <= 0:
        raise MessageError("missing FromUserName, MsgType or CreateTime")
    return InboundMessage(type=msg_type, source=source, target=target, create_time=create_time,
                          msg_id=str(msg_id) if msg_id not in (None, "") else None,
                          content=content, event=event, event_key=event_key, media_id=media_id,
                          pic_url=pic_url, raw=message)


def _crypto(account) -> WeChatCrypto:
    return WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)


def decrypt_body(account, body: str, *, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The plaintext XML inside a safe-mode body. The caller has already checked
    msg_signature in constant time; wechatpy checks it again."""
    _reject_doctype(body)
    try:
        return _crypto(account).decrypt_message(body, msg_signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise MessageSignatureError("bad msg_signature") from exc
    except InvalidAppIdException as exc:
        raise MessageError("message for another app id") from exc
    except Exception as exc:  # bad base64, padding, XML, missing <Encrypt>
        raise MessageError(str(exc)) from exc


def encrypted_field(body: str) -> str:
    """The <Encrypt> element of a safe-mode body ('' if none), for the signature check."""

    _reject_doctype(body)
    try:
        return str(xmltodict.parse(body)["xml"].get("Encrypt") or "")
    except Exception as exc:
        raise MessageError(str(exc)) from exc


def text_reply(message: InboundMessage, content: str) -> str:
    return create_reply(content, message=message.raw, render=True)


def encrypt_reply(account, xml: str, *, nonce: str, timestamp: str | None = None) -> str:
    return _crypto(account).encrypt_message(xml, nonce, timestamp)


def mass_send_result(message: InboundMessage) -> dict | None:
    """The counts of a MASSSENDJOBFINISH event (None for any other message):
    {"msg_id", "status", "total", "filtered", "sent", "errors"}."""
    if message.type != "event" or message.event != "masssendjobfinish":
        return None
    data = getattr(message.raw, "_data", None) or {}

    def number(key: str) -> int:
        try:
            return max(int(data.get(key) or 0), 0)
        except (TypeError, ValueError):
            return 0

    msg_id = str(data.get("MsgID") or data.get("MsgId") or "")
    if not msg_id:
        return None
    return {"msg_id": msg_id, "status": str(data.get("Status") or ""),
            "total": number("TotalCount"), "filtered": number("FilterCount"),
            "sent": number("SentCount"), "errors": number("ErrorCount")}
