"""The fake WeChat's HTTP plumbing: reading bodies, answering JSON or HTML, injected faults
and delays, access-token checks. The API areas subclass it (wechat_api, control_api)."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

from .state import FakeError, State, error

if TYPE_CHECKING:
    from .server import FakeWeChat

logger = logging.getLogger("backend.wechat.fake")


def redact(result: dict | None) -> dict | None:
    """Recorded copy without the secrets a test never needs to read back."""
    if not result:
        return result
    return {k: ("…" if k in ("access_token", "refresh_token") else v)
            for k, v in result.items()}


class HandlerBase(BaseHTTPRequestHandler):
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
            route = self._route(method)
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

    def _route(self, method: str):
        """The WeChat API method answering (method, path), or None (see wechat_api)."""
        return None

    def _control(self, method: str) -> None:
        raise FakeError(f"no control endpoint {method} {self.url_path}")

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
                          openids=list(openids), body=body, result=redact(result))
        self._json(result)
