"""The fake WeChat's HTTP side: WeChat's own paths, parameters and JSON shapes on one
port, plus a JSON control API under /_fake/ for tests and the demo.

    fake = FakeWeChat(); fake.start(); fake.base_url  # http://127.0.0.1:NNNN
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from .state import FakeError, State, error, template_data_problem

logger = logging.getLogger("backend.wechat.fake")

MASS_MIN, MASS_MAX = 2, 10_000
USER_GET_PAGE = 10_000
BATCHGET_MAX = 100


def signature(*parts: str) -> str:
    """WeChat's callback signature: sort, concatenate, SHA-1, hex."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324


def _cdata(value) -> str:
    return f"<![CDATA[{value}]]>"


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeWeChat/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeWeChat:
        return self.server.fake  # type: ignore[attr-defined]

    @property
    def state(self) -> State:
        return self.fake.state

    def log_message(self, format, *args):
        logger.debug("%s %s", self.address_string(), format % args)

    # --- plumbing ------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self):
        raw = self._read_body()
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return ...

    def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data, status: int = 200) -> None:
        # WeChat answers JSON as text/plain more often than not; clients parse the body.
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _html(self, text: str, status: int = 200) -> None:
        self._send(status, text.encode("utf-8"), "text/html; charset=utf-8")

    def _redirect(self, location: str) -> None:
        self._send(302, b"", "text/plain", {"Location": location})

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        self.url_path = url.path.rstrip("/") or "/"
        self.params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            if self.url_path.startswith("/_fake"):
                self._control(method)
                return
            route = ROUTES.get((method, self.url_path))
            if route is None:
                self._read_body()  # keep the kept-alive connection in step
                self._json({"errcode": 404, "errmsg": "not found"}, status=404)
                return
            if self._faults():
                return
            route(self)
        except FakeError as exc:
            self.close_connection = True  # the body may be unread
            self._json({"error": str(exc)}, status=400)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _faults(self) -> bool:
        """Configured slowness, then an injected failure: True when one was answered."""
        delay = self.state.delay_for(self.url_path)
        if delay:
            self.fake.stopping.wait(delay)
        rule = self.state.take_error(self.url_path)
        if rule is None:
            return False
        self._read_body()
        appid = self._appid_hint()
        if rule.get("timeout"):
            self.state.record(path=self.url_path, kind="fault", appid=appid,
                              result={"fault": "timeout"})
            self.fake.stopping.wait(rule.get("hang_seconds",
                                             self.state.settings["hang_seconds"]))
            self.close_connection = True
            return True
        if rule.get("http_status"):
            status = rule["http_status"]
            self.state.record(path=self.url_path, kind="fault", appid=appid,
                              result={"fault": f"http {status}"})
            self._send(status, b"<html><body>server error</body></html>", "text/html")
            return True
        result = error(rule["errcode"])
        self.state.record(path=self.url_path, kind="fault", appid=appid, result=result)
        self._json(result)
        return True

    def _appid_hint(self) -> str | None:
        if "appid" in self.params:
            return self.params["appid"]
        account, _errcode = self.state.check_token(self.params.get("access_token", ""))
        return account.appid if account else None

    def _authorised(self, kind: str, body=None):
        """The account owning a valid access_token, or None after answering its error."""
        account, errcode = self.state.check_token(self.params.get("access_token", ""))
        if errcode:
            result = error(errcode)
            self.state.record(path=self.url_path, kind=kind,
                              appid=account.appid if account else None, body=body,
                              result=result)
            self._json(result)
            return None
        return account

    def _answer(self, *, kind: str, account, result: dict, openids=(), body=None) -> None:
        """Record the call (without the tokens it hands out) and answer `result`."""
        self.state.record(path=self.url_path, kind=kind, appid=account.appid if account else None,
                          openids=list(openids), body=body, result=_redact(result))
        self._json(result)

    # --- access tokens -------------------------------------------------------------------
    def token(self):
        p = self.params
        if p.get("grant_type") != "client_credential":
            return self._answer(kind="token", account=None, result=error(40002))
        result, account = self._credentials(p.get("appid", ""), p.get("secret", ""))
        if account is not None:
            result = self.state.issue_token(account)
        self._answer(kind="token", account=account, result=result)

    def stable_token(self):
        body = self._json_body()
        if not isinstance(body, dict):
            return self._answer(kind="stable_token", account=None, result=error(47001))
        result, account = self._credentials(str(body.get("appid") or ""),
                                            str(body.get("secret") or ""))
        if account is not None:
            result = self.state.stable_token(account, bool(body.get("force_refresh")))
        self._answer(kind="stable_token", account=account, result=result,
                     body={"force_refresh": bool(body.get("force_refresh"))})

    def _credentials(self, appid: str, secret: str):
        if not appid:
            return error(41002), None
        account = self.state.accounts.get(appid)
        if account is None:
            return error(40013), None
        if not secret:
            return error(41004), None
        if secret != account.secret:
            return error(40125), None
        return None, account

    # --- messages ------------------------------------------------------------------------
    def _recipient_problem(self, account, openid: str) -> int:
        follower = account.followers.get(openid)
        if follower is None:
            return 40003
        if follower.errcode:
            return follower.errcode
        if not follower.subscribed:
            return 43004
        return 0

    def template_send(self):
        body = self._json_body()
        account = self._authorised("template", body)
        if account is None:
            return
        if not isinstance(body, dict):
            return self._answer(kind="template", account=account, result=error(47001))
        openid = str(body.get("touser") or "")
        template_id = str(body.get("template_id") or "")
        if template_id not in account.templates:
            result = error(40037)
        elif (problem := template_data_problem(body.get("data"))) is not None:
            result = error(47003, f"{problem} invalid")
        elif (errcode := self._recipient_problem(account, openid)):
            result = error(errcode)
        else:
            result = {"errcode": 0, "errmsg": "ok", "msgid": self.state.next_id()}
        self._answer(kind="template", account=account, result=result, openids=[openid],
                     body=body)

    def custom_send(self):
        body = self._json_body()
        account = self._authorised("custom", body)
        if account is None:
            return
        if not isinstance(body, dict) or not body.get("msgtype"):
            return self._answer(kind="custom", account=account, result=error(47001))
        openid = str(body.get("touser") or "")
        errcode = self._recipient_problem(account, openid)
        result = error(errcode) if errcode else {"errcode": 0, "errmsg": "ok"}
        self._answer(kind="custom", account=account, result=result, openids=[openid],
                     body=body)

    def mass_send(self):
        body = self._json_body()
        account = self._authorised("mass", body)
        if account is None:
            return
        if not isinstance(body, dict) or not isinstance(body.get("touser"), list) \
                or not body.get("msgtype"):
            return self._answer(kind="mass", account=account, result=error(47001))
        openids = [str(o) for o in body["touser"]]
        if len(openids) < MASS_MIN:
            return self._answer(kind="mass", account=account, result=error(40130), body=body)
        if len(openids) > MASS_MAX:
            return self._answer(kind="mass", account=account, result=error(40032), body=body)
        msg_id = self.state.next_id()
        result = {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
                  "msg_data_id": self.state.next_id()}
        # Filtered: the openids that still follow the account; of those, a follower set up
        # to refuse messages counts as an error.
        problems = [self._recipient_problem(account, o) for o in openids]
        following = sum(1 for o in openids
                        if (f := account.followers.get(o)) is not None and f.subscribed)
        sent = sum(1 for p in problems if p == 0)
        counts = {"TotalCount": len(openids), "FilterCount": following, "SentCount": sent,
                  "ErrorCount": following - sent}
        delivered = [o for o, p in zip(openids, problems, strict=True) if p == 0]
        self._answer(kind="mass", account=account, result=result, openids=delivered,
                     body=body)
        self.fake.schedule_mass_finish(account, str(msg_id), counts)

    # --- followers -----------------------------------------------------------------------
    def user_get(self):
        account = self._authorised("user_get")
        if account is None:
            return
        with self.state.lock:
            subscribed = [o for o, f in account.followers.items() if f.subscribed]
        start = 0
        next_openid = self.params.get("next_openid", "")
        if next_openid:
            try:
                start = subscribed.index(next_openid) + 1
            except ValueError:
                return self._answer(kind="user_get", account=account, result=error(40003))
        page = subscribed[start:start + USER_GET_PAGE]
        result = {"total": len(subscribed), "count": len(page)}
        if page:
            result["data"] = {"openid": page}
        result["next_openid"] = page[-1] if page else ""
        self.state.record(path=self.url_path, kind="user_get", appid=account.appid,
                          body={"next_openid": next_openid},
                          result={"errcode": 0, "count": len(page)})
        self._json(result)

    def user_batchget(self):
        body = self._json_body()
        account = self._authorised("batchget", body)
        if account is None:
            return
        users = body.get("user_list") if isinstance(body, dict) else None
        if not isinstance(users, list) or not users:
            return self._answer(kind="batchget", account=account, result=error(47001))
        if len(users) > BATCHGET_MAX:
            return self._answer(kind="batchget", account=account, result=error(40032))
        infos = []
        for item in users:
            openid = str(item.get("openid") if isinstance(item, dict) else item)
            follower = account.followers.get(openid)
            if follower is None:
                return self._answer(kind="batchget", account=account, result=error(40003),
                                    openids=[openid])
            if not follower.subscribed:
                infos.append({"subscribe": 0, "openid": openid})
                continue
            info = {"subscribe": 1, "openid": openid, "nickname": follower.nickname,
                    "language": "zh_CN", "subscribe_time": follower.subscribe_time,
                    "remark": "", "groupid": 0, "tagid_list": [],
                    "subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 0,
                    "qr_scene_str": ""}
            if follower.unionid:
                info["unionid"] = follower.unionid
            infos.append(info)
        self.state.record(path=self.url_path, kind="batchget", appid=account.appid,
                          openids=[i["openid"] for i in infos], result={"errcode": 0})
        self._json({"user_info_list": infos})

    # --- menu, media -----------------------------------------------------------------------
    def menu_create(self):
        body = self._json_body()
        account = self._authorised("menu", body)
        if account is None:
            return
        buttons = body.get("button") if isinstance(body, dict) else None
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3 or any(
                len(b.get("sub_button") or []) > 5 for b in buttons if isinstance(b, dict)):
            return self._answer(kind="menu", account=account, result=error(40016), body=body)
        with self.state.lock:
            account.menu = body
        self._answer(kind="menu", account=account, result={"errcode": 0, "errmsg": "ok"},
                     body=body)

    def media_get(self):
        account = self._authorised("media_get")
        if account is None:
            return
        media_id = self.params.get("media_id", "")
        media = account.media.get(media_id)
        if media is None:
            return self._answer(kind="media_get", account=account, result=error(40007),
                                body={"media_id": media_id})
        self.state.record(path=self.url_path, kind="media_get", appid=account.appid,
                          body={"media_id": media_id}, result={"errcode": 0})
        extension = {"image/png": "png"}.get(media["content_type"], "jpg")
        self._send(200, base64.b64decode(media["data"]), media["content_type"],
                   {"Content-disposition": f'attachment; filename="{media_id[:16]}.'
                                           f'{extension}"',
                    "Cache-Control": "no-cache, must-revalidate"})

    # --- OAuth -----------------------------------------------------------------------------
    def sns_access_token(self):
        p = self.params
        if p.get("grant_type") != "authorization_code":
            return self._answer(kind="oauth_token", account=None, result=error(40002))
        result = self.state.oauth_exchange(p.get("appid", ""), p.get("secret", ""),
                                           p.get("code", ""))
        account = self.state.accounts.get(p.get("appid", ""))
        openid = result.get("openid")
        self._answer(kind="oauth_token", account=account, result=result,
                     openids=[openid] if openid else [])

    def authorize(self):
        p = self.params
        account = self.state.accounts.get(p.get("appid", ""))
        redirect_uri = p.get("redirect_uri", "")
        scope = p.get("scope", "")
        if account is None:
            return self._html(_page("参数错误", "appid 无效。"), status=400)
        if not redirect_uri.startswith(("http://", "https://")):
            return self._html(_page("redirect_uri 参数错误", "请检查 redirect_uri。"),
                              status=400)
        if p.get("response_type") != "code" or scope not in ("snsapi_base",
                                                             "snsapi_userinfo"):
            return self._html(_page("Scope 参数错误或没有 Scope 权限", ""), status=400)
        openid = p.get("openid") or account.current_follower
        if not openid:
            with self.state.lock:
                page = _chooser(account, self.params)
            return self._html(page)
        if openid not in account.followers:
            return self._html(_page("未知的关注者", html.escape(openid)), status=400)
        code = self.state.oauth_code(account, openid, scope)
        self.state.record(path=self.url_path, kind="authorize", appid=account.appid,
                          openids=[openid], result={"errcode": 0})
        query = urlencode({"code": code, "state": p.get("state", "")})
        self._redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")

    # --- control API -----------------------------------------------------------------------
    def _control(self, method: str) -> None:
        parts = [unquote(part) for part in self.url_path.split("/")[2:]]
        body = self._json_body() if method == "POST" else None
        if body is ...:
            raise FakeError("body is not JSON")
        body = body or {}
        state = self.state
        match (method, parts):
            case ("GET", [] | ["state"]):
                with state.lock:
                    data = {"accounts": [a.public() for a in state.accounts.values()],
                            "errors": list(state.errors), "delays": dict(state.delays),
                            "settings": dict(state.settings), "records": len(state.records)}
                return self._json(data)
            case ("POST", ["reset"]):
                self.fake.reset()
                return self._json({"ok": True})
            case ("POST", ["settings"]):
                with state.lock:
                    for name in state.settings:
                        if name in body:
                            state.settings[name] = float(body[name])
                    state.touch()
                return self._json(dict(state.settings))
            case ("POST", ["accounts"]):
                return self._json(state.account_upsert(body).public())
            case ("GET", ["accounts"]):
                with state.lock:
                    return self._json([a.public() for a in state.accounts.values()])
            case ("GET", ["accounts", appid]):
                return self._json(state.account(appid).public())
            case ("POST", ["accounts", appid, "followers"]):
                followers = body.get("followers", [body] if "openid" in body else [])
                return self._json({"followers": state.followers_add(appid, followers)})
            case ("GET", ["accounts", appid, "followers"]):
                account = state.account(appid)
                with state.lock:
                    data = [vars(f).copy() for f in account.followers.values()]
                return self._json(data)
            case ("POST", ["accounts", appid, "templates"]):
                templates = body.get("templates", [body] if "template_id" in body else [])
                return self._json({"templates": state.templates_add(appid, templates)})
            case ("POST", ["accounts", appid, "media"]):
                try:
                    data = base64.b64decode(body.get("content_base64") or "", validate=True)
                except ValueError as exc:
                    raise FakeError("content_base64 is not base64") from exc
                media_id = state.media_add(appid, data,
                                           str(body.get("content_type") or "image/jpeg"),
                                           body.get("media_id"))
                return self._json({"media_id": media_id})
            case ("POST", ["accounts", appid, "current_follower"]):
                state.set_current_follower(appid, str(body.get("openid") or ""))
                return self._json({"ok": True})
            case ("POST", ["accounts", appid, "expire_tokens"]):
                return self._json({"expired": state.expire_tokens(appid)})
            case ("POST", ["accounts", appid, "inbound"]):
                return self._json(self.fake.deliver_inbound(state.account(appid), body))
            case ("GET", ["messages" | "calls" as what]):
                p = self.params
                rows = state.query(appid=p.get("appid"), openid=p.get("openid"),
                                   kind=p.get("kind"), path=p.get("path"),
                                   messages=what == "messages", since=int(p.get("since") or 0))
                return self._json(rows)
            case ("GET", ["mass", msg_id]):
                with state.lock:
                    job = state.mass_jobs.get(msg_id)
                if job is None:
                    raise FakeError("unknown msg_id")
                return self._json(job)
            case ("POST", ["errors"]):
                return self._json(state.error_add(body))
            case ("GET", ["errors"]):
                with state.lock:
                    return self._json(list(state.errors))
            case ("DELETE", ["errors"]):
                with state.lock:
                    state.errors.clear()
                return self._json({"ok": True})
            case ("POST", ["delays"]):
                path = str(body.get("path") or "")
                if not path.startswith("/") and path != "*":
                    raise FakeError("path must start with / (or be *)")
                with state.lock:
                    if float(body.get("seconds") or 0) > 0:
                        state.delays[path] = float(body["seconds"])
                    else:
                        state.delays.pop(path, None)
                    return self._json(dict(state.delays))
        raise FakeError(f"no control endpoint {method} {self.url_path}")


ROUTES = {
    ("GET", "/cgi-bin/token"): _Handler.token,
    ("POST", "/cgi-bin/stable_token"): _Handler.stable_token,
    ("POST", "/cgi-bin/message/template/send"): _Handler.template_send,
    ("POST", "/cgi-bin/message/custom/send"): _Handler.custom_send,
    ("POST", "/cgi-bin/message/mass/send"): _Handler.mass_send,
    ("GET", "/cgi-bin/user/get"): _Handler.user_get,
    ("POST", "/cgi-bin/user/info/batchget"): _Handler.user_batchget,
    ("POST", "/cgi-bin/menu/create"): _Handler.menu_create,
    ("GET", "/cgi-bin/media/get"): _Handler.media_get,
    ("GET", "/sns/oauth2/access_token"): _Handler.sns_access_token,
    ("GET", "/connect/oauth2/authorize"): _Handler.authorize,
}


def _redact(result: dict | None) -> dict | None:
    """Recorded copy without the secrets a test never needs to read back."""
    if not result:
        return result
    return {k: ("…" if k in ("access_token", "refresh_token") else v)
            for k, v in result.items()}


def _page(title: str, text: str) -> str:
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width'><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1><p>{text}</p></body></html>")


def _chooser(account, params: dict) -> str:
    """The page a browser sees instead of WeChat's silent authorisation: pick a follower."""
    rows = []
    followers = [f for f in account.followers.values() if f.subscribed][:200]
    for follower in followers:
        query = urlencode({**params, "openid": follower.openid})
        label = follower.nickname or follower.openid
        rows.append(f"<li><a href='/connect/oauth2/authorize?{html.escape(query)}'>"
                    f"{html.escape(label)}</a> <small>{html.escape(follower.openid)}</small>"
                    f"</li>")
    items = "".join(rows) or "<li>这个公众号还没有关注者。</li>"
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width'><title>模拟微信授权</title>"
            f"</head><body><h1>模拟微信授权</h1><p>公众号 {html.escape(account.appid)}："
            f"选择以哪位关注者的身份继续。</p><ul>{items}</ul></body></html>")


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
        self._httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
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
            from . import crypto

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
            msg_id = self.state.next_id()
            xml = (f"<xml>{head}<MsgType>{_cdata('image')}</MsgType>"
                   f"<PicUrl>{_cdata('')}</PicUrl><MediaId>{_cdata(body['media_id'])}"
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
    import xml.etree.ElementTree as ElementTree

    from . import crypto

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
    import xml.etree.ElementTree as ElementTree  # the reply comes from our own callback

    try:
        node = ElementTree.fromstring(text).find("Content")  # noqa: S314
    except ElementTree.ParseError:
        return None
    return node.text if node is not None else None
