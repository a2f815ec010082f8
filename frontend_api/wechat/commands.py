"""Text commands a follower sends to an official account, as a small registry.

Each handler gets a CommandContext and returns the reply text. Handlers call the domains'
services and selectors, like the GraphQL mutations do, so behaviour cannot diverge.
Replies are short and plain: many followers are elderly and read on a small screen.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.certificates import selectors as certificate_selectors
from backend.certificates import services as certificate_services
from backend.certificates.models import CertificateStatus
from backend.core.formatting import datetime_zh
from backend.core.links import absolute_url, node_id
from backend.wechat import services as wechat_services
from courses import permissions as course_permissions
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import Audience, EnrollmentStatus
from courses.tutoring import selectors as tutoring_selectors
from courses.tutoring.models import TutoringBookingStatus
from volunteers import selectors as volunteer_selectors
from volunteers.models import ACTIVE_COMMITMENT_STATUSES

logger = logging.getLogger(__name__)

MAX_ITEMS = 5


@dataclass(frozen=True)
class CommandContext:
    account: object            # backend.wechat.models.WeChatAccount
    binding: object            # backend.wechat.models.WeChatBinding
    args: str = ""
    msg_id: str = ""           # WeChat's MsgId ("" for a menu click)

    @property
    def user(self):
        user = self.binding.user if self.binding is not None else None
        return user if user is not None and user.is_active else None


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[CommandContext], str]
    needs_binding: bool
    aliases: tuple[str, ...] = ()


REGISTRY: dict[str, Command] = {}


def command(name: str, *, needs_binding: bool = False, aliases: tuple[str, ...] = ()):
    def register(handler: Callable[[CommandContext], str]):
        cmd = Command(name=name, handler=handler, needs_binding=needs_binding, aliases=aliases)
        for word in (name, *aliases):
            REGISTRY[word] = cmd
        return handler
    return register


# Full-width spaces and punctuation are common in Chinese input methods.
_SPLIT = re.compile(r"[\s\u3000:：,，]+")


def split_command(text: str) -> tuple[str, str]:
    text = (text or "").strip()
    parts = _SPLIT.split(text, maxsplit=1)
    word = (parts[0] if parts else "").lower()
    args = parts[1].strip() if len(parts) > 1 else ""
    if word not in REGISTRY:
        # "报名WX2611-01" typed without a space
        for name in sorted(REGISTRY, key=len, reverse=True):
            if text.startswith(name) and len(text) > len(name):
                return name, text[len(name):].strip(" \u3000:：,，")
    return word, args


def bind_url(account) -> str:
    return absolute_url("wechat-bind", slug=account.slug)


def bind_prompt(account) -> str:
    return _("您还没有绑定邻里账号，绑定后才能查看和报名。\n请点这里绑定：\n{url}").format(
        url=bind_url(account))


def dispatch(*, account, binding, text: str, msg_id: str = "") -> str:
    word, args = split_command(text)
    cmd = REGISTRY.get(word)
    if cmd is None:
        return _("没看懂您的意思。\n回复「帮助」看看我能做什么。")
    ctx = CommandContext(account=account, binding=binding, args=args, msg_id=msg_id)
    if cmd.needs_binding and ctx.user is None:
        return bind_prompt(account)
    return cmd.handler(ctx)


def validation_message(exc: ValidationError) -> str:
    """The first human message of a service's ValidationError, for a reply."""
    messages = exc.messages
    return messages[0] if messages else _("没能办成，请稍后再试。")


def local(dt) -> str:
    """3月5日 14:05: replies are about the coming weeks, so no year."""
    return datetime_zh(dt, year=False)


# --- Commands ---------------------------------------------------------------------------
HELP_LINES = (
    (gettext_lazy("课程"), gettext_lazy("看看附近最近开的课")),
    (gettext_lazy("报名 课程编号"), gettext_lazy("报名上课，例如：报名 WX2612-03")),
    (gettext_lazy("我的"), gettext_lazy("我的报名、预约和服务")),
    (gettext_lazy("辅导"), gettext_lazy("预约志愿者一对一教用微信")),
    (gettext_lazy("证书"), gettext_lazy("我的证书和查验链接")),
    (gettext_lazy("求助 想要的帮助"),
     gettext_lazy("请志愿者上门帮忙，例如：求助 想理发，行动不便（也可以直接发照片）")),
    (gettext_lazy("任务"), gettext_lazy("志愿者：待答复的派单和要做的服务")),
    (gettext_lazy("解绑"), gettext_lazy("这个微信不再和邻里账号关联")),
    (gettext_lazy("帮助"), gettext_lazy("再看一遍这个说明")),
)


def help_text(account) -> str:
    lines = [_("您好！这里是「{name}」。回复下面的字就能办事：").format(name=account.name)]
    lines += [f"【{word}】{what}" for word, what in HELP_LINES]
    return "\n".join(lines)


@command("帮助", aliases=("help", "？", "?", "菜单"))
def help_command(ctx: CommandContext) -> str:
    text = help_text(ctx.account)
    if ctx.user is None:
        text += "\n\n" + _("第一次使用请先绑定邻里账号：\n{url}").format(url=bind_url(ctx.account))
    return text


def welcome_text(account, binding) -> str:
    text = _("欢迎关注「{name}」！").format(name=account.name) + "\n" + help_text(account)
    if binding is None or binding.user_id is None:
        text += "\n\n" + _("第一次使用请先绑定邻里账号：\n{url}").format(url=bind_url(account))
    return text


@command("证书", needs_binding=True)
def certificates_command(ctx: CommandContext) -> str:
    certificates = list(certificate_selectors.certificate_list_for_holder(ctx.user)[:MAX_ITEMS])
    if not certificates:
        return _("您还没有证书。学完课程、通过测验后就会发证书。")
    lines = [_("您的证书：")]
    for cert in certificates:
        status = CertificateStatus(cert.status).label
        lines.append(_("《{title}》{status}\n编号 {code}\n查验：{url}").format(
            title=cert.title, status=status, code=cert.display_code,
            url=certificate_services.verify_url(cert.code)))
    return "\n\n".join(lines)


# --- Courses ------------------------------------------------------------------------------
def _viewer(ctx: CommandContext):
    return ctx.user or AnonymousUser()


def _home(ctx: CommandContext) -> tuple[int | None, int | None]:
    """(community id, street id) the follower lives in, else the account's unit."""
    user = ctx.user
    if user is not None and user.community_id:
        return user.community_id, user.community.street_id
    account = ctx.account
    if account.community_id:
        return account.community_id, account.community.street_id
    return None, account.street_id


def _run_line(run) -> str:
    venue = run.venue
    seats = run.seats_left
    seats_text = (_("还剩 {n} 个名额").format(n=seats) if seats > 0
                  else _("名额已满，可以候补"))
    return _("{code} {title}\n{when} 开课 · {place}（{community}）\n{seats}").format(
        code=run.code, title=run.course.title, when=local(run.starts_at), place=venue.name,
        community=venue.community.name, seats=seats_text)


@command("课程", aliases=("课", "上课"))
def courses_command(ctx: CommandContext) -> str:
    viewer = _viewer(ctx)
    now = timezone.now()
    community_id, street_id = _home(ctx)
    # Nearest first: the follower's community, then their street, then the district.
    nearness = Case(
        When(venue__community_id=community_id, then=Value(0)),
        When(venue__community__street_id=street_id, then=Value(1)),
        default=Value(2), output_field=IntegerField())
    # A bound follower sees her audiences (staff courses for bound staff); an unbound one
    # what is open to residents.
    audiences = (course_permissions.audiences_for(ctx.user) if ctx.user is not None
                 else [Audience.ALL, Audience.RESIDENT])
    runs = list(course_selectors.run_list(user=viewer, starts_after=now, audiences=audiences)
                .filter(enrollment_opens_at__lte=now, enrollment_closes_at__gt=now)
                .alias(nearness=nearness).order_by("nearness", "starts_at", "id")[:MAX_ITEMS])
    if not runs:
        return _("最近附近没有可以报名的课。过几天再来看看吧。")
    lines = [_("附近可以报名的课：")] + [_run_line(r) for r in runs]
    lines.append(_("想报名，就回复「报名」加课程编号，例如：报名 {code}").format(code=runs[0].code))
    if ctx.user is None:
        lines.append(bind_prompt(ctx.account))
    return "\n\n".join(lines)


@command("报名", needs_binding=True)
def enroll_command(ctx: CommandContext) -> str:
    # Run codes are letters, digits and dashes; anything else is a typo (or mischief).
    code = re.sub(r"[^A-Z0-9-]", "", ctx.args.strip().upper().replace("－", "-"))[:16]
    if not code:
        return _("请在「报名」后面加上课程编号，例如：报名 WX2612-03\n回复「课程」可以查看编号。")
    run = course_selectors.run_get_by_code(user=ctx.user, code=code)
    if run is None:
        return _("没有找到编号为 {code} 的课。请核对后再发，或回复「课程」查看。").format(
            code=code or "?")
    try:
        enrollment = course_services.enrollment_create(actor=ctx.user, user=ctx.user,
                                                       run_id=run.pk)
    except ValidationError as exc:
        return validation_message(exc)
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        position = course_selectors.enrollment_waitlist_position(enrollment)
        return _("这个班已经满了，已为您排上候补（第 {n} 位）。\n有空位时会通知您。").format(
            n=position or "?")
    return _("报名成功！\n{code} {title}\n{when} 开课，地点：{place}\n到时候见！").format(
        code=run.code, title=run.course.title, when=local(run.starts_at),
        place=run.venue.address or run.venue.name)


# --- Me -----------------------------------------------------------------------------------
def _enrollment_lines(user) -> list[str]:
    enrollments = (course_selectors.my_enrollments(user=user)
                   .exclude(status=EnrollmentStatus.CANCELLED)[:MAX_ITEMS])
    lines = []
    for e in enrollments:
        status = EnrollmentStatus(e.status).label
        if e.status == EnrollmentStatus.WAITLISTED:
            status = _("候补第 {n} 位").format(n=e.waitlist_ahead + 1)
        lines.append(_("· {code} {title}，{when} 开课（{status}）").format(
            code=e.run.code, title=e.run.course.title, when=local(e.run.starts_at),
            status=status))
    return lines


def _commitment_lines(user) -> list[str]:
    volunteer = volunteer_selectors.volunteer_for_user(user)
    if volunteer is None:
        return []
    commitments = (volunteer_selectors.volunteer_commitments(volunteer,
                                                             starts_after=timezone.now())
                   .filter(status__in=ACTIVE_COMMITMENT_STATUSES)[:MAX_ITEMS])
    return [_("· {when} {title}").format(when=local(c.starts_at),
                                          title=c.title or c.get_kind_display())
            for c in commitments]


@command("我的")
def me_command(ctx: CommandContext) -> str:
    if ctx.user is None:
        return bind_prompt(ctx.account)
    enrollments = _enrollment_lines(ctx.user)
    commitments = _commitment_lines(ctx.user)
    name = ctx.user.display_name or ctx.user.username
    parts = [_("{name}，您好！").format(name=name)]
    parts.append(_("【我的课程】\n") + ("\n".join(enrollments) if enrollments
                                       else _("还没有报名课程，回复「课程」看看。")))
    if commitments:
        parts.append(_("【我的志愿服务】\n") + "\n".join(commitments))
    bookings = _booking_lines(ctx.user)
    if bookings:
        parts.append(_("【辅导预约】\n") + "\n".join(bookings))
    return "\n\n".join(parts)


# --- Tutoring -----------------------------------------------------------------------------
def tutoring_url(account, slot) -> str:
    return absolute_url("page-tutoring-slot", id=node_id("TutoringSlot", slot.pk),
                        wx=account.slug)


def _booking_lines(user) -> list[str]:
    bookings = (tutoring_selectors.my_tutoring_bookings(user=user)
                .filter(status=TutoringBookingStatus.BOOKED, ends_at__gt=timezone.now())
                .order_by("starts_at", "id")[:MAX_ITEMS])
    return [_("· {when} {topic}，{place}（志愿者 {tutor}）").format(
        when=local(b.starts_at), topic=b.slot.topic, place=b.slot.place,
        tutor=b.slot.tutor.user.display_name or b.slot.tutor.user.username)
        for b in bookings]


@command("辅导", aliases=("预约辅导", "学微信"))
def tutoring_command(ctx: CommandContext) -> str:
    slots = list(tutoring_selectors.slot_list(user=_viewer(ctx))[:MAX_ITEMS])
    if not slots:
        return _("最近没有可以预约的一对一辅导。过几天再来看看吧。")
    lines = [_("志愿者一对一教您用微信，点链接就能预约：")]
    for slot in slots:
        tutor = slot.tutor.user.display_name or slot.tutor.user.username
        line = _("{when} {topic}\n志愿者 {tutor} · {place}（{community}）\n预约：{url}")
        lines.append(line.format(
            when=local(slot.starts_at), topic=slot.topic, tutor=tutor, place=slot.place,
            community=slot.community.name, url=tutoring_url(ctx.account, slot)))
    if ctx.user is None:
        # A newcomer has no password: the staff's binding QR code is her way in.
        lines.append(_("预约要先绑定邻里账号：请找社区工作人员要一个绑定二维码，用微信扫一扫"
                       "就绑好了。有密码的也可以点这里绑定：\n{url}").format(
                           url=bind_url(ctx.account)))
    return "\n\n".join(lines)


# --- Volunteers -----------------------------------------------------------------------------
def page_url(account, route: str, **kwargs) -> str:
    """A Linli page, opened inside WeChat: `?wx=` names the account to sign in through."""
    return absolute_url(route, query={"wx": account.slug}, **kwargs)


def _offer_line(account, offer) -> str:
    request = offer.request
    return _("· {when} {skill}（{community}）\n请在 {deadline} 前答复：{url}").format(
        when=local(request.starts_at), skill=request.skill.name,
        community=request.community.name, deadline=local(offer.expires_at),
        url=page_url(account, "page-offer", id=node_id("Offer", offer.pk)))


@command("任务", needs_binding=True, aliases=("派单", "志愿"))
def tasks_command(ctx: CommandContext) -> str:
    volunteer = volunteer_selectors.volunteer_for_user(ctx.user)
    if volunteer is None:
        return _("您还不是志愿者。想当志愿者，请到社区服务站登记。")
    now = timezone.now()
    offers = list(volunteer_selectors.volunteer_open_offers(volunteer, now=now)[:MAX_ITEMS])
    jobs = _commitment_lines(ctx.user)
    parts = []
    if offers:
        parts.append(_("【等您答复的派单】\n") + "\n".join(
            _offer_line(ctx.account, offer) for offer in offers))
    if jobs:
        parts.append(_("【接下来的服务】\n") + "\n".join(jobs) + "\n" + _("全部日程：{url}").format(
            url=page_url(ctx.account, "page-commitments")))
    if not parts:
        return _("您现在没有待答复的派单，也没有安排好的服务。")
    return "\n\n".join(parts)


@command("解绑", aliases=("取消绑定",))
def unbind_command(ctx: CommandContext) -> str:
    binding = ctx.binding
    if binding is None or binding.user_id is None:
        return _("您的微信还没有绑定邻里账号，不用解绑。")
    user = binding.user
    wechat_services.binding_unbind(binding=binding, actor=user)
    name = user.display_name or user.username
    return _("已解绑。这个微信不再和邻里账号「{name}」关联，也不会再收到通知。\n"
             "想重新绑定，请点这里：\n{url}").format(name=name, url=bind_url(ctx.account))
