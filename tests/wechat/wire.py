"""WeChat's side of the wire, written from its documentation rather than from our code or
wechatpy: SHA-1 signatures and the AES-256-CBC message envelope."""

import base64
import hashlib
import os
import secrets
import socket
import struct
import time

import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def query(token: str, *, timestamp: int | None = None, nonce: str | None = None,
          **extra) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(5)
    return {"signature": sha1_signature(token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, **extra}


def text_xml(*, to_user="gh_linli", from_user="oFollower0001", content="帮助", msg_id=None,
             create_time=None) -> str:
    create_time = int(time.time()) if create_time is None else create_time
    msg_id = msg_id or str(secrets.randbelow(10**18))
    return (f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(event: str, *, to_user="gh_linli", from_user="oFollower0001", create_time=None,
              event_key: str | None = None) -> str:
    create_time = int(time.time()) if create_time is None else create_time
    key = f"<EventKey><![CDATA[{event_key}]]></EventKey>" if event_key is not None else ""
    return (f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>{key}</xml>")


def _key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    return key


def aes_encrypt(encoding_aes_key: str, app_id: str, xml: str) -> str:
    """random(16) + network-order length(4) + xml + appid, PKCS#7 to 32 bytes, AES-CBC
    with IV = key[:16], base64."""
    key = _key(encoding_aes_key)
    text = xml.encode()
    plain = os.urandom(16) + struct.pack("I", socket.htonl(len(text))) + text + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def aes_decrypt(encoding_aes_key: str, encrypted: str) -> tuple[str, str]:
    """(xml, app_id) from an envelope."""
    key = _key(encoding_aes_key)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[:-plain[-1]]
    length = socket.ntohl(struct.unpack("I", plain[16:20])[0])
    return plain[20:20 + length].decode(), plain[20 + length:].decode()


def safe_mode_post(account, xml: str, *, timestamp=None, nonce=None) -> tuple[dict, str]:
    """The query string and body WeChat sends in safe mode."""
    params = query(account.token, timestamp=timestamp, nonce=nonce)
    encrypted = aes_encrypt(account.encoding_aes_key, account.app_id, xml)
    params["encrypt_type"] = "aes"
    params["openid"] = "oFollower0001"
    params["msg_signature"] = sha1_signature(account.token, params["timestamp"],
                                             params["nonce"], encrypted)
    body = (f"<xml><ToUserName><![CDATA[gh_linli]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
    return params, body


def open_encrypted_reply(account, content: bytes) -> str:
    """Check the reply's MsgSignature like WeChat does, then decrypt it."""
    envelope = xmltodict.parse(content)["xml"]
    expected = sha1_signature(account.token, envelope["TimeStamp"], envelope["Nonce"],
                              envelope["Encrypt"])
    assert envelope["MsgSignature"] == expected
    xml, app_id = aes_decrypt(account.encoding_aes_key, envelope["Encrypt"])
    assert app_id == account.app_id
    return xml


def reply_content(xml: str | bytes) -> str:
    return xmltodict.parse(xml)["xml"]["Content"]
