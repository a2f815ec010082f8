"""In a real browser: the projector's QR code, decoded from a screenshot, checks the learner
in on her phone and the projector's count goes up without a reload; and a learner reads
the lessons, passes the quiz, attends, and finds her certificate PDF after the last
session ended."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from backend.accounts.models import Role
from backend.certificates.models import Certificate
from backend.core.links import node_id
from courses import services, tasks
from courses.models import Attendance, ClassSession, Enrollment, EnrollmentStatus
from tests.factories.accounts import user_with_role
from tests.factories.courses import (
    ChoiceFactory,
    ClassSessionFactory,
    CourseFactory,
    CourseRunFactory,
    LessonFactory,
    QuestionFactory,
    QuizFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def classroom(community):
    """A run whose second (last) session is happening now; the first was yesterday."""
    now = timezone.now()
    course = CourseFactory(code="WX01", title="微信入门：视频通话")
    run = CourseRunFactory(course=course, capacity=10,
                           venue=VenueFactory(community=community, name="金口路社区活动中心"),
                           starts_at=now - timedelta(days=1), ends_at=now + timedelta(hours=2),
                           require_quiz=True, min_attendance_rate=0.5)
    first = ClassSessionFactory(run=run, starts_at=now - timedelta(days=1))
    current = ClassSessionFactory(run=run, starts_at=now - timedelta(minutes=10),
                                  ends_at=now + timedelta(hours=1))
    instructor = user_with_role(Role.INSTRUCTOR, community=community, display_name="赵老师")
    run.instructors.add(instructor)
    learner = user_with_role(Role.RESIDENT, community=community, display_name="王秀英")
    enrollment = Enrollment.objects.create(user=learner, run=run,
                                           status=EnrollmentStatus.ENROLLED)
    type(run).objects.filter(pk=run.pk).update(enrolled_count=1)
    return {"run": run, "course": course, "first": first, "current": current,
            "instructor": instructor, "learner": learner, "enrollment": enrollment}


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the screenshot"
    return results[0].text


def test_the_projector_qr_checks_her_in_and_the_count_rises_live(
        browser, desktop, phone, live_server, login, screenshot, classroom):
    session = classroom["current"]
    login(desktop, classroom["instructor"])
    projector = desktop.new_page()
    projector.goto(live_server.url + reverse(
        "page-checkin-display", kwargs={"id": node_id("ClassSession", session.pk)}))
    assert projector.get_by_test_id("count").inner_text() == "0"
    projector.evaluate("() => { window.notReloaded = true; }")
    screenshot(projector, "projector-before")

    # the learner's phone scans the code on the screen
    scanned = decode_qr(projector.get_by_test_id("qr").screenshot())
    parts = urlsplit(scanned)
    assert parts.path == f"/checkin/{node_id('ClassSession', session.pk)}"
    login(phone, classroom["learner"])
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}{parts.path}?{parts.query}")
    screenshot(mobile, "phone-scanned")
    mobile.get_by_test_id("main-action").click()
    mobile.get_by_test_id("checked-in").wait_for()
    screenshot(mobile, "phone-checked-in")
    assert Attendance.objects.filter(session=session, present=True).count() == 1

    # the projector's count rises by itself, without a reload
    projector.wait_for_function(
        "() => document.querySelector('[data-testid=count]').textContent === '1'",
        timeout=15000)
    assert projector.evaluate("() => window.notReloaded") is True
    assert projector.get_by_test_id("names").inner_text().strip() == "王*英"
    screenshot(projector, "projector-after")
    assert desktop.aborted == [] and phone.aborted == []


def test_a_learner_studies_attends_and_finds_her_certificate(
        browser, phone, live_server, login, screenshot, classroom, settings):
    settings.COURSES_LESSON_READ_SECONDS = 0
    course, learner, enrollment = classroom["course"], classroom["learner"], classroom["enrollment"]
    lessons = [LessonFactory(course=course, order=1, title="打开微信", body="点绿色的图标。"),
               LessonFactory(course=course, order=2, title="视频通话", body="点右上角的加号。")]
    quiz = QuizFactory(course=course, pass_mark=100, max_attempts=2)
    question = QuestionFactory(quiz=quiz, order=1, text="视频通话在哪里？")
    ChoiceFactory(question=question, text="通讯录")
    ChoiceFactory(question=question, text="右上角的加号", is_correct=True)
    login(phone, learner)
    page = phone.new_page()
    learn_url = live_server.url + reverse("page-learn",
                                          kwargs={"id": node_id("Enrollment", enrollment.pk)})

    # she reads both lessons ("我读完了" takes her to the next one, then back)
    page.goto(learn_url)
    page.get_by_role("link", name=lessons[0].title).click()
    for _lesson in lessons:
        page.get_by_test_id("main-action").click()
    page.wait_for_url(learn_url)
    # passes the quiz
    page.goto(learn_url.rstrip("/") + "/quiz/")
    page.get_by_label("右上角的加号").check()
    page.get_by_test_id("main-action").click()
    page.get_by_text("通过").first.wait_for()
    screenshot(page, "quiz-passed")
    # attends today's session by scanning its code (she missed yesterday's: 1 of 2 is enough)
    token = services.session_checkin_code(actor=classroom["instructor"],
                                          session=classroom["current"]).token
    page.goto(live_server.url + reverse("page-checkin", kwargs={
        "id": node_id("ClassSession", classroom["current"].pk)}) + f"?t={token}")
    page.get_by_test_id("main-action").click()
    page.get_by_test_id("checked-in").wait_for()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED  # the last session is not over

    # the last session ends; the beat task completes her and issues the certificate
    ended = timezone.now() - timedelta(minutes=5)
    ClassSession.objects.filter(pk=classroom["current"].pk).update(
        starts_at=ended - timedelta(hours=1), ends_at=ended)
    assert tasks.complete_finished_runs() == 1
    certificate = Certificate.objects.get(holder=learner)
    assert certificate.issued_at == ended

    page.goto(live_server.url + reverse("page-certificates"))
    screenshot(page, "certificates")
    pdf_link = page.get_by_role("link", name="打开证书（PDF）")
    response = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    page.goto(learn_url)
    page.get_by_test_id("completed").wait_for()
    screenshot(page, "learn-completed")
    assert phone.aborted == []

