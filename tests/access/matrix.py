# ruff: noqa: E501 — the table reads best one field a line
"""The declared access table: for every root query field and mutation of
frontend_api/schema.graphql, what each role gets (tests/access/test_matrix.py checks it).

HOW TO ADD A RULE (one line): add `"fieldName": "<9 outcomes>"` to MATRIX, outcomes
separated by spaces, in the order of ROLES (tests/access/world.py):

    anonymous resident volunteer instructor community_staff other_coordinator coordinator
    district_admin service_account

An outcome is one of (see tests/access/runner.py):
    OK      the field answered (a mutation: an empty `errors` list)
    EMPTY   a query answered null, [] or a connection without edges
    U / D   top-level UNAUTHENTICATED / PERMISSION_DENIED (the field null)
    CODE    any other top-level `extensions.code`, or the mutation's payload codes joined by
            "|" (e.g. OUTSIDE_YOUR_UNIT, TOKEN_INVALID): the caller passed the access check
            and a business rule answered.
If the generated arguments do not suit a new field, add its arguments to OVERRIDES (by
field) or a value for an argument name to ARGUMENTS (by name, for every field); ids of the
fixture world are matched by argument name (World.ids). A field without a rule fails
`test_every_field_has_a_rule`.
"""

from datetime import timedelta

from django.conf import settings

ROLE_ORDER = ("anonymous", "resident", "volunteer", "instructor", "community_staff",
              "other_coordinator", "coordinator", "district_admin", "service_account")
ABBREVIATIONS = {"U": "UNAUTHENTICATED", "D": "PERMISSION_DENIED"}

# Values for arguments by name (callables get the World).
ARGUMENTS = {
    "code": lambda w: w.values["certificate_code"],
    "skill": "haircut",
    "typeCode": "health_certificate",
    "consentVersion": lambda w: settings.PRIVACY_NOTICE_VERSION,
    "username": "matrix-new-user",
    "password": "Linli-Matrix-2026!",
    "durationMinutes": 60,
    "capacity": 2,
    "weeks": 1,
    "hours": 1.0,
    "rating": 5,
    "from": lambda w: (w.values["job_start"] - timedelta(days=30)).date().isoformat(),
    "to": lambda w: (w.values["job_start"] + timedelta(days=30)).date().isoformat(),
    "weekday": 1,
    "startTime": "09:00",
    "endTime": "11:00",
    "number": "JK-2026-0001",
    "token": "not-a-valid-token",
}

# Per-field arguments beyond the required ones (or replacing them).
OVERRIDES = {
    "stats": lambda w: {"communityId": w.ids["communityId"]},
    "course": lambda w: {"id": w.ids["courseId"]},
    "courseRun": lambda w: {"id": w.ids["runId"]},
    "volunteer": lambda w: {"id": w.ids["volunteerId"]},
    "serviceRequest": lambda w: {"id": w.ids["serviceRequestId"]},
    "timeOffAdd": lambda w: {"startsAt": w.values["job_start"].isoformat(),
                             "endsAt": (w.values["job_start"] + timedelta(hours=2)).isoformat()},
    "courseRunCreate": lambda w: {
        "startsAt": (w.values["job_start"] + timedelta(days=7)).isoformat(),
        "endsAt": (w.values["job_start"] + timedelta(days=7, hours=2)).isoformat(),
        "enrollmentOpensAt": w.values["job_start"].isoformat(),
        "enrollmentClosesAt": (w.values["job_start"] + timedelta(days=6)).isoformat(),
        "sessions": [{"startsAt": (w.values["job_start"] + timedelta(days=7)).isoformat(),
                      "endsAt": (w.values["job_start"] + timedelta(days=7, hours=2)).isoformat()}],
    },
    "broadcastCreate": lambda w: {"communityId": w.ids["communityId"]},
    "tokenCreate": lambda w: {"username": w.users["resident"].username,
                              "password": "wrong-password"},
    "certificateVerify": lambda w: {"code": w.values["certificate_code"]},
    # help requests (便民纸条): staff of her community ask on the resident's behalf; triage
    # and decline her REQUESTED request; she rates her COMPLETED one
    "helpRequestCreate": lambda w: {
        "userId": w.ids["userId"], "consentVersion": settings.PRIVACY_NOTICE_VERSION,
        "address": "张州二路125号",
        "preferredDate": (w.values["job_start"] + timedelta(days=1)).date().isoformat()},
    "helpRequestTriage": lambda w: {"serviceRequestId": w.ids["helpRequestId"]},
    "helpRequestDecline": lambda w: {"serviceRequestId": w.ids["helpRequestId"]},
    "helpRequestRate": lambda w: {"serviceRequestId": w.ids["completedHelpRequestId"]},
    "availabilitySet": {"rules": [{"weekday": 1, "startTime": "09:00", "endTime": "11:00"}]},
}

MATRIX: dict[str, str] = {
    # field                 anon res vol ins stf oco co adm svc
    # --- queries: public, personal ("my…", empty for people without one), unit-scoped ---
    "stats": "U D D D D D OK OK D",
    "myCertificates": "U OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "certificateVerify": "OK OK OK OK OK OK OK OK OK",
    "skills": "OK OK OK OK OK OK OK OK OK",
    "volunteers": "U D D D D OK OK OK D",
    "volunteer": "U EMPTY OK EMPTY EMPTY EMPTY OK OK EMPTY",
    "myVolunteerProfile": "U EMPTY OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "myOffers": "U EMPTY OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "myCommitments": "U EMPTY OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "volunteerMatches": "U D D D D D OK OK OK",
    "serviceRequest": "U EMPTY OK EMPTY EMPTY EMPTY OK OK OK",
    "courses": "OK OK OK OK OK OK OK OK OK",
    "course": "OK OK OK OK OK OK OK OK OK",
    "venues": "OK OK OK OK OK OK OK OK OK",
    "courseRun": "OK OK OK OK OK OK OK OK OK",
    "courseRuns": "OK OK OK OK OK OK OK OK OK",
    "myEnrollments": "U OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "tutoringSlots": "OK OK OK OK OK OK OK OK OK",
    "myTutoringBookings": "U OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "myTutoringSlots": "U EMPTY OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "me": "EMPTY OK OK OK OK OK OK OK OK",
    "streets": "OK OK OK OK OK OK OK OK OK",
    "privacyNotice": "OK OK OK OK OK OK OK OK OK",
    # her own help requests (the world's resident asked twice); nobody else's
    "myHelpRequests": "U OK EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY EMPTY",
    "myData": "EMPTY OK OK OK OK OK OK OK OK",
    # --- mutations (API.md "Mutations", who column). userId = the resident herself. ---
    "wechatBindingLinkCreate": "U OK D D OK OUTSIDE_YOUR_UNIT OK OK D",
    # a broadcast outside the caller's units does not exist for her (NOT_FOUND)
    "broadcastCreate": "U D D D D OUTSIDE_YOUR_UNIT OK OK D",
    "broadcastSend": "U NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND OK OK NOT_FOUND",
    "broadcastCancel": "U NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND OK OK NOT_FOUND",
    "certificateRevoke": "U D D D D D OK OK D",
    "availabilitySet": "U D OK D D D OK OK D",
    "timeOffAdd": "U D OK D D D OK OK D",
    "credentialAdd": "U D D D D D OK OK D",
    "dispatchCreate": "U D D D D D OK OK OK",
    "offerRespond": "U D OK D D D D D D",
    # the world's job is OFFERED: completing it is INVALID_STATE once past the access check
    "serviceRequestComplete": "U D D D D D INVALID_STATE INVALID_STATE INVALID_STATE",
    "serviceRequestCancel": "U D D D D D OK OK OK",
    "serviceRequestReoffer": "U D D D D D OK OK OK",
    "serviceRequestOfferTo": "U D D D D D VOLUNTEER_UNAVAILABLE VOLUNTEER_UNAVAILABLE VOLUNTEER_UNAVAILABLE",
    "serviceRequestEscalate": "U D D D D D OK OK OK",
    "shiftSignUp": "U D ALREADY_SIGNED_UP D D D D D D",
    "shiftSignUpCancel": "U D OK D D D OK OK D",
    "shiftCancel": "U D D D D D OK OK D",
    "serviceHoursLog": "U D ALREADY_LOGGED D D D ALREADY_LOGGED ALREADY_LOGGED D",
    "serviceHoursReview": "U D D D D D OK OK D",
    "serviceHoursCertificateIssue": "U D D D D D NO_APPROVED_HOURS NO_APPROVED_HOURS D",
    "courseRunCreate": "U D D D D OUTSIDE_YOUR_UNIT OK OK D",
    "courseEnroll": "U ALREADY_ENROLLED OK OK OK OK OK OK OK",
    "enrollmentCancel": "U OK D D OK D OK OK D",
    "sessionCheckInCode": "U D D OK D D OK OK D",
    # a wrong token is refused before anything else, for everyone signed in
    "sessionCheckIn": "U TOKEN_INVALID TOKEN_INVALID TOKEN_INVALID TOKEN_INVALID TOKEN_INVALID TOKEN_INVALID TOKEN_INVALID TOKEN_INVALID",
    "attendanceMark": "U D D OUTSIDE_SESSION_WINDOW D D OUTSIDE_SESSION_WINDOW OUTSIDE_SESSION_WINDOW D",
    "lessonComplete": "U LESSON_NOT_OPENED NOT_ENROLLED NOT_ENROLLED NOT_ENROLLED NOT_ENROLLED NOT_ENROLLED NOT_ENROLLED NOT_ENROLLED",
    # the generated answer names no real question
    "quizSubmit": "U NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND NOT_FOUND",
    "tutoringSlotPublish": "U D OK D D D D D D",
    "tutoringSlotsPublishFromAvailability": "U D OK D D D OK OK D",
    "tutoringSlotCancel": "U D OK D D D OK OK D",
    # the volunteer is the slot's tutor (INVALID: not her own slot); the resident holds it
    "tutoringBook": "U OVERLAPS_BOOKING INVALID OK OK OK OK OK OK",
    "tutoringCancel": "U OK OK D OK D OK OK D",
    "tutoringBookingMark": "U D SESSION_NOT_STARTED D D D SESSION_NOT_STARTED SESSION_NOT_STARTED D",
    "tutoringTutorNoShow": "U D D D D D SESSION_NOT_STARTED SESSION_NOT_STARTED D",
    "tutoringRate": "U NOT_ATTENDED D D D D D D D",
    "tokenCreate": "INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS INVALID_CREDENTIALS",
    "tokenRevoke": "U OK OK OK OK OK OK OK OK",
    "residentCreate": "U D D D OK OUTSIDE_YOUR_UNIT OK OK D",
    "calendarTokenRegenerate": "U OK OK OK OK OK OK OK OK",
    # help requests (API.md "Mutations"): asking on her behalf (userId = the resident) is the
    # acting-for rule (staff of her community, her unit's coordinators, admins); triage and
    # decline of her REQUESTED request: staff of her community, the unit's coordinators,
    # admins and service accounts (they dispatch as dispatchCreate does); rating her
    # COMPLETED visit: only she who asked
    "helpRequestCreate": "U OK D D OK OUTSIDE_YOUR_UNIT OK OK D",
    "helpRequestTriage": "U D D D OK D OK OK OK",
    "helpRequestDecline": "U D D D OK D OK OK OK",
    "helpRequestRate": "U OK D D D D D D D",
    "dataDeletionRequest": "U OK OK OK OK OK OK OK OK",
    "consentWithdraw": "U OK OK OK OK OK OK OK OK",
}
