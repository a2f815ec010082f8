"""The fake WeChat's memory: accounts, followers, templates, tokens, media, OAuth codes,
recorded calls, injected errors and delays. Every method takes the one lock, so the
HTTP threads see a consistent state. Standard library only (no Django, no wechatpy).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field

# errmsg texts as WeChat writes them (it appends " rid: …" to each).
ERRMSG = {
    -1: "system error",
    40002: "invalid grant_type",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40016: "invalid button size",
    40029: "invalid code",
    40032: "invalid openid list size",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40130: "invalid openid list size, at least two openid",
    40163: "code been used",
    40164: "invalid ip, not in whitelist",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
}

# Limits of WeChat's template keyword types since its 2023 rules; by key prefix.
TEMPLATE_MAX_LENGTH = {"thing": 20, "character_string": 32, "phrase": 5}
TEMPLATE_STRING_TYPES = ("time", "date")

MESSAGE_KINDS = ("template", "custom", "mass", "reply")
INJECTABLE_ERRCODES = {40001, 42001, 45009, 43004, 40003, 40164, 40125, 48001, -1}

DEFAULT_TOKEN_TTL = 7200
OAUTH_CODE_TTL = 300
OLD_TOKEN_GRACE = 300  # /cgi-bin/token: the previous token still works this long
MAX_RECORDS = 50_000


def errmsg(errcode: int, detail: str = "") -> str:
    text = ERRMSG.get(errcode, "error")
    if detail:
        text = f"{text} {detail}"
    return f"{text} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"


def error(errcode: int, detail: str = "") -> dict:
    return {"errcode": errcode, "errmsg": errmsg(errcode, detail)}


@dataclass
class Follower:
    openid: str
    unionid: str = ""
    subscribed: bool = True
    nickname: str = ""
    # A configured refusal for messages to this follower (40003 or 43004), else None.
    errcode: int | None = None
    subscribe_time: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Account:
    appid: str
    secret: str
    token: str = ""
    callback_url: str = ""
    encoding_aes_key: str = ""
    original_id: str = ""
    token_ttl: int = DEFAULT_TOKEN_TTL
    followers: dict[str, Follower] = field(default_factory=dict)
    templates: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)   # id -> {content_type, data(b64)}
    menu: dict | None = None
    current_follower: str = ""
    stable_token: str = ""

    def public(self) -> dict:
        return {"appid": self.appid, "token": self.token, "callback_url": self.callback_url,
                "encoding_aes_key": self.encoding_aes_key, "original_id": self.original_id,
                "token_ttl": self.token_ttl, "followers": len(self.followers),
                "templates": sorted(self.templates), "menu": self.menu,
                "current_follower": self.current_follower}


@dataclass
class Token:
    appid: str
    expires_at: float
    kind: str            # "token" or "stable"
    revoked: bool = False


class FakeError(Exception):
    """A control-API request the fake refuses (HTTP 400)."""


class State:
    def __init__(self, state_file: str | None = None):
        self.lock = threading.RLock()
        self.state_file = state_file
        self.settings = {"mass_callback_delay": 0.2, "hang_seconds": 30.0,
                         "callback_timeout": 5.0}
        self._dirty = False
        self.reset()
        if state_file and os.path.exists(state_file):
            self.load(state_file)

    # --- lifecycle ------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.accounts: dict[str, Account] = {}
            self.tokens: dict[str, Token] = {}
            self.codes: dict[str, dict] = {}
            self.records: list[dict] = []
            self.errors: list[dict] = []
            self.delays: dict[str, float] = {}
            self.mass_jobs: dict[str, dict] = {}
            self._ids = itertools.count(int(time.time()) % 10**6 * 1000 + 1)
            self._seq = itertools.count(1)
            self._dirty = True

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "accounts": {appid: asdict(a) for appid, a in self.accounts.items()},
                "tokens": {t: asdict(v) for t, v in self.tokens.items()
                           if v.expires_at > time.time() and not v.revoked},
                "records": self.records[-10_000:],
                "settings": self.settings,
            }

    def load(self, path: str) -> None:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        with self.lock:
            for appid, raw in (data.get("accounts") or {}).items():
                followers = {o: Follower(**f) for o, f in (raw.pop("followers") or {}).items()}
                self.accounts[appid] = Account(**raw, followers=followers)
            self.tokens = {t: Token(**v) for t, v in (data.get("tokens") or {}).items()}
            self.records = list(data.get("records") or [])
            self.settings.update(data.get("settings") or {})
            last = max((r.get("seq", 0) for r in self.records), default=0)
            self._seq = itertools.count(last + 1)
            self._dirty = False

    def save_if_dirty(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            if not self._dirty:
                return
            data = self.snapshot()
            self._dirty = False
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(tmp, self.state_file)

    def touch(self) -> None:
        self._dirty = True

    # --- control: configuration ------------------------------------------------------
    def account_upsert(self, data: dict) -> Account:
        appid = str(data.get("appid") or "")
        secret = str(data.get("secret") or "")
        if not appid or not secret:
            raise FakeError("appid and secret are required")
        with self.lock:
            account = self.accounts.get(appid)
            if account is None:
                account = Account(appid=appid, secret=secret)
                self.accounts[appid] = account
            account.secret = secret
            for name in ("token", "callback_url", "encoding_aes_key", "original_id"):
                if name in data:
                    setattr(account, name, str(data[name] or ""))
            if "token_ttl" in data:
                account.token_ttl = int(data["token_ttl"])
            if not account.original_id:
                account.original_id = "gh_" + hashlib.sha256(appid.encode()).hexdigest()[:12]
            self.touch()
            return account

    def account(self, appid: str) -> Account:
        with self.lock:
            account = self.accounts.get(appid)
        if account is None:
            raise FakeError(f"unknown appid {appid}")
        return account

    def followers_add(self, appid: str, followers: list[dict]) -> int:
        with self.lock:
            account = self.account(appid)
            for raw in followers:
                openid = str(raw.get("openid") or "")
                if not openid:
                    raise FakeError("each follower needs an openid")
                errcode = raw.get("errcode")
                if errcode is not None and int(errcode) not in (40003, 43004):
                    raise FakeError("a follower's errcode is 40003 or 43004")
                existing = account.followers.get(openid)
                follower = existing or Follower(openid=openid)
                for name in ("unionid", "nickname"):
                    if name in raw:
                        setattr(follower, name, str(raw[name] or ""))
                if "subscribed" in raw:
                    follower.subscribed = bool(raw["subscribed"])
                if "errcode" in raw:
                    follower.errcode = int(errcode) if errcode is not None else None
                account.followers[openid] = follower
            self.touch()
            return len(account.followers)

    def templates_add(self, appid: str, templates: list[dict]) -> list[str]:
        with self.lock:
            account = self.account(appid)
            for raw in templates:
                template_id = str(raw.get("template_id") or "")
                if not template_id:
                    raise FakeError("each template needs a template_id")
                account.templates[template_id] = {"template_id": template_id,
                                                  "title": str(raw.get("title") or ""),
                                                  "content": str(raw.get("content") or "")}
            self.touch()
            return sorted(account.templates)

    def media_add(self, appid: str, data: bytes, content_type: str,
                  media_id: str | None = None) -> str:
        with self.lock:
            account = self.account(appid)
            media_id = media_id or secrets.token_urlsafe(32)
            account.media[media_id] = {"content_type": content_type,
                                       "data": base64.b64encode(data).decode()}
            self.touch()
            return media_id

    def set_current_follower(self, appid: str, openid: str) -> None:
        with self.lock:
            self.account(appid).current_follower = openid or ""
            self.touch()

    def expire_tokens(self, appid: str) -> int:
        with self.lock:
            count = 0
            for token in self.tokens.values():
                if token.appid == appid and token.expires_at > time.time():
                    token.expires_at = time.time() - 1
                    count += 1
            self.touch()
            return count

    # --- control: faults -------------------------------------------------------------
    def error_add(self, data: dict) -> dict:
        path = str(data.get("path") or "")
        if not path.startswith("/") and path != "*":
            raise FakeError("path must start with / (or be *)")
        rule = {"path": path, "count": int(data.get("count") or 1)}
        if data.get("timeout"):
            rule["timeout"] = True
            if data.get("hang_seconds") is not None:
                rule["hang_seconds"] = float(data["hang_seconds"])
        elif data.get("http_status"):
            status = int(data["http_status"])
            if not 500 <= status <= 599:
                raise FakeError("http_status must be 5xx")
            rule["http_status"] = status
        elif data.get("errcode") is not None:
            errcode = int(data["errcode"])
            if errcode not in INJECTABLE_ERRCODES:
                raise FakeError(f"errcode must be one of {sorted(INJECTABLE_ERRCODES)}")
            rule["errcode"] = errcode
        else:
            raise FakeError("give errcode, http_status or timeout")
        with self.lock:
            self.errors.append(rule)
        return rule

    def take_error(self, path: str) -> dict | None:
        with self.lock:
            for rule in self.errors:
                if rule["path"] in (path, "*") and rule["count"] > 0:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        self.errors.remove(rule)
                    return dict(rule)
        return None

    def delay_for(self, path: str) -> float:
        with self.lock:
            return self.delays.get(path, 0.0) or self.delays.get("*", 0.0)

    # --- records ---------------------------------------------------------------------
    def record(self, *, path: str, kind: str, appid: str | None, openids=(), body=None,
               result=None) -> dict:
        with self.lock:
            entry = {"seq": next(self._seq), "time": time.time(), "path": path,
                     "kind": kind, "appid": appid, "openids": list(openids),
                     "openid": openids[0] if len(openids) == 1 else None,
                     "body": body, "errcode": int((result or {}).get("errcode") or 0),
                     "result": result}
            self.records.append(entry)
            if len(self.records) > MAX_RECORDS:
                del self.records[: len(self.records) - MAX_RECORDS]
            self.touch()
            return entry

    def query(self, *, appid=None, openid=None, kind=None, path=None, messages=False,
              since=0) -> list[dict]:
        kinds = set(kind.split(",")) if kind else None
        with self.lock:
            rows = list(self.records)
        out = []
        for row in rows:
            if row["seq"] <= since:
                continue
            if messages and (row["kind"] not in MESSAGE_KINDS or row["errcode"]):
                continue
            if appid and row["appid"] != appid:
                continue
            if kinds and row["kind"] not in kinds:
                continue
            if path and row["path"] != path:
                continue
            if openid and openid not in row["openids"]:
                continue
            out.append(row)
        return out

    # --- tokens ------------------------------------------------------------------------
    def issue_token(self, account: Account) -> dict:
        """/cgi-bin/token: a new token each call; the previous one keeps working briefly."""
        with self.lock:
            now = time.time()
            for token in self.tokens.values():
                if token.appid == account.appid and token.kind == "token":
                    token.expires_at = min(token.expires_at, now + OLD_TOKEN_GRACE)
            value = _token_value()
            self.tokens[value] = Token(account.appid, now + account.token_ttl, "token")
            self.touch()
            return {"access_token": value, "expires_in": account.token_ttl}

    def stable_token(self, account: Account, force_refresh: bool) -> dict:
        """/cgi-bin/stable_token: the same token while it is valid, unless forced; a forced
        refresh ends the previous stable token at once."""
        with self.lock:
            now = time.time()
            current = self.tokens.get(account.stable_token)
            if current and not current.revoked and current.expires_at > now and \
                    not force_refresh:
                return {"access_token": account.stable_token,
                        "expires_in": int(current.expires_at - now)}
            if current:
                current.revoked = True
            value = _token_value()
            self.tokens[value] = Token(account.appid, now + account.token_ttl, "stable")
            account.stable_token = value
            self.touch()
            return {"access_token": value, "expires_in": account.token_ttl}

    def check_token(self, value: str) -> tuple[Account | None, int]:
        """(account, 0) for a valid token, else (account or None, errcode)."""
        if not value:
            return None, 41001
        with self.lock:
            token = self.tokens.get(value)
            if token is None:
                return None, 40001
            account = self.accounts.get(token.appid)
            if account is None or token.revoked:
                return account, 40001
            if token.expires_at <= time.time():
                return account, 42001
            return account, 0

    # --- OAuth ---------------------------------------------------------------------------
    def oauth_code(self, account: Account, openid: str, scope: str) -> str:
        with self.lock:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"appid": account.appid, "openid": openid, "scope": scope,
                                "expires_at": time.time() + OAUTH_CODE_TTL, "used": False}
            return code

    def oauth_exchange(self, appid: str, secret: str, code: str) -> dict:
        with self.lock:
            account = self.accounts.get(appid)
            if account is None:
                return error(40013)
            if secret != account.secret:
                return error(40125)
            entry = self.codes.get(code)
            if not code:
                return error(41008)
            if entry is None or entry["appid"] != appid or entry["expires_at"] < time.time():
                return error(40029)
            if entry["used"]:
                return error(40163)
            entry["used"] = True
            follower = account.followers.get(entry["openid"])
            result = {"access_token": _token_value(), "expires_in": 7200,
                      "refresh_token": _token_value(), "openid": entry["openid"],
                      "scope": entry["scope"], "is_snapshotuser": 0}
            if follower and follower.unionid:
                result["unionid"] = follower.unionid
            return result


def _token_value() -> str:
    # WeChat's tokens are long opaque strings of letters, digits, _ and -.
    return secrets.token_urlsafe(96)[:128]


# --- template data, checked like WeChat ------------------------------------------------
_KEY_TYPE = re.compile(r"^([a-z_]+?)(\d*)$")


def template_data_problem(data) -> str | None:
    """None when WeChat would accept `data`; otherwise the field it names in its 47003."""
    if not isinstance(data, dict):
        return "data"
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        match = _KEY_TYPE.match(str(key))
        kind = match.group(1) if match else ""
        # time*/date* must be present as strings; every value must be a string.
        if not isinstance(value, str) or (kind in TEMPLATE_STRING_TYPES and not value):
            return f"data.{key}.value"
        if "\n" in value or "\r" in value:
            return f"data.{key}.value"
        limit = TEMPLATE_MAX_LENGTH.get(kind)
        if limit is not None and len(value) > limit:
            return f"data.{key}.value"
    return None
