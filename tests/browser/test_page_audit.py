"""The page audit (issue 11): every page route, for every role that may see it, on a phone
(390×844), against a fixture world in which each page has real content:

- axe-core (vendored from the npm package, tests/browser/assets/axe-core/): no serious or
  critical violation;
- text and inputs at least 18 px;
- tap targets at least 48×48 px (a link inside a sentence excepted), the main action at
  least 60 px high;
- no horizontal scrolling at 360 px wide, nor with the root text at 140 %.

One test per role; each collects every problem of every page and fails with the whole list.
Screenshots: artifacts/screenshots/test_page_audit_<role>-<route>.png. The table of routes
is tests/browser/page_audit.py (a page route missing from it fails
tests/pages/test_page_audit_table.py and the first test here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import Role
from backend.wechat import services as wechat_services
from courses import services as course_services
from courses.models import Attendance, AttendanceMethod, Enrollment, EnrollmentStatus
from tests.factories.accounts import user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import (
    ChoiceFactory,
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    QuestionFactory,
    QuizFactory,
    TutoringSlotFactory,
    VenueFactory,
    book,
    make_tutor,
    publish_slot,
)
from tests.factories.volunteers import (
    ALL_WEEK,
    ShiftFactory,
    commitment,
    give_skill,
    set_availability,
)
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.help_front import photo_bytes
from volunteers import services as volunteer_services
from volunteers.help import services as help_services
from volunteers.help.photos import help_photo_store

from .conftest import PHONE, _context, csp_problems
from .page_audit import ROLES, audits_for, unaudited_routes

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
MIN_TEXT_PX = 18
MIN_TAP_PX = 48
MIN_MAIN_PX = 60

# Runs in the page: text sizes and tap targets, as plain data for Python to judge.
MEASURE = """() => {
  const shown = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
      && !el.closest("[hidden], [aria-hidden=true], svg, script, style, noscript");
  };
  const label = (el) => (el.innerText || el.value || el.getAttribute("aria-label")
                         || el.tagName).trim().slice(0, 30);
  const texts = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (shown(el)) texts.push({what: label(el), px: parseFloat(getComputedStyle(el).fontSize)});
  }
  document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((el) => {
    if (shown(el) && !["checkbox", "radio"].includes(el.type))
      texts.push({what: "input " + (el.name || el.type),
                  px: parseFloat(getComputedStyle(el).fontSize)});
  });
  const targets = [];
  const tappable = "a[href], button, input:not([type=hidden]), select, textarea, [role=button]";
  document.querySelectorAll(tappable).forEach((el) => {
      if (!shown(el)) return;
      // A link inside a sentence is exempt (WCAG 2.5.8 "inline").
      if (el.tagName === "A" && getComputedStyle(el).display === "inline"
          && el.parentElement.innerText.trim().length > el.innerText.trim().length) return;
      const target = ["checkbox", "radio"].includes(el.type) ? (el.closest("label") || el) : el;
      const box = target.getBoundingClientRect();
      targets.push({what: label(el), width: box.width, height: box.height,
                    main: el.matches("[data-testid=main-action]")});
    });
  return {texts, targets};
}"""
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))"""
OVERFLOW = """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""
ENLARGE = """() => { const html = document.documentElement;
  html.style.fontSize = (parseFloat(getComputedStyle(html).fontSize) * 1.4) + "px"; }"""


@dataclass
class World:
    """The rows every page needs to show real content."""

    users: dict
    run: object
    session: object
    enrollment: object
    lesson: object
    certificate: object
    resident: object
    binding_token: str
    open_slot: object
    booking: object
    attended_booking: object
    offer: object
    sign_up: object
    help_request: object
    help_draft: object

    def checkin_token(self) -> str:
        code = course_services.session_checkin_code(actor=self.users["instructor"],
                                                    session=self.session)
        return code.token


def build_world(community, street) -> World:
    now = timezone.now()
    users = {
        "resident": user_with_role(Role.RESIDENT, community=community, display_name="王秀英"),
        "volunteer": user_with_role(Role.VOLUNTEER, community=community, display_name="李建国"),
        "instructor": user_with_role(Role.INSTRUCTOR, community=community, display_name="赵老师"),
        "staff": user_with_role(Role.COMMUNITY_STAFF, community=community, display_name="陈社工"),
        "coordinator": user_with_role(Role.STREET_COORDINATOR, street=street,
                                      community=community, display_name="周协调"),
    }
    tutor = make_tutor(community, user=users["volunteer"])  # a volunteer who also tutors
    WeChatAccountFactory(slug="weishinan", name="微市南")
    course = CourseFactory(code="WX01", title="微信入门：视频通话",
                           summary="学会用微信和家人视频通话。")
    venue = VenueFactory(community=community, name="金口路社区活动中心", address="金口二路 1 号")
    run = CourseRunFactory(course=course, venue=venue, capacity=10, code="WX2612-01",
                           starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7))
    run.instructors.add(users["instructor"])
    past = ClassSessionFactory(run=run, starts_at=now - timedelta(days=1))
    session = ClassSessionFactory(run=run, starts_at=now - timedelta(minutes=10),
                                  ends_at=now + timedelta(hours=1))
    ClassSessionFactory(run=run, starts_at=now + timedelta(days=6))
    CourseRunFactory(course=CourseFactory(code="WX02", title="手机支付安全"), venue=venue,
                     code="WX2612-02")
    lessons = [LessonFactory(course=course, order=1, title="打开微信",
                             body="# 第一步\n\n点**绿色**的微信图标。"),
               LessonFactory(course=course, order=2, title="找到视频通话", body="点右上角的加号。")]
    quiz = QuizFactory(course=course, pass_mark=60, max_attempts=3)
    question = QuestionFactory(quiz=quiz, order=1, text="视频通话在哪里？")
    ChoiceFactory(question=question, text="右上角的加号", is_correct=True)
    ChoiceFactory(question=question, text="通讯录")
    enrollments = []
    for role in ("resident", "volunteer"):
        enrollments.append(Enrollment.objects.create(user=users[role], run=run,
                                                     status=EnrollmentStatus.ENROLLED))
    type(run).objects.filter(pk=run.pk).update(enrolled_count=2)
    Attendance.objects.create(enrollment=enrollments[0], session=past, present=True,
                              method=AttendanceMethod.QR, marked_at=past.starts_at)
    certificate = CertificateFactory(holder=users["resident"],
                                     snapshot={"title": "微信入门", "holder_name": "王秀英"})
    _link, token = wechat_services.binding_link_create(actor=users["staff"],
                                                       user=users["resident"])
    volunteering = build_volunteering(tutor, users, community)
    return World(users=users, run=run, session=session, enrollment=enrollments[0],
                 lesson=lessons[0], certificate=certificate, resident=users["resident"],
                 binding_token=token, **volunteering, **build_help(users["resident"]))


def build_help(resident) -> dict:
    """A help request waiting at the desk (with a photo) and a WeChat draft to confirm."""
    resident.address = "金口路12号3单元201"
    resident.consent_version = settings.PRIVACY_NOTICE_VERSION
    resident.save(update_fields=["address", "consent_version"])
    photo = help_photo_store(uploader=resident, data=photo_bytes())
    request = help_services.help_request_create(
        actor=resident, description="我和老伴想理发，腿脚不便出不了门", skill_code="haircut",
        preferred_date=timezone.localdate() + timedelta(days=4), part_of_day="AFTERNOON",
        photo_ids=[photo.pk])
    draft = help_services.help_draft_create(user=resident, text="水龙头坏了，一直滴水")
    return {"help_request": request, "help_draft": draft}


def _day_at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def build_volunteering(tutor, users, community) -> dict:
    """Tutoring slots and bookings, a job offer, a shift, hours to log: on distinct days so
    none of the tutor's commitments clash."""
    give_skill(tutor, "haircut")
    set_availability(tutor, ALL_WEEK)
    open_slot = publish_slot(tutor, _day_at(2, 10), topic="教您和家人视频通话")
    booked = publish_slot(tutor, _day_at(3, 10), topic="教您用微信支付")
    booking = book(booked, users["resident"])
    past = TutoringSlotFactory(tutor=tutor, topic="教您发语音", starts_at=_day_at(-3, 10),
                               ends_at=_day_at(-3, 11))
    attended = book(past, users["resident"], status="ATTENDED")
    shift = ShiftFactory(event__community=community, event__place="金口路社区活动室",
                         title="上午班", starts_at=_day_at(5, 9), ends_at=_day_at(5, 11))
    ShiftFactory(event__community=community, event__place="金口路社区活动室", title="下午班",
                 starts_at=_day_at(6, 14), ends_at=_day_at(6, 16))
    sign_up = volunteer_services.shift_sign_up(actor=tutor.user, shift=shift)
    commitment(tutor, _day_at(-2, 9), _day_at(-2, 11))  # done: hours to log
    # The eager expiry task would expire the offer at once.
    with mock.patch("volunteers.services.dispatch._schedule_expiry"):
        job = volunteer_services.dispatch_create(
            actor=users["coordinator"], skill_code="haircut", starts_at=_day_at(8, 14),
            duration_minutes=60, community=community, address="金口一路18号2单元301",
            note="老人腿脚不便，请敲门大声一点", volunteer=tutor)
    return {"open_slot": open_slot, "booking": booking, "attended_booking": attended,
            "offer": job.offers.get(volunteer=tutor), "sign_up": sign_up}


def judge(measured: dict) -> list[str]:
    problems = []
    for text in measured["texts"]:
        if text["px"] < MIN_TEXT_PX - 0.05:
            problems.append(f"text {text['px']:.1f}px < {MIN_TEXT_PX}: {text['what']!r}")
    for target in measured["targets"]:
        if target["height"] < MIN_TAP_PX - 0.5 or target["width"] < MIN_TAP_PX - 0.5:
            problems.append(f"tap target {target['width']:.0f}×{target['height']:.0f}px: "
                            f"{target['what']!r}")
        if target["main"] and target["height"] < MIN_MAIN_PX - 0.5:
            problems.append(f"main action {target['height']:.0f}px high < {MIN_MAIN_PX}: "
                            f"{target['what']!r}")
    return problems


def open_page(page, base: str, name: str, audit, world) -> str | None:
    """Open the page; an error message if it did not answer 200."""
    kwargs = audit.kwargs(world) or None
    path = reverse(name, kwargs=kwargs)
    query = audit.query(world)
    if audit.submit_from:
        page.goto(base + reverse(audit.submit_from, kwargs=kwargs))
        with page.expect_navigation() as navigation:
            page.locator(f'form[action="{path}"] button[type=submit]').first.click()
        response = navigation.value
    else:
        response = page.goto(base + path + (f"?{query}" if query else ""))
    if response is None or response.status != 200:
        return f"HTTP {response.status if response else '?'} at {page.url}"
    # A page that redirects elsewhere (nothing to show for this world) audits nothing.
    if not audit.submit_from and urlsplit(page.url).path != path:
        return f"redirected from {path} to {page.url}"
    return None


def audit_page(page) -> list[str]:
    problems = []
    result = page.evaluate(AXE_RUN)
    problems += [f"axe {v['impact']} {v['id']}: {json.dumps(v['nodes'], ensure_ascii=False)}"
                 for v in result]
    problems += judge(page.evaluate(MEASURE))
    page.set_viewport_size({"width": 360, "height": 800})
    if (over := page.evaluate(OVERFLOW)) > 1:
        problems.append(f"scrolls sideways by {over}px at 360px")
    page.evaluate(ENLARGE)
    if (over := page.evaluate(OVERFLOW)) > 1:
        problems.append(f"scrolls sideways by {over}px at 360px with 140% text")
    page.set_viewport_size(PHONE["viewport"])
    return problems


def test_every_page_route_is_in_the_audit_table():
    assert unaudited_routes() == []


@pytest.mark.parametrize("role", ROLES)
def test_page_audit(role, browser, live_server, login, screenshot, community, street):
    world = build_world(community, street)
    context = _context(browser, PHONE)
    context.add_init_script(path=str(AXE))
    if role != "anonymous":
        login(context, world.users[role])
    page = context.new_page()
    failures = {}
    audited = audits_for(role)
    assert audited, f"no page is audited for {role}"
    try:
        for name, audit in audited:
            error = open_page(page, live_server.url, name, audit, world)
            problems = [error] if error else audit_page(page)
            if not error:
                page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
                screenshot(page, name)
            if problems:
                failures[f"{name} {page.url}"] = problems
    finally:
        context.close()
    assert context.aborted == []
    assert csp_problems(context) == [], "Content-Security-Policy violations"
    assert not failures, f"page audit for {role}:\n" + "\n".join(
        f"- {where}\n    " + "\n    ".join(items) for where, items in failures.items())
