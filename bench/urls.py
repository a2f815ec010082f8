"""Linli's URLs plus the references the benchmark compares against, under /bench/. Served
only by the benchmark's gunicorn (DJANGO_SETTINGS_MODULE=bench.settings)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/static", views.static_json),
    path("bench/course-runs", views.course_runs_values),
    path("bench/courses", views.courses_values),
    path("bench/my-enrollments", views.my_enrollments_values),
    path("bench/tutoring-slots", views.tutoring_slots_values),
    path("bench/match", views.match_reference),
    path("bench/certificate/render", views.certificate_render),
    path("bench/certificate/empty", views.certificate_empty),
    path("bench/broadcast/plan", views.broadcast_plan),
    path("bench/broadcast/reference", views.broadcast_reference),
    path("bench/stats", views.stats_selector),
    path("", include("backend.urls")),
]
