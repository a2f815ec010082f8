"""A fake WeChat (official-account API, OAuth page, callbacks) for tests and the demo.

It imports neither Django nor wechatpy; `cryptography` only for accounts registered with an
EncodingAESKey (safe-mode callbacks). State lives in memory (optionally saved to a JSON
--state-file); every call is recorded per appid and openid.

Three ways to use it:
    in-process   FakeWeChat().start() / .base_url / .stop()  (pytest: tests/helpers/fake_wechat.py)
    a process    python -m backend.wechat.fake --port 0 --state-file PATH
                 prints FAKE_WECHAT_URL=http://127.0.0.1:NNNN, serves until SIGTERM/SIGINT
    control      FakeWeChatControl(base_url): register accounts, followers, templates, media;
                 read messages/calls; inject errors and delays; reset

WeChat's paths (Linli's LINLI_WECHAT_API_ORIGIN and LINLI_WECHAT_OPEN_ORIGIN both point here):
    GET  /cgi-bin/token, POST /cgi-bin/stable_token     40125 wrong secret, 40013 unknown appid
    POST /cgi-bin/message/template/send                  47003 / 40037 / 40003 / 43004
    POST /cgi-bin/message/custom/send, /cgi-bin/message/mass/send (2–10,000 openids; then a
         signed MASSSENDJOBFINISH to the account's callback_url)
    GET  /cgi-bin/user/get (10,000 a page), POST /cgi-bin/user/info/batchget (≤ 100)
    POST /cgi-bin/menu/create, GET /cgi-bin/media/get
    GET  /sns/oauth2/access_token, GET /connect/oauth2/authorize (a chooser page, or straight
         back with ?openid=… or an account's preset current follower)
    Every API call checks its access_token: 41001 missing, 40001 unknown, 42001 expired.

Control API (JSON) under /_fake/:
    GET  state                      POST reset                POST settings
    POST accounts {appid, secret, token, callback_url, encoding_aes_key?, original_id?,
                   token_ttl?}      GET accounts[/<appid>]
    POST accounts/<appid>/followers {followers: [{openid, unionid?, subscribed?, nickname?,
                   errcode? (40003|43004)}]}          GET accounts/<appid>/followers
    POST accounts/<appid>/templates {templates: [{template_id, title?, content?}]}
    POST accounts/<appid>/media {content_base64, content_type?, media_id?} -> {media_id}
    POST accounts/<appid>/current_follower {openid}   POST accounts/<appid>/expire_tokens
    POST accounts/<appid>/inbound {openid, text[, msg_id] | event[, event_key] | media_id}
    GET  messages?appid=&openid=&kind=&since=   (accepted template/custom/mass/reply)
    GET  calls?appid=&openid=&kind=&path=&since=        GET mass/<msg_id>
    POST errors {path | "*", errcode | http_status (5xx) | timeout[, hang_seconds], count}
    GET/DELETE errors               POST delays {path, seconds}
"""

from .control import FakeControlError, FakeWeChatControl
from .server import FakeWeChat, signature

__all__ = ["FakeControlError", "FakeWeChat", "FakeWeChatControl", "signature"]
