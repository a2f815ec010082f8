"""The module that calls WeChat through wechatpy: OAuth, access tokens, template, custom and
mass messages, followers, menus, media. Inbound messages (parsing, AES, passive replies)
are in messages.py, re-exported here. Everything else in Linli sees plain Python values and
our own errors.

Every network call has a timeout; access tokens come from WeChat's stable_token endpoint,
live in Django's cache (Redis in production) and one process at a time refreshes them,
under a cache lock. WeChat's hosts come from settings (LINLI_WECHAT_API_ORIGIN and
LINLI_WECHAT_OPEN_ORIGIN), so the bundled fake (backend.wechat.fake) can stand in.
"""

from __future__ import annotations

import logging
import time

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.exceptions import WeChatClientException, WeChatOAuthException
from wechatpy.session import SessionStorage

from .error_codes import WeChatErrorCode
from .messages import (  # noqa: F401 (re-exported: the callback's names stay on client)
    InboundMessage,
    MessageError,
    MessageSignatureError,
    decrypt_body,
    encrypt_reply,
    encrypted_field,
    mass_send_result,
    parse_xml_message,
    text_reply,
)

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 5
TOKEN_LOCK_SECONDS = 15
TOKEN_WAIT_SECONDS = 5

# errcodes, from WeChat's global return code list
TOKEN_ERRORS = {40001, 40014, 42001}
QUOTA_ERRORS = {45009, 45047}
NOT_SUBSCRIBED = 43004
OPENID_INVALID = 40003
TEMPLATE_DATA_INVALID = 47003
# The account itself is refused: IP not whitelisted, wrong AppSecret, API not authorised.
ACCOUNT_ERRORS = {40164, 40125, 48001}
BUSY = -1

WECHAT_API_ORIGIN = "https://api.weixin.qq.com"
WECHAT_OPEN_ORIGIN = "https://open.weixin.qq.com"
MASS_SEND_MAX = 10_000      # openids per mass/send call (and at least 2)
USER_INFO_BATCH_MAX = 100   # openids per user/info/batchget call


def timeout() -> float:
    return float(getattr(settings, "LINLI_WECHAT_HTTP_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def api_origin() -> str:
    return str(getattr(settings, "LINLI_WECHAT_API_ORIGIN", "") or WECHAT_API_ORIGIN).rstrip("/")


def open_origin() -> str:
    return str(getattr(settings, "LINLI_WECHAT_OPEN_ORIGIN", "")
               or WECHAT_OPEN_ORIGIN).rstrip("/")


def _rebase(url: str) -> str:
    """wechatpy writes WeChat's API host into some URLs; send them to the configured origin."""
    if url.startswith(WECHAT_API_ORIGIN + "/"):
        return api_origin() + url[len(WECHAT_API_ORIGIN):]
    return url


# --- Errors ------------------------------------------------------------------------------
class WeChatError(Exception):
    """Base of what the sender raises; `code` is a WeChatErrorCode, `errcode` WeChat's."""

    retryable = False

    def __init__(self, code: WeChatErrorCode, message: str = "", errcode: int | None = None):
        super().__init__(message or code.value)
        self.code = code
        self.errcode = errcode


class WeChatRetryableError(WeChatError):
    """Try again later (quota, network, WeChat busy)."""

    retryable = True


class WeChatPermanentError(WeChatError):
    """Retrying cannot help (not subscribed, bad openid, bad template data, bad config)."""


# --- OAuth (web authorisation, to learn a follower's openid) -----------------------------
class _OAuth(WeChatOAuth):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.API_BASE_URL = f"{api_origin()}/"
        self.OAUTH_BASE_URL = f"{open_origin()}/connect/"

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", timeout())
        return super()._request(method, _rebase(url_or_endpoint), **kwargs)


def oauth_authorize_url(account, *, redirect_uri: str, state: str) -> str:
    """snsapi_base: silent authorisation, enough to learn the openid."""
    return _OAuth(account.app_id, account.app_secret, redirect_uri, scope="snsapi_base",
                  state=state).authorize_url


def oauth_identity(account, *, code: str) -> tuple[str, str]:
    """Exchange the code WeChat appended to our redirect for the follower's (openid,
    unionid); unionid is "" unless the account is linked to an open-platform account."""
    oauth = _OAuth(account.app_id, account.app_secret, redirect_uri="")
    try:
        result = oauth.fetch_access_token(code)
    except WeChatOAuthException as exc:
        if exc.errcode is None:  # an HTTP error status: WeChat is having trouble
            raise WeChatRetryableError(WeChatErrorCode.NETWORK, "http error") from exc
        logger.warning("wechat oauth code exchange failed account=%s errcode=%s",
                       account.slug, exc.errcode)
        raise WeChatPermanentError(WeChatErrorCode.OAUTH_FAILED, errcode=exc.errcode) from exc
    except (requests.RequestException, ValueError, KeyError) as exc:
        logger.warning("wechat oauth code exchange error account=%s: %s", account.slug,
                       type(exc).__name__)
        raise WeChatRetryableError(WeChatErrorCode.NETWORK) from exc
    openid = str(result.get("openid") or "")
    if not openid:
        raise WeChatPermanentError(WeChatErrorCode.OAUTH_FAILED)
    return openid, str(result.get("unionid") or "")


def oauth_openid(account, *, code: str) -> str:
    """The follower's openid only (see oauth_identity)."""
    return oauth_identity(account, code=code)[0]


def is_wechat_open_origin() -> bool:
    """True when browsers go to WeChat's own OAuth page (production), False when a fake
    stands in and any browser can walk through it."""
    return open_origin() == WECHAT_OPEN_ORIGIN


# --- Access tokens and template messages ------------------------------------------------
class CacheTokenStorage(SessionStorage):
    """wechatpy's session storage over Django's cache (Redis in production)."""

    prefix = "wechat:token"

    def key_name(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key, default=None):
        value = cache.get(self.key_name(key))
        return default if value is None else value

    def set(self, key, value, ttl=None):
        if value is None:
            return
        # Expire a little early so no caller picks a token WeChat is about to drop.
        ttl = max(int(ttl) - 300, 60) if ttl else None
        cache.set(self.key_name(key), value, timeout=ttl)

    def delete(self, key):
        cache.delete(self.key_name(key))


class _Client(WeChatClient):
    """wechatpy's client with timeouts everywhere and a lock around token refreshes.

    auto_retry is off: wechatpy would retry token errors without limit; we refresh once.
    """

    def __init__(self, account):
        super().__init__(account.app_id, account.app_secret, session=CacheTokenStorage(),
                         timeout=timeout(), auto_retry=False)
        self.API_BASE_URL = f"{api_origin()}/cgi-bin/"

    def _request(self, method, url_or_endpoint, **kwargs):
        if not url_or_endpoint.startswith(("http://", "https://")):
            base = kwargs.pop("api_base_url", self.API_BASE_URL)
            url_or_endpoint = f"{base}{url_or_endpoint}"
        return super()._request(method, _rebase(url_or_endpoint), **kwargs)

    @property
    def lock_key(self) -> str:
        return f"wechat:token-lock:{self.appid}"

    def fetch_access_token(self):
        """The account's stable token: WeChat hands every caller the same one while it is
        valid, so processes (and other systems using the account) never invalidate each
        other's token, as /cgi-bin/token would. Never force_refresh: that would end the
        token every other process holds, and WeChat allows it only a few times a day."""
        try:
            res = self._http.post(
                f"{api_origin()}/cgi-bin/stable_token",
                json={"grant_type": "client_credential", "appid": self.appid,
                      "secret": self.secret, "force_refresh": False},
                timeout=timeout())
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatRetryableError(WeChatErrorCode.NETWORK,
                                       f"token fetch: {type(exc).__name__}") from exc
        errcode = int(result.get("errcode") or 0)
        if errcode or not result.get("access_token"):
            if errcode == BUSY:
                raise WeChatRetryableError(WeChatErrorCode.TOKEN_FETCH_FAILED, errcode=errcode)
            if errcode in ACCOUNT_ERRORS:
                logger.error("wechat token fetch refused appid=%s errcode=%s", self.appid,
                             errcode)
                raise WeChatPermanentError(WeChatErrorCode.ACCOUNT_UNAVAILABLE, errcode=errcode)
            # Wrong secret, IP not whitelisted...: an operator must act.
            logger.error("wechat token fetch refused appid=%s errcode=%s", self.appid, errcode)
            raise WeChatPermanentError(WeChatErrorCode.TOKEN_FETCH_FAILED, errcode=errcode)
        self.session.set(self.access_token_key, result["access_token"],
                         int(result.get("expires_in") or 7200))
        return result

    @property
    def access_token(self):
        token = self.session.get(self.access_token_key)
        if token:
            return token
        return self.refresh_access_token()

    def refresh_access_token(self, stale: str | None = None) -> str:
        """A token other than `stale` (the one WeChat just refused), fetched by one process
        at a time: the others wait for its token instead of each asking WeChat. The check
        "is the cached token still the stale one?" is made under the lock, so of any number
        of callers refused at once exactly one fetches."""
        deadline = time.monotonic() + TOKEN_WAIT_SECONDS
        while True:
            if cache.add(self.lock_key, 1, timeout=TOKEN_LOCK_SECONDS):
                try:
                    token = self.session.get(self.access_token_key)
                    if token and token != stale:
                        return token
                    self.session.delete(self.access_token_key)
                    self.fetch_access_token()
                    return self.session.get(self.access_token_key)
                finally:
                    cache.delete(self.lock_key)
            time.sleep(0.05)
            token = self.session.get(self.access_token_key)
            if token and token != stale:
                return token
            if time.monotonic() > deadline:
                raise WeChatRetryableError(WeChatErrorCode.TOKEN_FETCH_FAILED,
                                           "another process is refreshing the token")

    def invalidate(self, stale_token: str) -> None:
        """Drop the cached token only if it is still the one WeChat refused, so a token
        another process just refreshed is kept."""
        if self.session.get(self.access_token_key) == stale_token:
            self.session.delete(self.access_token_key)


def client_for(account) -> _Client:
    return _Client(account)


def _classify(exc: WeChatClientException) -> WeChatError:
    errcode = exc.errcode
    if errcode is None:  # HTTP error status
        return WeChatRetryableError(WeChatErrorCode.NETWORK, "http error")
    errcode = int(errcode)
    if errcode in QUOTA_ERRORS:
        return WeChatRetryableError(WeChatErrorCode.QUOTA_EXCEEDED, errcode=errcode)
    if errcode == NOT_SUBSCRIBED:
        return WeChatPermanentError(WeChatErrorCode.NOT_SUBSCRIBED, errcode=errcode)
    if errcode == OPENID_INVALID:
        return WeChatPermanentError(WeChatErrorCode.OPENID_INVALID, errcode=errcode)
    if errcode == TEMPLATE_DATA_INVALID:
        return WeChatPermanentError(WeChatErrorCode.TEMPLATE_DATA_INVALID, errcode=errcode)
    if errcode in ACCOUNT_ERRORS:
        return WeChatPermanentError(WeChatErrorCode.ACCOUNT_UNAVAILABLE, errcode=errcode)
    if errcode in TOKEN_ERRORS:
        return WeChatRetryableError(WeChatErrorCode.TOKEN_INVALID, errcode=errcode)
    if errcode == BUSY:
        return WeChatRetryableError(WeChatErrorCode.WECHAT_ERROR, errcode=errcode)
    return WeChatPermanentError(WeChatErrorCode.WECHAT_ERROR, errcode=errcode)


def _call(account, call):
    """`call(client)` with one token refresh when WeChat refuses the token; WeChat's and
    the network's errors come out as WeChatRetryableError / WeChatPermanentError."""
    client = client_for(account)
    token = client.access_token
    for attempt in (1, 2):
        try:
            return call(client)
        except WeChatClientException as exc:
            error = _classify(exc)
            if error.code == WeChatErrorCode.TOKEN_INVALID and attempt == 1:
                logger.info("wechat token refused (errcode=%s) appid=%s; refreshing once",
                            error.errcode, account.app_id)
                token = client.refresh_access_token(stale=token)
                continue
            raise error from exc
        except requests.RequestException as exc:
            raise WeChatRetryableError(WeChatErrorCode.NETWORK, type(exc).__name__) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def send_template_message(account, openid: str, template_id: str, data: dict,
                          url: str | None = None) -> str:
    """Send one template message; returns WeChat's msgid.

    Raises WeChatRetryableError (quota 45009, network, busy, token still refused after one
    refresh) or WeChatPermanentError (43004 not subscribed, 40003 bad openid, 47003 bad
    template data — logged as an alert — and other refusals). The openid is never logged.
    """
    try:
        result = _call(account, lambda c: c.message.send_template(openid, template_id, data,
                                                                  url=url))
    except WeChatError as error:
        if error.code == WeChatErrorCode.TEMPLATE_DATA_INVALID:
            logger.error("ALERT wechat template data rejected account=%s template=%s "
                         "errcode=47003", account.slug, template_id)
        elif error.code != WeChatErrorCode.NETWORK:
            logger.warning("wechat template message failed account=%s template=%s "
                           "errcode=%s retryable=%s", account.slug, template_id,
                           error.errcode, error.retryable)
        raise
    return str(result.get("msgid", "")) if isinstance(result, dict) else ""


def send_custom_text(account, openid: str, content: str) -> None:
    """A customer-service text message (WeChat takes these only within 48 hours of the
    follower's last message to the account)."""
    _call(account, lambda c: c.message.send_text(openid, content))


def send_mass_text(account, openids: list[str], content: str,
                   client_msg_id: str | None = None) -> str:
    """A mass text message to 2–10,000 followers; returns WeChat's msg_id. The counts of
    sent and failed arrive later, in the MASSSENDJOBFINISH event to the callback."""
    if not 2 <= len(openids) <= MASS_SEND_MAX:
        raise ValueError(f"mass send takes 2 to {MASS_SEND_MAX} openids, not {len(openids)}")
    result = _call(account, lambda c: c.message.send_mass_text(
        list(openids), content, client_msg_id=client_msg_id))
    return str(result.get("msg_id", "")) if isinstance(result, dict) else ""


def follower_openids(account):
    """Every openid following the account, page by page (10,000 a page)."""
    next_openid = None
    seen = 0
    while True:
        page = _call(account, lambda c, first=next_openid: c.user.get_followers(first))
        openids = (page.get("data") or {}).get("openid") or []
        yield from openids
        seen += len(openids)
        next_openid = page.get("next_openid")
        # WeChat gives a next_openid even on the last page; `total` says when to stop.
        if not openids or not next_openid or seen >= int(page.get("total") or 0):
            return


def followers_info(account, openids: list[str]) -> list[dict]:
    """user/info/batchget, 100 at a time; unionid is present where WeChat has one."""
    infos: list[dict] = []
    for start in range(0, len(openids), USER_INFO_BATCH_MAX):
        chunk = list(openids[start:start + USER_INFO_BATCH_MAX])
        infos.extend(_call(account, lambda c, chunk=chunk: c.user.get_batch(chunk)))
    return infos


def menu_create(account, menu: dict) -> None:
    _call(account, lambda c: c.menu.create(menu))


def media_download(account, media_id: str) -> tuple[bytes, str]:
    """A temporary media file (a follower's photo): (bytes, content type)."""
    response = _call(account, lambda c: c.media.download(media_id))
    if isinstance(response, dict):  # JSON without errcode: not a file
        raise WeChatPermanentError(WeChatErrorCode.WECHAT_ERROR, "media is not a file")
    return response.content, response.headers.get("Content-Type", "")
