"""WeChat's own API paths on the fake: access tokens, messages, followers, menu, media and
OAuth, with WeChat's parameters, JSON shapes and error codes."""

from __future__ import annotations

import base64
import html
from urllib.parse import urlencode

from .handler import HandlerBase
from .state import error, template_data_problem

MASS_MIN, MASS_MAX = 2, 10_000
USER_GET_PAGE = 10_000
BATCHGET_MAX = 100


class WeChatApiHandler(HandlerBase):
    def _route(self, method: str):
        return ROUTES.get((method, self.url_path))

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


ROUTES = {
    ("GET", "/cgi-bin/token"): WeChatApiHandler.token,
    ("POST", "/cgi-bin/stable_token"): WeChatApiHandler.stable_token,
    ("POST", "/cgi-bin/message/template/send"): WeChatApiHandler.template_send,
    ("POST", "/cgi-bin/message/custom/send"): WeChatApiHandler.custom_send,
    ("POST", "/cgi-bin/message/mass/send"): WeChatApiHandler.mass_send,
    ("GET", "/cgi-bin/user/get"): WeChatApiHandler.user_get,
    ("POST", "/cgi-bin/user/info/batchget"): WeChatApiHandler.user_batchget,
    ("POST", "/cgi-bin/menu/create"): WeChatApiHandler.menu_create,
    ("GET", "/cgi-bin/media/get"): WeChatApiHandler.media_get,
    ("GET", "/sns/oauth2/access_token"): WeChatApiHandler.sns_access_token,
    ("GET", "/connect/oauth2/authorize"): WeChatApiHandler.authorize,
}



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
