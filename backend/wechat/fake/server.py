"""The fake WeChat's server: WeChat's own paths, parameters and JSON shapes on one port
(wechat_api.py), plus a JSON control API under /_fake/ for tests and the demo
(control_api.py), and the callbacks it makes to an account's callback_url.

    fake = FakeWeChat(); fake.start(); fake.base_url  # http://127.0.0.1:NNNN
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from http.server import ThreadingHTTPServer
from urllib.parse import urlencode

from . import crypto
from .control_api import Handler
from .state import FakeError, State

logger = logging.getLogger("backend.wechat.fake")


def signature(*parts: str) -> str:
    """WeChat's callback signature: sort, concatenate, SHA-1, hex."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324


def _cdata(value) -> str:
    return f"<![CDATA[{value}]]>"


class FakeWeChat:
    """The fake on a free loopback port, in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state_file: str | None = None):
        self.host = host
        self.port = port
        self.state = State(state_file)
        self.stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake WeChat is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> FakeWeChat:
        self.stopping.clear()
        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        serve = threading.Thread(target=self._httpd.serve_forever, name="fake-wechat",
                                 kwargs={"poll_interval": 0.1}, daemon=True)
        serve.start()
        self._threads.append(serve)
        if self.state.state_file:
            saver = threading.Thread(target=self._save_loop, name="fake-wechat-save",
                                     daemon=True)
            saver.start()
            self._threads.append(saver)
        return self

    def stop(self) -> None:
        self.stopping.set()
        for timer in self._timers:
            timer.cancel()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self.state.save_if_dirty()
        self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.state.reset()

    def _save_loop(self) -> None:
        while not self.stopping.wait(0.5):
            try:
                self.state.save_if_dirty()
            except OSError:
                logger.exception("fake wechat: cannot write the state file")

    # --- calls the fake makes to the account's callback -------------------------------------
    def _post_callback(self, account, xml: str, *, openid: str = "") -> tuple[int | None, str]:
        if not account.callback_url:
            return None, "no callback_url"
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(5)
        query = {"signature": signature(account.token, timestamp, nonce),
                 "timestamp": timestamp, "nonce": nonce}
        if openid:
            query["openid"] = openid
        if account.encoding_aes_key:
            # safe mode: the XML travels encrypted, with its own msg_signature
            encrypted = crypto.encrypt(account.encoding_aes_key, account.appid, xml)
            query["encrypt_type"] = "aes"
            query["msg_signature"] = signature(account.token, timestamp, nonce, encrypted)
            xml = (f"<xml><ToUserName>{_cdata(account.original_id)}</ToUserName>"
                   f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>")
        url = account.callback_url
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
        request = urllib.request.Request(url, data=xml.encode("utf-8"),  # noqa: S310
                                         method="POST",
                                         headers={"Content-Type": "text/xml",
                                                  "User-Agent": "Mozilla/4.0"})
        try:
            with urllib.request.urlopen(request,  # noqa: S310 (the configured callback)
                                        timeout=self.state.settings["callback_timeout"]) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}"

    def schedule_mass_finish(self, account, msg_id: str, counts: dict) -> None:
        job = {"msg_id": msg_id, "appid": account.appid, **counts, "delivered": False,
               "callback_status": None, "callback_body": ""}
        with self.state.lock:
            self.state.mass_jobs[msg_id] = job

        def finish():
            if self.stopping.is_set():
                return
            sender = "o" + hashlib.sha256(f"mass-assistant-{account.appid}".encode()
                                        ).hexdigest()[:27]
            xml = ("<xml>"
                   f"<ToUserName>{_cdata(account.original_id)}</ToUserName>"
                   f"<FromUserName>{_cdata(sender)}</FromUserName>"
                   f"<CreateTime>{int(time.time())}</CreateTime>"
                   f"<MsgType>{_cdata('event')}</MsgType>"
                   f"<Event>{_cdata('MASSSENDJOBFINISH')}</Event>"
                   f"<MsgID>{msg_id}</MsgID>"
                   f"<Status>{_cdata('send success')}</Status>"
                   f"<TotalCount>{counts['TotalCount']}</TotalCount>"
                   f"<FilterCount>{counts['FilterCount']}</FilterCount>"
                   f"<SentCount>{counts['SentCount']}</SentCount>"
                   f"<ErrorCount>{counts['ErrorCount']}</ErrorCount>"
                   "</xml>")
            status, text = self._post_callback(account, xml, openid=sender)
            with self.state.lock:
                job.update(delivered=status == 200, callback_status=status,
                           callback_body=text[:2000])
            self.state.record(path="(callback)", kind="mass_finish", appid=account.appid,
                              body={"msg_id": msg_id, **counts},
                              result={"errcode": 0, "callback_status": status})

        timer = threading.Timer(self.state.settings["mass_callback_delay"], finish)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def deliver_inbound(self, account, body: dict) -> dict:
        """A follower writes to the account (or an event happens): POST it to the callback
        as WeChat would (plain mode), and record the passive reply."""
        openid = str(body.get("openid") or "")
        if not openid:
            raise FakeError("openid is required")
        now = int(time.time())
        head = (f"<ToUserName>{_cdata(account.original_id)}</ToUserName>"
                f"<FromUserName>{_cdata(openid)}</FromUserName><CreateTime>{now}</CreateTime>")
        if body.get("event"):
            key = body.get("event_key")
            xml = (f"<xml>{head}<MsgType>{_cdata('event')}</MsgType>"
                   f"<Event>{_cdata(body['event'])}</Event>"
                   + (f"<EventKey>{_cdata(key)}</EventKey>" if key is not None else "")
                   + "</xml>")
        elif body.get("media_id"):
            # A PicUrl that leads nowhere: Linli must fetch photos through media/get.
            msg_id = body.get("msg_id") or self.state.next_id()
            pic_url = f"https://mmbiz.qpic.cn/fake/{body['media_id'][:32]}/0"
            xml = (f"<xml>{head}<MsgType>{_cdata('image')}</MsgType>"
                   f"<PicUrl>{_cdata(pic_url)}</PicUrl><MediaId>{_cdata(body['media_id'])}"
                   f"</MediaId><MsgId>{msg_id}</MsgId></xml>")
        else:
            msg_id = body.get("msg_id") or self.state.next_id()
            xml = (f"<xml>{head}<MsgType>{_cdata('text')}</MsgType>"
                   f"<Content>{_cdata(body.get('text') or '')}</Content>"
                   f"<MsgId>{msg_id}</MsgId></xml>")
        status, text = self._post_callback(account, xml, openid=openid)
        encrypted = status == 200 and bool(account.encoding_aes_key) and "<Encrypt>" in text
        if encrypted:
            text = _open_reply(account, text)
        reply = _reply_content(text) if status == 200 else None
        self.state.record(path="(callback)", kind="inbound", appid=account.appid,
                          openids=[openid], body={"xml": xml},
                          result={"errcode": 0, "callback_status": status})
        if reply:
            self.state.record(path="(reply)", kind="reply", appid=account.appid,
                              openids=[openid], body={"content": reply, "raw": text},
                              result={"errcode": 0})
        return {"callback_status": status, "body": text, "reply": reply,
                "encrypted": encrypted}


def _open_reply(account, text: str) -> str:
    """A safe-mode passive reply, checked like WeChat does (MsgSignature, appid), opened.
    Answers "" when it does not check out, so no reply is recorded."""
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 (our own callback's answer)
        fields = {name: root.findtext(name) or "" for name in
                  ("Encrypt", "MsgSignature", "TimeStamp", "Nonce")}
        if fields["MsgSignature"] != signature(account.token, fields["TimeStamp"],
                                               fields["Nonce"], fields["Encrypt"]):
            return ""
        xml, appid = crypto.decrypt(account.encoding_aes_key, fields["Encrypt"])
    except (ElementTree.ParseError, ValueError):
        return ""
    return xml if appid == account.appid else ""


def _reply_content(text: str) -> str | None:
    """The Content of a plain-mode passive text reply (None for "success" or others)."""
    if "<Content>" not in text:
        return None
    try:
        node = ElementTree.fromstring(text).find("Content")  # noqa: S314 (our own callback)
    except ElementTree.ParseError:
        return None
    return node.text if node is not None else None
