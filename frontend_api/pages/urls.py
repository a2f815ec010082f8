"""Routes of the phone pages, with the names and paths API.md pins (`backend.core.links`
reverses them for every link Linli sends)."""

from django.urls import path

from . import checkin, courses, home, instructors, learners

urlpatterns = [
    path("", home.home, name="page-home"),
    path("login/", home.login_page, name="page-login"),
    path("logout/", home.logout_page, name="page-logout"),
    path("text-size/", home.text_size, name="page-text-size"),
    path("courses/", courses.course_list, name="page-courses"),
    path("courses/runs/<str:id>/", courses.course_run, name="page-course-run"),
    path("courses/runs/<str:id>/cancel/", courses.course_run_cancel,
         name="page-course-run-cancel"),
    path("learn/<str:id>/", learners.learn, name="page-learn"),
    path("learn/<str:id>/lessons/<str:lesson_id>/", learners.lesson, name="page-lesson"),
    path("learn/<str:id>/quiz/", learners.quiz, name="page-quiz"),
    path("me/certificates/", learners.certificates, name="page-certificates"),
    # Check-in by QR (the learner's landing page, the projector page and its live JSON).
    path("checkin/<str:id>", checkin.checkin, name="page-checkin"),
    path("checkin/<str:id>/display/", checkin.display, name="page-checkin-display"),
    path("checkin/<str:id>/display/live/", checkin.display_live, name="page-checkin-live"),
    # The instructor's pages.
    path("teach/", instructors.teach, name="page-teach"),
    path("teach/runs/<str:id>/", instructors.teach_run, name="page-teach-run"),
    path("teach/sessions/<str:id>/", instructors.teach_session, name="page-teach-session"),
]
