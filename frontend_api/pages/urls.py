"""Routes of the phone pages, with the names and paths API.md pins (`backend.core.links`
reverses them for every link Linli sends)."""

from django.urls import path

from . import courses, home, learners

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
]
