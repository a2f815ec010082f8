"""A learner's pages: one enrolment's progress and what is missing for the certificate,
the lesson reader ("我读完了"), the quiz, and my certificates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.certificates import selectors as certificate_selectors
from backend.certificates.models import CertificateStatus
from backend.core.links import node_id
from courses import learner_selectors, lessons, permissions, services
from courses.models import EnrollmentStatus, QuestionKind
from courses.services import AnswerInput

from .common import (
    error_codes,
    field_errors,
    page_ids,
    page_login_required,
    page_view,
    render_page,
)
from .markdown import render_markdown


def _my_enrollment(request, pk: int):
    """The enrolment, for its learner only: to anyone else it does not exist."""
    enrollment = learner_selectors.enrollment_for_page(pk)
    if enrollment is None or not permissions.can_view_learning(request.user, enrollment):
        raise Http404
    return enrollment


def _studying(request, pk: int):
    enrollment = _my_enrollment(request, pk)
    if not permissions.can_study(request.user, enrollment):
        raise PermissionDenied
    return enrollment


def _learn_url(enrollment) -> str:
    return reverse("page-learn", kwargs={"id": node_id("Enrollment", enrollment.pk)})


@never_cache
@page_view
@page_login_required
@page_ids(id="Enrollment")
def learn(request, id):
    enrollment = _my_enrollment(request, id)
    run = enrollment.run
    course_lessons = learner_selectors.course_lessons(run.course_id)
    done = learner_selectors.done_lesson_ids(enrollment)
    attended = learner_selectors.attended_session_ids(enrollment)
    quiz = learner_selectors.quiz_for_course(run.course_id)
    attempts = learner_selectors.quiz_attempts(enrollment=enrollment, quiz=quiz) if quiz else []
    passed = any(a.passed for a in attempts)
    attendance = learner_selectors.enrollment_attendance_summary(enrollment)
    missing_lessons = [lesson for lesson in course_lessons
                       if lesson.required and lesson.pk not in done]
    sessions_missing = max(attendance["sessions_required"] - attendance["sessions_attended"], 0)
    return render_page(request, "pages/learn.html", {
        "enrollment": enrollment,
        "run": run,
        "studying": permissions.can_study(request.user, enrollment),
        "completed": enrollment.status == EnrollmentStatus.COMPLETED,
        "waitlist_place": (enrollment.waitlist_ahead + 1
                           if enrollment.status == EnrollmentStatus.WAITLISTED else None),
        "lessons": [{"lesson": lesson, "done": lesson.pk in done} for lesson in course_lessons],
        "sessions": [{"session": s, "attended": s.pk in attended} for s in run.sessions.all()],
        "attendance": attendance,
        "sessions_missing": sessions_missing,
        "missing_lessons": missing_lessons,
        "quiz": quiz,
        "quiz_needed": bool(quiz and run.require_quiz and not passed),
        "attempts_left": (quiz.max_attempts - len(attempts)) if quiz else 0,
        # completion waits for the last session's end
        "finished_at": services.run_finished_at(run),
        "now": timezone.now(),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="Enrollment", lesson_id="Lesson")
def lesson(request, id, lesson_id):
    enrollment = _studying(request, id)
    current = learner_selectors.lesson_in_course(course_id=enrollment.run.course_id,
                                                 pk=lesson_id)
    if current is None:
        raise Http404
    errors = {}
    if request.method == "POST":
        try:
            services.lesson_complete(user=request.user, lesson=current)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, f"「{current.title}」学完了。")
            following = _neighbours(enrollment, current)[1]
            if following is not None:
                return redirect("page-lesson", id=node_id("Enrollment", enrollment.pk),
                                lesson_id=node_id("Lesson", following.pk))
            return redirect(_learn_url(enrollment))
    else:
        # Serving the body is what opens the lesson (lessonComplete's LESSON_NOT_OPENED).
        lessons.lessons_opened(user=request.user, lesson_ids=[current.pk])
    previous, following = _neighbours(enrollment, current)
    return render_page(request, "pages/lesson.html", {
        "enrollment": enrollment,
        "lesson": current,
        "body": render_markdown(current.body),
        "done": current.pk in learner_selectors.done_lesson_ids(enrollment),
        "previous": previous,
        "following": following,
        "errors": errors,
        "read_seconds": lessons.lesson_read_seconds(),
    }, status=400 if errors else 200)


def _neighbours(enrollment, current):
    ordered = learner_selectors.course_lessons(enrollment.run.course_id)
    index = next(i for i, item in enumerate(ordered) if item.pk == current.pk)
    return (ordered[index - 1] if index > 0 else None,
            ordered[index + 1] if index + 1 < len(ordered) else None)


def _quiz_form(quiz, data) -> tuple[list[AnswerInput], dict[int, set[int]], dict[str, list[str]]]:
    """Answers from the form, what was chosen (to show again), and "not answered" errors."""
    answers, chosen, errors = [], {}, {}
    for question in quiz.questions.all():
        valid = {c.pk for c in question.choices.all()}
        picked = {int(v) for v in data.getlist(f"q{question.pk}") if v.isdigit()} & valid
        chosen[question.pk] = picked
        if not picked:
            errors[f"q{question.pk}"] = ["这道题还没有选，请选一个答案。"]
        answers.append(AnswerInput(question_id=question.pk, choice_ids=sorted(picked)))
    return answers, chosen, errors


@never_cache
@require_http_methods(["GET", "POST"])
@page_view
@page_login_required
@page_ids(id="Enrollment")
def quiz(request, id):
    enrollment = _studying(request, id)
    the_quiz = learner_selectors.quiz_for_course(enrollment.run.course_id)
    if the_quiz is None:
        raise Http404
    chosen, errors = {}, {}
    if request.method == "POST":
        answers, chosen, errors = _quiz_form(the_quiz, request.POST)
        if not errors:
            try:
                attempt, _enrollment = services.quiz_submit(user=request.user, quiz=the_quiz,
                                                            answers=answers)
            except ValidationError as exc:
                errors = field_errors(exc)
                if "NO_ATTEMPTS_LEFT" in error_codes(exc):
                    errors = {"": ["作答次数已经用完了。如需再考，请联系讲师。"]}
            else:
                url = reverse("page-quiz", kwargs={"id": node_id("Enrollment", enrollment.pk)})
                return redirect(f"{url}?result={attempt.number}")
    attempts = learner_selectors.quiz_attempts(enrollment=enrollment, quiz=the_quiz)
    result = None
    wanted = request.GET.get("result", "")
    if request.method == "GET" and wanted.isdigit():
        result = next((a for a in attempts if a.number == int(wanted)), None)
    questions = [{
        "question": q,
        "multiple": q.kind == QuestionKind.MULTIPLE,
        "choices": [{"choice": c, "checked": c.pk in chosen.get(q.pk, set())}
                    for c in q.choices.all()],
        "errors": errors.get(f"q{q.pk}", []),
    } for q in the_quiz.questions.all()]
    return render_page(request, "pages/quiz.html", {
        "enrollment": enrollment,
        "quiz": the_quiz,
        "questions": questions,
        "errors": errors.get("", []) + errors.get("answers", []) + errors.get("quiz_id", []),
        "has_errors": bool(errors),
        "result": result,
        "review": (learner_selectors.questions_to_review(attempt=result, quiz=the_quiz)
                   if result else []),
        "attempts_left": max(the_quiz.max_attempts - len(attempts), 0),
        "passed": any(a.passed for a in attempts),
    }, status=400 if errors else 200)


@never_cache
@page_view
@page_login_required
def certificates(request):
    items = list(certificate_selectors.certificate_list_for_holder(request.user))
    return render_page(request, "pages/certificates.html", {
        "certificates": items, "valid": CertificateStatus.VALID})
