"""便民纸条 from WeChat: `求助 <text>` (or `求助` alone) and a photo sent to any alliance
account start a help draft (volunteers.help.services.help_draft_create) and answer with its
`/help/new/<token>` link, where she confirms it in one tap.

The draft is written in the callback's transaction, together with the message's dedup
claim, so WeChat's retry of the same MsgId makes no second draft (and gets the stored
reply). A photo is fetched through /cgi-bin/media/get only after that transaction has
committed, by a task: the passive reply never waits on WeChat's media server.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.core.links import absolute_url
from backend.core.services import enqueue_on_commit
from volunteers import services as volunteer_services

from .. import tasks
from .commands import CommandContext, bind_prompt, command

EMERGENCY = gettext_lazy("紧急情况请拨打 120 / 110，不要在这里等。")


def draft_url(account, draft) -> str:
    return absolute_url("page-help-new", token=draft.token, wx=account.slug)


def _draft(ctx: CommandContext, *, text: str = "", msg_id: str = ""):
    return volunteer_services.help_draft_create(
        user=ctx.user, text=text, account=ctx.account,
        openid=getattr(ctx.binding, "openid", ""), msg_id=msg_id)


@command("求助", needs_binding=True, aliases=("帮忙", "便民纸条"))
def help_request_command(ctx: CommandContext) -> str:
    draft = _draft(ctx, text=ctx.args, msg_id=ctx.msg_id)
    if ctx.args:
        lead = _("收到您的求助：“{text}”。").format(text=ctx.args[:40])
    else:
        lead = _("收到。请在下面的链接里写一写需要帮什么。")
    return "\n".join([
        lead,
        _("请点这个链接，选好哪天、什么时候、到哪里帮您，再点“确认求助”（24小时内有效）："),
        draft_url(ctx.account, draft),
        str(EMERGENCY)])


def photo_message(*, account, binding, msg_id: str, media_id: str) -> str:
    """An image message: a draft with the photo to come (fetched after commit)."""
    ctx = CommandContext(account=account, binding=binding, msg_id=msg_id)
    if ctx.user is None:
        return bind_prompt(account)
    draft = _draft(ctx, msg_id=msg_id)
    if media_id:
        enqueue_on_commit(tasks.help_draft_photo_fetch_task, draft.pk, media_id)
    return "\n".join([
        _("收到您的照片。需要志愿者上门帮忙吗？"),
        _("请点这个链接，说说要帮什么、哪天方便，再点“确认求助”（24小时内有效）："),
        draft_url(account, draft),
        str(EMERGENCY)])
