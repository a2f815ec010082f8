"""A small client for the fake WeChat's control API (/_fake/), for tests and the demo.
Standard library only, so a script can use it without Linli's dependencies."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode


class FakeControlError(Exception):
    pass


class FakeWeChatControl:
    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body=None, params=None):
        url = f"{self.base_url}/_fake/{path}"
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise FakeControlError(f"{exc.code}: {exc.read().decode('utf-8', 'replace')}"
                                   ) from exc

    # --- setup -------------------------------------------------------------------------------
    def reset(self) -> None:
        self._call("POST", "reset", {})

    def state(self) -> dict:
        return self._call("GET", "state")

    def settings(self, **values) -> dict:
        """mass_callback_delay, hang_seconds, callback_timeout (seconds)."""
        return self._call("POST", "settings", values)

    def add_account(self, appid: str, secret: str, *, token: str = "", callback_url: str = "",
                    encoding_aes_key: str = "", original_id: str = "",
                    token_ttl: int | None = None) -> dict:
        body: dict[str, str | int] = {"appid": appid, "secret": secret, "token": token,
                                      "callback_url": callback_url,
                                      "encoding_aes_key": encoding_aes_key}
        if original_id:
            body["original_id"] = original_id
        if token_ttl is not None:
            body["token_ttl"] = token_ttl
        return self._call("POST", "accounts", body)

    def account(self, appid: str) -> dict:
        return self._call("GET", f"accounts/{quote(appid)}")

    def add_followers(self, appid: str, followers: list[dict]) -> int:
        """Each: {"openid", "unionid"?, "subscribed"?, "nickname"?, "errcode"? (40003|43004)}."""
        return self._call("POST", f"accounts/{quote(appid)}/followers",
                          {"followers": followers})["followers"]

    def add_follower(self, appid: str, openid: str, **fields) -> int:
        return self.add_followers(appid, [{"openid": openid, **fields}])

    def followers(self, appid: str) -> list[dict]:
        return self._call("GET", f"accounts/{quote(appid)}/followers")

    def add_templates(self, appid: str, templates: list[dict]) -> list[str]:
        """Each: {"template_id", "title"?, "content"?}."""
        return self._call("POST", f"accounts/{quote(appid)}/templates",
                          {"templates": templates})["templates"]

    def add_template(self, appid: str, template_id: str, title: str = "",
                     content: str = "") -> list[str]:
        return self.add_templates(appid, [{"template_id": template_id, "title": title,
                                           "content": content}])

    def add_media(self, appid: str, data: bytes, content_type: str = "image/jpeg",
                  media_id: str | None = None) -> str:
        body = {"content_base64": base64.b64encode(data).decode(), "content_type": content_type}
        if media_id:
            body["media_id"] = media_id
        return self._call("POST", f"accounts/{quote(appid)}/media", body)["media_id"]

    def set_current_follower(self, appid: str, openid: str | None) -> None:
        """Who /connect/oauth2/authorize signs in without showing its chooser (None: ask)."""
        self._call("POST", f"accounts/{quote(appid)}/current_follower", {"openid": openid or ""})

    def expire_tokens(self, appid: str) -> int:
        return self._call("POST", f"accounts/{quote(appid)}/expire_tokens", {})["expired"]

    def inbound(self, appid: str, openid: str, text: str | None = None, *,
                event: str | None = None, event_key: str | None = None,
                media_id: str | None = None, msg_id: str | None = None) -> dict:
        """A follower writes (or an event happens); the fake posts it, signed, to the
        account's callback (encrypted when the account has an EncodingAESKey). Returns
        {"callback_status", "body" (opened), "reply" (its text or None), "encrypted"}.
        Give a message's `msg_id` (text or image) to deliver it again, as WeChat's retry
        does; an image message names media registered with `add_media`."""
        body = {"openid": openid, "text": text, "event": event, "event_key": event_key,
                "media_id": media_id, "msg_id": msg_id}
        return self._call("POST", f"accounts/{quote(appid)}/inbound",
                          {k: v for k, v in body.items() if v is not None})

    # --- faults ------------------------------------------------------------------------------
    def inject_error(self, path: str, *, errcode: int | None = None,
                     http_status: int | None = None, timeout: bool = False,
                     hang_seconds: float | None = None, count: int = 1) -> dict:
        """The next `count` calls of `path` ("*" = any API path) fail this way."""
        body = {"path": path, "count": count, "errcode": errcode, "http_status": http_status,
                "timeout": timeout, "hang_seconds": hang_seconds}
        return self._call("POST", "errors", {k: v for k, v in body.items() if v is not None})

    def clear_errors(self) -> None:
        self._call("DELETE", "errors")

    def set_delay(self, path: str, seconds: float) -> dict:
        return self._call("POST", "delays", {"path": path, "seconds": seconds})

    # --- what happened -----------------------------------------------------------------------
    def messages(self, appid: str | None = None, openid: str | None = None,
                 kind: str | None = None, since: int = 0) -> list[dict]:
        """Messages WeChat accepted (kinds template, custom, mass, reply), oldest first."""
        return self._call("GET", "messages", params={"appid": appid, "openid": openid,
                                                     "kind": kind, "since": since})

    def calls(self, appid: str | None = None, openid: str | None = None,
              kind: str | None = None, path: str | None = None, since: int = 0) -> list[dict]:
        """Every call, failed ones too (errcode != 0)."""
        return self._call("GET", "calls", params={"appid": appid, "openid": openid,
                                                  "kind": kind, "path": path, "since": since})

    def mass_job(self, msg_id) -> dict:
        return self._call("GET", f"mass/{msg_id}")
