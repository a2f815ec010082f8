"""Routes of the phone pages, with the names and paths API.md pins (`backend.core.links`
reverses them for every link Linli sends)."""

from django.urls import path

from . import (
    checkin,
    courses,
    help,
    help_request,
    home,
    instructors,
    learners,
    my_data,
    tutoring,
    tutoring_tutor,
    volunteers,
)

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
    path("me/data/", my_data.my_data, name="page-my-data"),
    path("me/data/download/", my_data.my_data_download, name="page-my-data-download"),
    path("me/consent/withdraw/", my_data.consent_withdraw, name="page-consent-withdraw"),
    # Tutoring: residents book, tutors publish.
    path("tutoring/", tutoring.slot_list, name="page-tutoring"),
    path("tutoring/slots/<str:id>/", tutoring.slot_detail, name="page-tutoring-slot"),
    path("tutoring/slots/<str:id>/book/", tutoring.slot_book, name="page-tutoring-slot-book"),
    path("me/bookings/", tutoring.bookings, name="page-bookings"),
    path("me/bookings/<str:id>/cancel/", tutoring.booking_cancel, name="page-booking-cancel"),
    path("me/bookings/<str:id>/rate/", tutoring.booking_rate, name="page-booking-rate"),
    path("volunteer/tutoring/", tutoring_tutor.my_slots, name="page-volunteer-tutoring"),
    path("volunteer/tutoring/new/", tutoring_tutor.slot_new, name="page-volunteer-tutoring-new"),
    path("volunteer/tutoring/from-availability/", tutoring_tutor.slots_from_availability,
         name="page-volunteer-tutoring-bulk"),
    path("volunteer/tutoring/slots/<str:id>/cancel/", tutoring_tutor.slot_cancel,
         name="page-volunteer-tutoring-slot-cancel"),
    path("volunteer/offers/", volunteers.offer_list, name="page-offers"),
    path("volunteer/offers/<str:id>/", volunteers.offer, name="page-offer"),
    path("volunteer/offers/<str:id>/decline/", volunteers.offer_decline,
         name="page-offer-decline"),
    path("volunteer/offers/<str:id>/phone/", volunteers.offer_phone, name="page-offer-phone"),
    path("volunteer/commitments/", volunteers.commitments, name="page-commitments"),
    path("volunteer/hours/", volunteers.hours, name="page-hours"),
    path("volunteer/availability/", volunteers.availability, name="page-availability"),
    path("volunteer/shifts/", volunteers.shifts, name="page-shifts"),
    path("volunteer/shifts/signups/<str:id>/cancel/", volunteers.shift_cancel,
         name="page-shift-cancel"),
    path("volunteer/credentials/", volunteers.credentials, name="page-credentials"),
    # Help requests (便民纸条): ask, confirm a WeChat draft, one request and its rating.
    path("help/", help.ask, name="page-help"),
    path("help/new/<str:token>", help.confirm_draft, name="page-help-new"),
    path("help/<str:id>/", help_request.help_request, name="page-help-request"),
    path("help/<str:id>/rate/", help_request.help_request_rate, name="page-help-rate"),
    # Check-in by QR (the learner's landing page, the projector page and its live JSON).
    path("checkin/<str:id>", checkin.checkin, name="page-checkin"),
    path("checkin/<str:id>/display/", checkin.display, name="page-checkin-display"),
    path("checkin/<str:id>/display/live/", checkin.display_live, name="page-checkin-live"),
    # The instructor's pages.
    path("teach/", instructors.teach, name="page-teach"),
    path("teach/runs/<str:id>/", instructors.teach_run, name="page-teach-run"),
    path("teach/sessions/<str:id>/", instructors.teach_session, name="page-teach-session"),
]
