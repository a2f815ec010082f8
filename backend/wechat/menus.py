"""Custom menus: the small structure an admin writes, checked against WeChat's menu rules,
and turned into the JSON `menu/create` takes.

An admin writes a list of buttons; each is one of

    {"name": "课程", "page": "/courses/"}             a Linli page, opened through OAuth
    {"name": "帮助", "command": "帮助"}                 like typing the command (a click key)
    {"name": "我的", "sub_button": [ ...up to 5... ]}  a group

WeChat's rules: 1–3 top-level buttons, 0–5 sub-buttons each; a top-level name shows at
most 4 Chinese characters (8 Latin), a sub-button's 8 (16); a click key is at most 128
bytes, a URL 1024. Pages are local paths under PUBLIC_BASE_URL, not URLs, so the menu
follows the site when it moves, and each gets `?wx=<account slug>` so WeChat's in-app
browser signs the follower in through that account's OAuth.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_WIDTH = 8     # 4 Chinese characters
MAX_SUB_WIDTH = 16    # 8 Chinese characters
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024
_PAGE = re.compile(r"^/(?!/)[A-Za-z0-9_\-./]*$")


def name_width(name: str) -> int:
    """Display width as WeChat counts it: a Chinese character is two Latin ones."""
    return sum(1 if ord(ch) < 128 else 2 for ch in name)


def menu_problems(buttons) -> list[str]:
    """What is wrong with `buttons`, in plain Chinese; empty when WeChat would accept it."""
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        return [_("菜单要有1到3个一级按钮。")]
    problems: list[str] = []
    for i, button in enumerate(buttons, start=1):
        problems += _button_problems(button, _("第{n}个一级按钮").format(n=i), top=True)
    return problems


def _button_problems(button, label: str, *, top: bool) -> list[str]:
    if not isinstance(button, dict):
        return [_("{label}格式不对。").format(label=label)]
    problems = []
    name = button.get("name")
    limit = MAX_TOP_WIDTH if top else MAX_SUB_WIDTH
    if not isinstance(name, str) or not name.strip():
        problems.append(_("{label}缺少名称。").format(label=label))
    elif name_width(name) > limit:
        problems.append(_("{label}「{name}」太长：最多{n}个汉字。").format(
            label=label, name=name, n=limit // 2))
    actions = [k for k in ("page", "command", "sub_button") if k in button]
    unknown = set(button) - {"name", "page", "command", "sub_button"}
    if unknown:
        problems.append(_("{label}有不认识的设置：{keys}。").format(
            label=label, keys="、".join(sorted(unknown))))
    if len(actions) != 1:
        problems.append(_("{label}要在 page（页面）、command（指令）、sub_button（子菜单）"
                          "中选一个。").format(label=label))
        return problems
    action = actions[0]
    if action == "sub_button":
        subs = button["sub_button"]
        if not top:
            problems.append(_("{label}：子菜单里不能再放子菜单。").format(label=label))
        elif not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            problems.append(_("{label}的子菜单要有1到5个按钮。").format(label=label))
        else:
            for j, sub in enumerate(subs, start=1):
                problems += _button_problems(
                    sub, _("{label}的第{n}个子按钮").format(label=label, n=j), top=False)
    elif action == "page":
        page = button["page"]
        if not isinstance(page, str) or not _PAGE.match(page):
            problems.append(_("{label}的页面要写成以 / 开头的站内路径，例如 /courses/。").format(
                label=label))
    else:
        command = button["command"]
        if not isinstance(command, str) or not command.strip() or \
                len(command.encode("utf-8")) > MAX_KEY_BYTES:
            problems.append(_("{label}的指令不能为空，也不能太长。").format(label=label))
    return problems


def page_link(page: str, slug: str) -> str:
    return (settings.PUBLIC_BASE_URL.rstrip("/") + page + "?" + urlencode({"wx": slug}))


def wechat_menu(buttons: list[dict], *, slug: str) -> dict:
    """WeChat's `menu/create` body for checked `buttons` of the account `slug`."""
    return {"button": [_wechat_button(b, slug) for b in buttons]}


def _wechat_button(button: dict, slug: str) -> dict:
    if "sub_button" in button:
        return {"name": button["name"],
                "sub_button": [_wechat_button(b, slug) for b in button["sub_button"]]}
    if "page" in button:
        url = page_link(button["page"], slug)
        if len(url.encode("utf-8")) > MAX_URL_BYTES:
            raise ValueError("menu url too long")
        return {"type": "view", "name": button["name"], "url": url}
    return {"type": "click", "name": button["name"], "key": button["command"]}


def default_buttons() -> list[dict]:
    """The menu the demo accounts start with: the commands elderly followers use most."""
    return [
        {"name": "课程", "page": "/courses/"},
        {"name": "辅导", "page": "/tutoring/"},
        {"name": "我的", "sub_button": [
            {"name": "我的首页", "page": "/"},
            {"name": "我的预约", "page": "/me/bookings/"},
            {"name": "我的证书", "page": "/me/certificates/"},
            {"name": "志愿任务", "command": "任务"},
            {"name": "使用帮助", "command": "帮助"},
        ]},
    ]
