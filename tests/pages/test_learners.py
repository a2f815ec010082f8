"""A learner's pages: progress and what is missing, the lesson reader and LESSON_NOT_OPENED,
the quiz graded on the server, my certificates."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from courses import rules, services
from courses.models import (
    Attendance,
    AttendanceMethod,
    EnrollmentStatus,
    LessonOpening,
    LessonProgress,
    QuestionKind,
    QuizAttempt,
)
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import ChoiceFactory, LessonFactory, QuestionFactory, QuizFactory
from tests.helpers.queries import query_count

from .conftest import opened_earlier

pytestmark = pytest.mark.django_db


def learn_url(enrollment, suffix=""):
    return f"/learn/{to_global_id('Enrollment', enrollment.pk)}/{suffix}"


def lesson_url(enrollment, lesson):
    return learn_url(enrollment, f"lessons/{to_global_id('Lesson', lesson.pk)}/")


@pytest.fixture
def quiz(course):
    quiz = QuizFactory(course=course, pass_mark=100, max_attempts=2)
    single = QuestionFactory(quiz=quiz, kind=QuestionKind.SINGLE, order=1,
                             text="微信图标什么颜色？")
    multi = QuestionFactory(quiz=quiz, kind=QuestionKind.MULTIPLE, order=2, text="哪些能打视频？")
    quiz.c = {"single": single, "multi": multi,
              "a": ChoiceFactory(question=single, is_correct=True),
              "b": ChoiceFactory(question=single),
              "x": ChoiceFactory(question=multi, is_correct=True),
              "y": ChoiceFactory(question=multi)}
    return quiz


@pytest.mark.parametrize(("rate", "total", "required"), [
    ("0.67", 3, 2), ("0.8", 4, 4), ("0.5", 4, 2), ("1", 3, 3), ("0", 5, 0), ("0.8", 5, 4),
    ("0.333", 3, 1), ("0.8", 0, 0),
])
def test_sessions_required_is_ceil_with_a_small_tolerance(rate, total, required):
    assert rules.sessions_required(rate, total) == required


def test_completion_uses_the_same_count(run, sessions, resident, enroll):
    type(run).objects.filter(pk=run.pk).update(min_attendance_rate=Decimal("0.67"),
                                               require_quiz=False)
    enrollment = enroll(resident, run)
    for session in sessions[:2]:
        Attendance.objects.create(enrollment=enrollment, session=session, present=True,
                                  method=AttendanceMethod.INSTRUCTOR, marked_at=session.starts_at)
    assert services.enrollment_check_completion(enrollment_id=enrollment.pk) is False  # not over
    with time_machine.travel(sessions[-1].ends_at + timedelta(minutes=1)):
        assert services.enrollment_check_completion(enrollment_id=enrollment.pk) is True


def test_the_learning_page_says_what_is_missing(client_for, resident, run, sessions, lessons,
                                                quiz, enroll):
    enrollment = enroll(resident, run)
    Attendance.objects.create(enrollment=enrollment, session=sessions[0], present=True,
                              method=AttendanceMethod.QR, marked_at=sessions[0].starts_at)
    html = client_for(resident).get(learn_url(enrollment)).content.decode()
    assert "已签到 1 次，共 3 次" in html
    assert "结业需要签到 2 次" in html and "还要签到 1 次" in html  # 0.5 of 3 -> 2
    assert "还有 2 课没学完" in html and "还要通过测验" in html
    assert lesson_url(enrollment, lessons[0]) in html


@pytest.mark.parametrize("who", ["other_resident", "coordinator", "community_staff"])
def test_another_person_gets_a_404_and_nothing_leaks(client_for, resident, run, lessons, enroll,
                                                     role_users, user_factory, who):
    enrollment = enroll(resident, run)
    other = user_factory() if who == "other_resident" else role_users[who]
    client = client_for(other)
    for url in (learn_url(enrollment), lesson_url(enrollment, lessons[0]),
                learn_url(enrollment, "quiz/")):
        response = client.get(url)
        assert response.status_code == 404
        assert run.course.title not in response.content.decode()
    assert not LessonOpening.objects.exists()


def test_anonymous_learner_links_go_through_login(run, lessons, resident, enroll):
    enrollment = enroll(resident, run)
    response = Client().get(lesson_url(enrollment, lessons[0]))
    assert response.status_code == 302 and "next=/learn/" in response["Location"]


def test_a_waitlisted_learner_sees_her_place_but_no_lessons(client_for, resident, run, lessons,
                                                            enroll):
    enrollment = enroll(resident, run, EnrollmentStatus.WAITLISTED)
    client = client_for(resident)
    assert "候补第1位" in client.get(learn_url(enrollment)).content.decode()
    response = client.get(lesson_url(enrollment, lessons[0]))
    assert response.status_code == 403 and "不对您开放" in response.content.decode()


def test_the_reader_opens_the_lesson_then_reading_completes_it(client_for, resident, run,
                                                              lessons, enroll):
    enrollment = enroll(resident, run)
    client = client_for(resident)
    html = client.get(lesson_url(enrollment, lessons[0])).content.decode()
    assert "<strong>绿色</strong>" in html and "我读完了" in html
    assert LessonOpening.objects.filter(user=resident, lesson=lessons[0]).exists()
    # tapping at once: not read yet, said beside the button, nothing recorded
    response = client.post(lesson_url(enrollment, lessons[0]))
    assert response.status_code == 400
    assert "过一会儿再点" in response.content.decode()
    assert not LessonProgress.objects.exists()
    # 20 s later it counts, and the reader moves on to the next lesson
    opened_earlier(resident, lessons[0], seconds=21)
    response = client.post(lesson_url(enrollment, lessons[0]))
    assert response.status_code == 302
    assert response["Location"] == lesson_url(enrollment, lessons[1])
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=lessons[0]).exists()


def test_a_lesson_never_served_cannot_be_completed_from_the_page(client_for, resident, run,
                                                                lessons, enroll):
    enrollment = enroll(resident, run)
    response = client_for(resident).post(lesson_url(enrollment, lessons[1]))
    assert response.status_code == 400 and "请先打开这一课" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_lesson_text_is_sanitised(client_for, resident, run, course, enroll):
    evil = LessonFactory(course=course, order=9, body=(
        "hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"))
    enrollment = enroll(resident, run)
    html = client_for(resident).get(lesson_url(enrollment, evil)).content.decode()
    body = html.split('data-testid="lesson-body">')[1].split("</article>")[0]
    assert "<script" not in body and "javascript:" not in body.replace("(javascript:", "")
    assert "<img" not in body and 'href="javascript' not in body


def test_a_lesson_of_another_course_is_a_404(client_for, resident, run, enroll):
    enrollment = enroll(resident, run)
    stranger = LessonFactory()
    assert client_for(resident).get(lesson_url(enrollment, stranger)).status_code == 404


def test_the_quiz_is_graded_on_the_server_and_names_what_to_review(client_for, resident, run,
                                                                   quiz, enroll):
    enrollment = enroll(resident, run)
    client = client_for(resident)
    html = client.get(learn_url(enrollment, "quiz/")).content.decode()
    assert "is_correct" not in html and "提交答案" in html
    c = quiz.c
    response = client.post(learn_url(enrollment, "quiz/"), {
        f"q{c['single'].pk}": [c["a"].pk], f"q{c['multi'].pk}": [c["x"].pk, c["y"].pk]})
    assert response.status_code == 302 and response["Location"].endswith("?result=1")
    html = client.get(response["Location"]).content.decode()
    assert "得分 50 分" in html and "还可以再做 1 次" in html
    review = html.split('data-testid="review">')[1].split("</ol>")[0]
    assert c["multi"].text in review and c["single"].text not in review
    assert QuizAttempt.objects.get().score == 50


def test_an_unanswered_question_is_marked_and_the_choices_kept(client_for, resident, run, quiz,
                                                               enroll):
    enrollment = enroll(resident, run)
    c = quiz.c
    response = client_for(resident).post(learn_url(enrollment, "quiz/"),
                                         {f"q{c['single'].pk}": [c["a"].pk]})
    html = response.content.decode()
    assert response.status_code == 400 and "这道题还没有选" in html
    assert f'value="{c["a"].pk}" checked' in html
    assert not QuizAttempt.objects.exists()


def test_no_attempts_left_is_said_plainly(client_for, resident, run, quiz, enroll):
    enrollment = enroll(resident, run)
    for number in (1, 2):
        QuizAttempt.objects.create(enrollment=enrollment, quiz=quiz, number=number, score=0,
                                   passed=False)
    html = client_for(resident).get(learn_url(enrollment, "quiz/")).content.decode()
    assert "作答次数已经用完了" in html and 'data-testid="main-action"' not in html


def test_my_certificates_with_pdf_and_verification_links(client_for, resident, user_factory):
    mine = CertificateFactory(holder=resident)
    revoked = CertificateFactory(holder=resident, snapshot={"title": "撤销的证书"})
    type(revoked).objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    theirs = CertificateFactory(holder=user_factory(), snapshot={"title": "别人的证书"})
    html = client_for(resident).get("/me/certificates/").content.decode()
    assert f"/api/certificates/{mine.code}.pdf" in html and f"/verify/{mine.code}" in html
    assert theirs.code not in html and "别人的证书" not in html
    assert "已撤销" in html


def test_the_certificate_list_costs_the_same_at_1_and_20(client_for, resident):
    client = client_for(resident)
    CertificateFactory(holder=resident)
    client.get("/me/certificates/")
    one = query_count(lambda: client.get("/me/certificates/"))
    for _ in range(19):
        CertificateFactory(holder=resident)
    assert query_count(lambda: client.get("/me/certificates/")) == one
