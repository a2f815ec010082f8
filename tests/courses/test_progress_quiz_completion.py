from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core.models import AuditLog
from courses import completion, services, tasks
from courses.models import (
    Attendance,
    AttendanceMethod,
    Enrollment,
    EnrollmentStatus,
    LessonOpening,
    LessonProgress,
    QuestionKind,
    QuizAttempt,
)
from frontend_api.schema import schema
from tests.factories.courses import (
    ChoiceFactory,
    ClassSessionFactory,
    LessonFactory,
    QuestionFactory,
    QuizFactory,
)
from tests.helpers.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

LESSON = """
mutation L($id: ID!) {
  lessonComplete(lessonId: $id) {
    enrollment { id status progressPercent attendanceRate }
    errors { field code }
  }
}"""
QUIZ = """
mutation Q($id: ID!, $answers: [QuizAnswerInput!]!) {
  quizSubmit(quizId: $id, answers: $answers) {
    attempt { number score passed }
    enrollment { id status }
    errors { field code }
  }
}"""


@pytest.fixture
def lessons(course):
    return [LessonFactory(course=course, order=1), LessonFactory(course=course, order=2),
            LessonFactory(course=course, order=3, required=False)]


@pytest.fixture
def quiz(course):
    """Two questions: a single choice (right: a) and a multiple choice (right: x and z)."""
    quiz = QuizFactory(course=course, pass_mark=100, max_attempts=2)
    single = QuestionFactory(quiz=quiz, kind=QuestionKind.SINGLE, order=1)
    multi = QuestionFactory(quiz=quiz, kind=QuestionKind.MULTIPLE, order=2)
    quiz.c = {
        "single": single, "multi": multi,
        "a": ChoiceFactory(question=single, is_correct=True),
        "b": ChoiceFactory(question=single),
        "x": ChoiceFactory(question=multi, is_correct=True),
        "y": ChoiceFactory(question=multi),
        "z": ChoiceFactory(question=multi, is_correct=True),
    }
    return quiz


@pytest.fixture
def sessions(run):
    """Four sessions of the last days, all over: completion waits for the last one's end."""
    now = timezone.now()
    return [ClassSessionFactory(run=run, starts_at=now - timedelta(days=4 - i, hours=3))
            for i in range(4)]


def gid(kind, obj):
    return to_global_id(kind, obj.pk)


def answers(quiz, single, multi):
    return [{"questionId": gid("Question", quiz.c["single"]),
             "choiceIds": [gid("Choice", quiz.c[k]) for k in single]},
            {"questionId": gid("Question", quiz.c["multi"]),
             "choiceIds": [gid("Choice", quiz.c[k]) for k in multi]}]


def submit(gql, user, quiz, single, multi):
    result = gql(QUIZ, {"id": gid("Quiz", quiz), "answers": answers(quiz, single, multi)},
                 user=user)
    assert result.errors is None, result.errors
    return result.data["quizSubmit"]


def codes(payload):
    return [e["code"] for e in payload["errors"]]


def attend(enrollment, sessions):
    for session in sessions:
        Attendance.objects.create(enrollment=enrollment, session=session, present=True,
                                  method=AttendanceMethod.INSTRUCTOR, marked_at=session.starts_at)


def opened_earlier(user, lessons, seconds=60):
    """The lessons' bodies were served to `user` `seconds` ago (LESSON_NOT_OPENED)."""
    LessonOpening.objects.bulk_create([
        LessonOpening(user=user, lesson=lesson,
                      opened_at=timezone.now() - timedelta(seconds=seconds))
        for lesson in lessons])


def test_lesson_complete_counts_progress(gql, run, lessons, resident, enroll):
    enroll(resident, run)
    opened_earlier(resident, lessons)
    payload = gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=resident).data["lessonComplete"]
    assert payload["errors"] == []
    assert payload["enrollment"]["progressPercent"] == 33
    # twice changes nothing
    gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=resident)
    assert LessonProgress.objects.count() == 1


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "NOT_ENROLLED"),
    ("coordinator", "NOT_ENROLLED"), ("waitlisted", "NOT_ENROLLED"), ("learner", "ok"),
])
def test_lesson_complete_access_matrix(gql, run, lessons, role_users, enroll, user_factory,
                                       who, outcome):
    users = {**role_users, "learner": user_factory(), "waitlisted": user_factory()}
    enroll(users["learner"], run)
    enroll(users["waitlisted"], run, EnrollmentStatus.WAITLISTED)
    for user in users.values():
        if user is not None:
            opened_earlier(user, lessons)
    result = gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=users[who])
    if outcome == "UNAUTHENTICATED":
        assert result.error_codes == [outcome] and result.data == {"lessonComplete": None}
    elif outcome == "ok":
        assert result.data["lessonComplete"]["errors"] == []
    else:
        assert codes(result.data["lessonComplete"]) == [outcome]
    assert LessonProgress.objects.count() == (1 if outcome == "ok" else 0)


def test_the_quiz_is_graded_on_the_server(gql, run, quiz, resident, enroll):
    enroll(resident, run)
    wrong = submit(gql, resident, quiz, ["a"], ["x"])  # multi needs x and z
    assert wrong["attempt"] == {"number": 1, "score": 50, "passed": False}
    right = submit(gql, resident, quiz, ["a"], ["z", "x"])
    assert right["attempt"] == {"number": 2, "score": 100, "passed": True}
    # then no attempts are left
    assert codes(submit(gql, resident, quiz, ["a"], ["x", "z"])) == ["NO_ATTEMPTS_LEFT"]
    assert QuizAttempt.objects.count() == 2


def test_bad_answers_are_invalid(gql, run, quiz, resident, enroll):
    enroll(resident, run)
    assert codes(submit(gql, resident, quiz, ["a", "b"], ["x"])) == ["INVALID"]  # 2 on single
    assert codes(submit(gql, resident, quiz, ["x"], ["x"])) == ["INVALID"]  # foreign choice
    assert not QuizAttempt.objects.exists()


def test_correct_answers_never_leave_the_server(gql, run, quiz, resident):
    sdl = str(schema)
    choice_type = sdl[sdl.index("type Choice implements"):]
    choice_type = choice_type[:choice_type.index("}")]
    assert "correct" not in choice_type.lower()
    result = gql("""query C($id: ID!) { course(id: $id) { quiz { passMark maxAttempts
                     questions { id kind text choices { id text } } } } }""",
                 {"id": gid("Course", run.course)}, user=resident)
    assert result.errors is None
    questions = result.data["course"]["quiz"]["questions"]
    assert [q["kind"] for q in questions] == ["SINGLE", "MULTIPLE"]
    result = gql("{ courses { edges { node { quiz { questions { choices { isCorrect } } } } } } }",
                 user=resident)
    assert result.errors and "isCorrect" in result.errors[0]["message"]


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "NOT_ENROLLED"),
    ("district_admin", "NOT_ENROLLED"), ("learner", "ok"),
])
def test_quiz_submit_access_matrix(gql, run, quiz, role_users, enroll, user_factory, who,
                                   outcome):
    users = {**role_users, "learner": user_factory()}
    enroll(users["learner"], run)
    result = gql(QUIZ, {"id": gid("Quiz", quiz), "answers": answers(quiz, ["a"], ["x"])},
                 user=users[who])
    if outcome == "UNAUTHENTICATED":
        assert result.error_codes == [outcome] and result.data == {"quizSubmit": None}
    elif outcome == "ok":
        assert result.data["quizSubmit"]["errors"] == []
    else:
        assert codes(result.data["quizSubmit"]) == [outcome]
    assert QuizAttempt.objects.count() == (1 if outcome == "ok" else 0)


# --- Completion -----------------------------------------------------------------------------
@pytest.fixture
def ready(run, lessons, quiz, sessions, resident, enroll):
    """A learner who attended 2 of 4 sessions (the rule: 50%) and did the required lessons;
    only the quiz is missing."""
    enrollment = enroll(resident, run)
    attend(enrollment, sessions[:2])
    for lesson in lessons[:2]:
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson,
                                      completed_at=sessions[0].starts_at)
    return enrollment


def task_enqueues(callbacks):
    """The completion task's enqueue; the certificate it issues queues a notification of
    its own, which is not what these tests count."""
    def enqueued_task(callback):
        # enqueue_on_commit's callback wraps the sending function: look through the closures
        for cell in callback.__closure__ or ():
            content = cell.cell_contents
            if hasattr(content, "delay"):
                return getattr(content, "name", None)
            if callable(content) and getattr(content, "__closure__", None):
                found = enqueued_task(content)
                if found:
                    return found
        return None

    return [c for c in callbacks if enqueued_task(c) == "courses.enrollment_completed"]


def completed_entries(enrollment):
    return AuditLog.objects.filter(action="enrollment.completed", object_id=str(enrollment.pk))


def test_passing_the_quiz_completes_once_and_calls_the_hook_once(
        gql, ready, quiz, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payload = submit(gql, resident, quiz, ["a"], ["x", "z"])
    assert payload["enrollment"]["status"] == "COMPLETED"
    assert len(task_enqueues(callbacks)) == 1
    ready.refresh_from_db()
    assert ready.status == EnrollmentStatus.COMPLETED and ready.completed_at
    assert completed_entries(ready).count() == 1
    # when more actions that would tip it happen again, nothing more happens
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.enrollment_check_completion(enrollment_id=ready.pk) is False
        gql(LESSON, {"id": gid("Lesson", ready.run.course.lessons.last())}, user=resident)
    assert task_enqueues(callbacks) == []
    # and the hook run twice (a task retried) records once
    tasks.enrollment_completed(ready.pk)
    completion.on_enrollment_completed(ready)
    assert completed_entries(ready).count() == 1


def test_the_attendance_mark_that_tips_the_rule_completes(
        gql, run, lessons, sessions, resident, enroll, instructor,
        django_capture_on_commit_callbacks):
    run.require_quiz = False
    run.save()
    enrollment = enroll(resident, run)
    opened_earlier(resident, lessons)
    for lesson in lessons[:2]:
        gql(LESSON, {"id": gid("Lesson", lesson)}, user=resident)
    mark = """mutation M($id: ID!, $u: ID!) { attendanceMark(sessionId: $id, userId: $u,
              present: true) { errors { code } } }"""
    user_id = gid("User", resident)
    gql(mark, {"id": gid("ClassSession", sessions[0]), "u": user_id}, user=instructor)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED  # 1 of 4 < 50%
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        gql(mark, {"id": gid("ClassSession", sessions[1]), "u": user_id}, user=instructor)
    assert len(task_enqueues(callbacks)) == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert completed_entries(enrollment).count() == 1


def test_missing_the_attendance_threshold_does_not_complete(gql, ready, quiz, resident):
    Attendance.objects.filter(enrollment=ready).first().delete()  # now 1 of 4 sessions
    payload = submit(gql, resident, quiz, ["a"], ["x", "z"])
    assert payload["attempt"]["passed"] is True
    assert payload["enrollment"]["status"] == "ENROLLED"
    assert not completed_entries(ready).exists()


def test_missing_a_required_lesson_does_not_complete(gql, ready, quiz, resident):
    LessonProgress.objects.filter(enrollment=ready).first().delete()
    assert submit(gql, resident, quiz, ["a"], ["x", "z"])["enrollment"]["status"] == "ENROLLED"


def test_completion_is_decided_once_even_when_two_checks_race(ready, quiz):
    QuizAttempt.objects.create(enrollment=ready, quiz=quiz, number=1, score=100, passed=True)
    # both checks see ENROLLED and a met rule; only one conditional UPDATE wins
    with mock.patch.object(services.progress, "enqueue_on_commit") as enqueue:
        results = [services.enrollment_check_completion(enrollment_id=ready.pk)
                   for _ in range(2)]
        with transaction.atomic():
            Enrollment.objects.filter(pk=ready.pk).update(status=EnrollmentStatus.ENROLLED)
            stale = Enrollment.objects.get(pk=ready.pk)
            Enrollment.objects.filter(pk=ready.pk).update(status=EnrollmentStatus.COMPLETED)
            # a check that read ENROLLED before the other committed still cannot complete
            assert Enrollment.objects.filter(pk=stale.pk, status="ENROLLED").update(
                status="COMPLETED") == 0
    assert results == [True, False]
    assert enqueue.call_count == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_ten_simultaneous_completion_checks_complete_once(run, lessons, quiz, sessions,
                                                          resident, enroll):
    enrollment = enroll(resident, run)
    attend(enrollment, sessions)
    for lesson in lessons[:2]:
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson,
                                      completed_at=sessions[0].starts_at)
    QuizAttempt.objects.create(enrollment=enrollment, quiz=quiz, number=1, score=100,
                               passed=True)
    results = run_concurrently(
        lambda i: services.enrollment_check_completion(enrollment_id=enrollment.pk), 10)
    assert sorted(results, key=str) == [False] * 9 + [True]
    assert completed_entries(enrollment).count() == 1


# --- LESSON_NOT_OPENED: a lesson counts as done once it was served and read -----------------
def test_a_lesson_never_opened_cannot_be_completed(gql, run, lessons, resident, enroll):
    enroll(resident, run)
    payload = gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=resident).data["lessonComplete"]
    assert payload["errors"] == [{"field": "lessonId", "code": "LESSON_NOT_OPENED"}]
    assert payload["enrollment"] is None
    assert not LessonProgress.objects.exists()


def test_a_lesson_opened_just_now_is_not_read_yet(gql, run, lessons, resident, enroll):
    enroll(resident, run)
    opened_earlier(resident, lessons[:1], seconds=5)
    payload = gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=resident).data["lessonComplete"]
    assert codes(payload) == ["LESSON_NOT_OPENED"]
    assert not LessonProgress.objects.exists()


def test_the_body_served_through_graphql_opens_the_lesson(gql, run, lessons, resident, enroll):
    enroll(resident, run)
    query = "query C($id: ID!) { course(id: $id) { lessons { id body } } }"
    result = gql(query, {"id": gid("Course", run.course)}, user=resident)
    assert result.errors is None
    opened = LessonOpening.objects.filter(user=resident)
    assert {o.lesson_id for o in opened} == {lesson.pk for lesson in lessons}
    first = opened.get(lesson=lessons[0]).opened_at
    # serving it again keeps the first time
    gql(query, {"id": gid("Course", run.course)}, user=resident)
    assert opened.get(lesson=lessons[0]).opened_at == first
    # too early, then 20 s later it completes
    payload = gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=resident).data["lessonComplete"]
    assert codes(payload) == ["LESSON_NOT_OPENED"]
    opened.update(opened_at=first - timedelta(seconds=21))
    payload = gql(LESSON, {"id": gid("Lesson", lessons[0])}, user=resident).data["lessonComplete"]
    assert payload["errors"] == [] and payload["enrollment"]["progressPercent"] == 33


def test_titles_alone_do_not_open_a_lesson(gql, run, lessons, resident):
    gql("query C($id: ID!) { course(id: $id) { lessons { id title } } }",
        {"id": gid("Course", run.course)}, user=resident)
    assert not LessonOpening.objects.exists()
