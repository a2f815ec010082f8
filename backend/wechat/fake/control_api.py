"""The fake's JSON control API under /_fake/: accounts, followers, templates, media,
recorded messages and calls, injected errors and delays (the client is control.py)."""

from __future__ import annotations

import base64
from urllib.parse import unquote

from .state import FakeError
from .wechat_api import WeChatApiHandler

# A control sub-handler's answer when the endpoint is not one of its own.
NOT_MINE = object()


class Handler(WeChatApiHandler):
    def _control(self, method: str) -> None:
        parts = [unquote(part) for part in self.url_path.split("/")[2:]]
        body = self._json_body() if method == "POST" else None
        if body is ...:
            raise FakeError("body is not JSON")
        body = body or {}
        for area in (self._control_state, self._control_accounts, self._control_records):
            data = area(method, parts, body)
            if data is not NOT_MINE:
                self._json(data)
                return
        raise FakeError(f"no control endpoint {method} {self.url_path}")

    def _control_state(self, method: str, parts: list[str], body: dict):
        state = self.state
        match (method, parts):
            case ("GET", [] | ["state"]):
                with state.lock:
                    return {"accounts": [a.public() for a in state.accounts.values()],
                            "errors": list(state.errors), "delays": dict(state.delays),
                            "settings": dict(state.settings), "records": len(state.records)}
            case ("POST", ["reset"]):
                self.fake.reset()
                return {"ok": True}
            case ("POST", ["settings"]):
                with state.lock:
                    for name in state.settings:
                        if name in body:
                            state.settings[name] = float(body[name])
                    state.touch()
                return dict(state.settings)
        return NOT_MINE

    def _control_accounts(self, method: str, parts: list[str], body: dict):
        state = self.state
        match (method, parts):
            case ("POST", ["accounts"]):
                return state.account_upsert(body).public()
            case ("GET", ["accounts"]):
                with state.lock:
                    return [a.public() for a in state.accounts.values()]
            case ("GET", ["accounts", appid]):
                return state.account(appid).public()
            case ("POST", ["accounts", appid, "followers"]):
                followers = body.get("followers", [body] if "openid" in body else [])
                return {"followers": state.followers_add(appid, followers)}
            case ("GET", ["accounts", appid, "followers"]):
                account = state.account(appid)
                with state.lock:
                    return [vars(f).copy() for f in account.followers.values()]
            case ("POST", ["accounts", appid, "templates"]):
                templates = body.get("templates", [body] if "template_id" in body else [])
                return {"templates": state.templates_add(appid, templates)}
            case ("POST", ["accounts", appid, "media"]):
                try:
                    data = base64.b64decode(body.get("content_base64") or "", validate=True)
                except ValueError as exc:
                    raise FakeError("content_base64 is not base64") from exc
                media_id = state.media_add(appid, data,
                                           str(body.get("content_type") or "image/jpeg"),
                                           body.get("media_id"))
                return {"media_id": media_id}
            case ("POST", ["accounts", appid, "current_follower"]):
                state.set_current_follower(appid, str(body.get("openid") or ""))
                return {"ok": True}
            case ("POST", ["accounts", appid, "expire_tokens"]):
                return {"expired": state.expire_tokens(appid)}
            case ("POST", ["accounts", appid, "inbound"]):
                return self.fake.deliver_inbound(state.account(appid), body)
        return NOT_MINE

    def _control_records(self, method: str, parts: list[str], body: dict):
        state = self.state
        match (method, parts):
            case ("GET", ["messages" | "calls" as what]):
                p = self.params
                return state.query(appid=p.get("appid"), openid=p.get("openid"),
                                   kind=p.get("kind"), path=p.get("path"),
                                   messages=what == "messages", since=int(p.get("since") or 0))
            case ("GET", ["mass", msg_id]):
                with state.lock:
                    job = state.mass_jobs.get(msg_id)
                if job is None:
                    raise FakeError("unknown msg_id")
                return job
            case ("POST", ["errors"]):
                return state.error_add(body)
            case ("GET", ["errors"]):
                with state.lock:
                    return list(state.errors)
            case ("DELETE", ["errors"]):
                with state.lock:
                    state.errors.clear()
                return {"ok": True}
            case ("POST", ["delays"]):
                path = str(body.get("path") or "")
                if not path.startswith("/") and path != "*":
                    raise FakeError("path must start with / (or be *)")
                with state.lock:
                    if float(body.get("seconds") or 0) > 0:
                        state.delays[path] = float(body["seconds"])
                    else:
                        state.delays.pop(path, None)
                    return dict(state.delays)
        return NOT_MINE
