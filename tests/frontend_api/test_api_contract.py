"""The built schema against /work/shared/docs/API.md, the contract external clients rely on.

The contract is transcribed here as data (not parsed from the markdown at run time), so a
rename or removal in the code fails a test that names the exact API.md entry. Adding is free.
Aliases, depth and introspection limits live in test_api_shell.py.
"""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    get_named_type,
)

from frontend_api.schema import schema
from tests.helpers.graphql import gql

SCHEMA = schema.graphql_schema

# --- Queries ------------------------------------------------------------------------------
# name -> (arguments {name: type as written in API.md}, return type as written in API.md)
QUERIES = {
    "me": ({}, "User"),
    "privacyNotice": ({}, "PrivacyNotice!"),
    "streets": ({}, "[Street!]!"),
    "skills": ({}, "[Skill!]!"),
    "courses": ({"audience": "Audience", "search": "String", "first": "Int", "after": "String"},
                "CourseConnection!"),
    "course": ({"id": "ID!"}, "Course"),
    "venues": ({"communityId": "ID"}, "[Venue!]!"),
    "courseRun": ({"id": "ID!"}, "CourseRun"),
    "courseRuns": ({"courseId": "ID", "communityId": "ID", "startsAfter": "DateTime",
                    "first": "Int", "after": "String"}, "CourseRunConnection!"),
    "myEnrollments": ({}, "[Enrollment!]!"),
    "myCertificates": ({}, "[Certificate!]!"),
    "certificateVerify": ({"code": "String!"}, "CertificateVerification"),
    "tutoringSlots": ({"startsAfter": "DateTime", "startsBefore": "DateTime",
                       "communityId": "ID", "first": "Int", "after": "String"},
                      "TutoringSlotConnection!"),
    "myTutoringBookings": ({}, "[TutoringBooking!]!"),
    "volunteers": ({"skill": "String", "communityId": "ID", "search": "String", "first": "Int",
                    "after": "String"}, "VolunteerConnection!"),
    "volunteer": ({"id": "ID!"}, "Volunteer"),
    "myVolunteerProfile": ({}, "Volunteer"),
    "volunteerMatches": ({"skill": "String!", "startsAt": "DateTime!",
                          "durationMinutes": "Int!", "communityId": "ID!", "limit": "Int"},
                         "MatchResult!"),
    "serviceRequest": ({"id": "ID!"}, "ServiceRequest"),
    "myHelpRequests": ({}, "[ServiceRequest!]!"),
}

# Connections' node types, so `edges { node { ... } }` reaches the listed type.
CONNECTIONS = {
    "CourseConnection": "Course",
    "CourseRunConnection": "CourseRun",
    "TutoringSlotConnection": "TutoringSlot",
    "VolunteerConnection": "Volunteer",
}

# --- Key fields ---------------------------------------------------------------------------
# type -> field paths; "a.b" walks into a's type; "a(x: T)" is a field argument.
KEY_FIELDS = {
    "User": ["id", "username", "displayName", "roles", "community", "calendarUrl"],
    "PrivacyNotice": ["version", "text"],
    "Street": ["communities"],
    "Skill": ["code", "name", "requiresCredential"],
    "Course": ["id", "code", "title", "summary", "audience", "lessons.id", "lessons.title",
               "lessons.order", "runs(upcoming: Boolean)"],
    "CourseRun": ["id", "code", "course", "venue.name", "venue.address", "venue.community.id",
                  "venue.community.name", "startsAt", "endsAt", "capacity", "enrolledCount",
                  "seatsLeft", "waitlistCount", "enrollmentOpensAt", "enrollmentClosesAt",
                  "sessions.id", "sessions.startsAt", "sessions.endsAt", "myEnrollment"],
    "Enrollment": ["id", "run", "status", "waitlistPosition", "progressPercent",
                   "attendanceRate", "certificate"],
    "Certificate": ["id", "code", "kind", "title", "issuedAt", "status", "pdfUrl", "verifyUrl"],
    "CertificateVerification": ["code", "status", "holderName", "title", "issuedAt", "issuer",
                                "revokedAt"],
    "TutoringSlot": ["id", "tutor.id", "tutor.displayName", "startsAt", "endsAt", "place",
                     "topic", "capacity", "seatsLeft"],
    "TutoringBooking": ["id", "slot", "status"],
    "Volunteer": ["id", "displayName", "phoneMasked", "community", "status", "skills.skill.code",
                  "skills.skill.name", "skills.level", "skills.verified",
                  "credentials.type.code", "credentials.type.name", "credentials.validUntil",
                  "credentials.status", "availability.weekday", "availability.startTime",
                  "availability.endTime", "serviceHoursTotal"],
    "ServiceRequest": ["id", "status", "skill", "startsAt", "endsAt", "community", "externalRef",
                       "offers", "photos.id", "photos.url"],
    "Offer": ["id", "volunteer", "status", "expiresAt", "reason"],
    "MatchResult": ["candidates", "excluded", "evaluatedAt"],
    "VolunteerMatch": ["volunteer", "score", "reasons"],
    "MatchReason": ["code", "weight", "detail"],
    "ExclusionCount": ["reason", "count"],
}

# Fields whose full type API.md spells out.
FIELD_TYPES = {
    ("User", "roles"): "[Role!]!",
    ("Course", "runs"): "[CourseRun!]!",
    ("ServiceRequest", "offers"): "[Offer!]!",
    ("MatchResult", "candidates"): "[VolunteerMatch!]!",
    ("MatchResult", "excluded"): "[ExclusionCount!]!",
    ("VolunteerMatch", "reasons"): "[MatchReason!]!",
}

# Field -> the named type API.md gives it (e.g. `Enrollment.run` is a CourseRun).
FIELD_NAMED_TYPES = {
    ("User", "community"): "Community",
    ("CourseRun", "myEnrollment"): "Enrollment",
    ("Enrollment", "run"): "CourseRun",
    ("Enrollment", "certificate"): "Certificate",
    ("TutoringBooking", "slot"): "TutoringSlot",
    ("Offer", "volunteer"): "Volunteer",
    ("VolunteerMatch", "volunteer"): "Volunteer",
}

# --- Enums, reached through the field that carries them ------------------------------------
ENUMS = {
    ("User", "roles"): {"DISTRICT_ADMIN", "STREET_COORDINATOR", "COMMUNITY_STAFF", "INSTRUCTOR",
                        "VOLUNTEER", "RESIDENT"},
    ("Course", "audience"): {"STAFF", "RESIDENT", "ALL"},
    ("Enrollment", "status"): {"ENROLLED", "WAITLISTED", "CANCELLED", "COMPLETED"},
    ("Certificate", "kind"): {"COURSE_COMPLETION", "SERVICE_HOURS"},
    ("Certificate", "status"): {"VALID", "REVOKED", "EXPIRED"},
    ("TutoringBooking", "status"): {"BOOKED", "CANCELLED", "ATTENDED", "NO_SHOW"},
    ("ServiceRequest", "status"): {"OFFERED", "ACCEPTED", "ESCALATED", "COMPLETED", "CANCELLED",
                                   "UNFULFILLED", "REQUESTED", "DECLINED"},
    ("Offer", "status"): {"OFFERED", "ACCEPTED", "DECLINED", "EXPIRED", "WITHDRAWN"},
}

# --- Mutations ----------------------------------------------------------------------------
# name -> (arguments, payload field paths, error codes). An argument "x.y" is a field y of
# the input object (or list of input objects) taken by argument x.
MUTATIONS = {
    "tokenCreate": (["username", "password"], ["token", "user"], ["INVALID_CREDENTIALS"]),
    "residentCreate": (
        ["username", "password", "displayName", "phone", "communityId", "consentVersion"],
        ["user"], ["USERNAME_TAKEN", "CONSENT_REQUIRED", "OUTSIDE_YOUR_UNIT"]),
    "courseRunCreate": (
        ["courseId", "venueId", "startsAt", "endsAt", "capacity", "enrollmentOpensAt",
         "enrollmentClosesAt", "sessions.startsAt", "sessions.endsAt",
         "completionRule.minAttendanceRate", "completionRule.requireQuiz"],
        ["run.code"], ["INVALID_WINDOW", "OUTSIDE_YOUR_UNIT"]),
    "courseEnroll": (["runId", "idempotencyKey"], ["enrollment"],
                     ["ENROLLMENT_CLOSED", "ALREADY_ENROLLED", "NOT_IN_AUDIENCE",
                      "IDEMPOTENCY_KEY_REUSED"]),
    "enrollmentCancel": (["enrollmentId"], ["enrollment", "promoted"], ["ALREADY_CANCELLED"]),
    "sessionCheckInCode": (["sessionId"], ["token", "expiresAt", "checkInUrl"], []),
    "sessionCheckIn": (["sessionId", "token"], ["attendance"],
                       ["TOKEN_INVALID", "TOKEN_EXPIRED", "NOT_ENROLLED",
                        "OUTSIDE_SESSION_WINDOW"]),
    "attendanceMark": (["sessionId", "userId", "present"], ["attendance"],
                       ["NOT_ENROLLED", "OUTSIDE_SESSION_WINDOW"]),
    "lessonComplete": (["lessonId"], ["enrollment"], ["NOT_ENROLLED", "LESSON_NOT_OPENED"]),
    "quizSubmit": (["quizId", "answers.questionId", "answers.choiceIds"],
                   ["attempt.score", "attempt.passed", "enrollment"],
                   ["NO_ATTEMPTS_LEFT", "NOT_ENROLLED"]),
    "certificateRevoke": (["code", "reason"], ["certificate"], ["ALREADY_REVOKED"]),
    "tutoringSlotPublish": (["startsAt", "durationMinutes", "place", "topic", "capacity"],
                            ["slot"], ["OVERLAPS_COMMITMENT", "NOT_A_TUTOR"]),
    "tutoringBook": (["slotId", "note", "idempotencyKey"], ["booking"],
                     ["SLOT_FULL", "BOOKING_CLOSED", "OVERLAPS_BOOKING", "BOOKING_LIMIT_REACHED",
                      "IDEMPOTENCY_KEY_REUSED"]),
    "tutoringCancel": (["bookingId"], ["booking"], ["CANCELLATION_CLOSED", "ALREADY_CANCELLED"]),
    "availabilitySet": (["volunteerId", "rules.weekday", "rules.startTime", "rules.endTime"],
                        ["volunteer"], ["INVALID_WINDOW"]),
    "timeOffAdd": (["volunteerId", "startsAt", "endsAt", "reason"], ["timeOff"],
                   ["INVALID_WINDOW"]),
    "credentialAdd": (["volunteerId", "typeCode", "number", "validUntil"], ["credential"], []),
    "dispatchCreate": (
        ["skill", "startsAt", "durationMinutes", "communityId", "address", "note", "externalRef",
         "volunteerId", "idempotencyKey"],
        ["serviceRequest.id", "serviceRequest.status", "serviceRequest.offers.volunteer",
         "serviceRequest.offers.status", "serviceRequest.offers.expiresAt"],
        ["NO_CANDIDATE", "VOLUNTEER_UNAVAILABLE", "IDEMPOTENCY_KEY_REUSED"]),
    "offerRespond": (["offerId", "accept", "reason"], ["offer", "serviceRequest"],
                     ["OFFER_EXPIRED", "ALREADY_ANSWERED"]),
    "shiftSignUp": (["shiftId"], ["signUp"], ["SHIFT_FULL", "OVERLAPS_COMMITMENT"]),
    "serviceHoursLog": (["commitmentId", "hours", "note", "idempotencyKey"], ["entry"],
                        ["ALREADY_LOGGED"]),
    "serviceHoursReview": (["entryId", "approve", "reason"], ["entry"], ["ALREADY_REVIEWED"]),
    "serviceRequestComplete": (["serviceRequestId"], ["serviceRequest"], ["INVALID_STATE"]),
    "serviceRequestCancel": (["serviceRequestId", "reason"], ["serviceRequest"],
                             ["INVALID_STATE"]),
    "helpRequestCreate": (
        ["description", "skill", "preferredDate", "partOfDay", "address", "photoIds",
         "consentVersion", "idempotencyKey", "userId"],
        ["serviceRequest"],
        ["CONSENT_REQUIRED", "TOO_MANY_OPEN_REQUESTS", "ADDRESS_REQUIRED",
         "IDEMPOTENCY_KEY_REUSED"]),
    "helpRequestTriage": (["serviceRequestId", "skill", "startsAt", "durationMinutes",
                           "volunteerId"], ["serviceRequest"],
                          ["NO_CANDIDATE", "VOLUNTEER_UNAVAILABLE", "INVALID_STATE"]),
    "helpRequestDecline": (["serviceRequestId", "reason"], ["serviceRequest"],
                           ["INVALID_STATE"]),
    "helpRequestRate": (["serviceRequestId", "rating", "comment"], ["serviceRequest"],
                        ["INVALID_STATE", "ALREADY_RATED"]),
}

# The four mutations a person could double-submit take an optional idempotency key.
IDEMPOTENT_MUTATIONS = ["courseEnroll", "tutoringBook", "dispatchCreate", "serviceHoursLog",
                        "helpRequestCreate"]

# COMMON.md: every domain error enum carries these besides the API.md codes
# (IDEMPOTENCY_KEY_REUSED is listed per mutation where API.md asks for it).
BASE_ERROR_CODES = {"INVALID", "REQUIRED", "NOT_FOUND"}


# --- helpers ------------------------------------------------------------------------------
def object_type(name: str) -> GraphQLObjectType:
    gtype = SCHEMA.get_type(name)
    assert gtype is not None, f"type {name} is missing from the schema"
    assert isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType), name
    return gtype


def walk(gtype, path: str):
    """Follow "a.b.c" from gtype; return the last field (asserting every step exists)."""
    field = None
    where = gtype.name
    for step in path.split("."):
        fields = gtype.fields
        assert step in fields, f"{where}.{step} is missing (API.md path {path!r})"
        field = fields[step]
        where = f"{where}.{step}"
        gtype = get_named_type(field.type)
    return field


def walk_input(arg_type, path: str):
    gtype = get_named_type(arg_type)
    for step in path.split("."):
        assert isinstance(gtype, GraphQLInputObjectType), f"{path}: {gtype} is not an input"
        assert step in gtype.fields, f"input {gtype.name} has no field {step} ({path})"
        gtype = get_named_type(gtype.fields[step].type)


def parse_field_spec(spec: str) -> tuple[str, dict[str, str]]:
    if "(" not in spec:
        return spec, {}
    name, rest = spec.split("(", 1)
    args = {}
    for part in rest.rstrip(")").split(","):
        arg, arg_type = (s.strip() for s in part.split(":"))
        args[arg] = arg_type
    return name, args


# --- queries ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_root_query_exists_with_its_arguments_and_type(name):
    args, returns = QUERIES[name]
    fields = SCHEMA.query_type.fields
    assert name in fields, f"query {name} is missing"
    field = fields[name]
    assert str(field.type) == returns, f"{name}: {field.type} != {returns}"
    for arg, arg_type in args.items():
        assert arg in field.args, f"{name}({arg}) is missing"
        assert str(field.args[arg].type) == arg_type, (
            f"{name}({arg}): {field.args[arg].type} != {arg_type}")
    # A client may omit every optional argument API.md lists.
    required = {a for a, v in field.args.items()
                if str(v.type).endswith("!") and v.default_value is None}
    assert required <= {a for a, t in args.items() if t.endswith("!")}, (
        f"{name} requires arguments API.md does not list: {required}")


def test_volunteer_matches_limit_defaults_to_10():
    assert SCHEMA.query_type.fields["volunteerMatches"].args["limit"].default_value == 10


@pytest.mark.parametrize("connection, node", sorted(CONNECTIONS.items()))
def test_connections_reach_their_node_type(connection, node):
    edges = walk(object_type(connection), "edges.node")
    assert get_named_type(edges.type).name == node
    walk(object_type(connection), "pageInfo.hasNextPage")
    walk(object_type(connection), "pageInfo.endCursor")


# --- key fields ---------------------------------------------------------------------------
KEY_FIELD_CASES = [(t, spec) for t, specs in KEY_FIELDS.items() for spec in specs]


@pytest.mark.parametrize("type_name, spec", KEY_FIELD_CASES)
def test_key_field_exists(type_name, spec):
    path, args = parse_field_spec(spec)
    field = walk(object_type(type_name), path)
    for arg, arg_type in args.items():
        assert arg in field.args, f"{type_name}.{path}({arg}) is missing"
        assert str(field.args[arg].type) == arg_type


@pytest.mark.parametrize("type_name", sorted(t for t in KEY_FIELDS if "id" in KEY_FIELDS[t]))
def test_ids_are_relay_global_ids(type_name):
    gtype = object_type(type_name)
    assert str(gtype.fields["id"].type) == "ID!"
    assert "Node" in {i.name for i in gtype.interfaces}, f"{type_name} is not a relay Node"


def test_tutor_and_venue_community_have_ids_as_global_ids():
    assert str(walk(object_type("TutoringSlot"), "tutor.id").type) == "ID!"
    assert str(walk(object_type("CourseRun"), "venue.community.id").type) == "ID!"


@pytest.mark.parametrize("key, expected", sorted(FIELD_TYPES.items()))
def test_field_types_spelled_out_in_api_md(key, expected):
    type_name, field = key
    assert str(object_type(type_name).fields[field].type) == expected


@pytest.mark.parametrize("key, expected", sorted(FIELD_NAMED_TYPES.items()))
def test_fields_point_at_the_listed_types(key, expected):
    type_name, field = key
    assert get_named_type(object_type(type_name).fields[field].type).name == expected


@pytest.mark.parametrize("key", sorted(ENUMS))
def test_enum_values(key):
    type_name, field = key
    enum = get_named_type(object_type(type_name).fields[field].type)
    assert isinstance(enum, GraphQLEnumType), f"{type_name}.{field} is not an enum"
    missing = ENUMS[key] - set(enum.values)
    assert not missing, f"{enum.name} lacks {missing}"


def test_role_and_audience_enum_names():
    assert set(SCHEMA.get_type("Role").values) >= ENUMS[("User", "roles")]
    assert set(SCHEMA.get_type("Audience").values) >= ENUMS[("Course", "audience")]
    assert str(SCHEMA.query_type.fields["courses"].args["audience"].type) == "Audience"


# --- mutations ----------------------------------------------------------------------------
def mutation_field(name):
    fields = SCHEMA.mutation_type.fields
    assert name in fields, f"mutation {name} is missing"
    return fields[name]


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_arguments(name):
    field = mutation_field(name)
    args, _, _ = MUTATIONS[name]
    for spec in args:
        top, _, rest = spec.partition(".")
        assert top in field.args, f"{name}({top}) is missing"
        if rest:
            walk_input(field.args[top].type, rest)
    # Nothing required beyond what API.md names (clients send only those).
    listed = {spec.partition(".")[0] for spec in args}
    required = {a for a, v in field.args.items()
                if str(v.type).endswith("!") and v.default_value is None}
    assert required <= listed, f"{name} requires unlisted arguments {required - listed}"


@pytest.mark.parametrize("name", IDEMPOTENT_MUTATIONS)
def test_idempotency_key_is_an_optional_string(name):
    assert str(mutation_field(name).args["idempotencyKey"].type) == "String"


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_payload_fields(name):
    payload = get_named_type(mutation_field(name).type)
    for path in MUTATIONS[name][1]:
        walk(payload, path)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_errors_are_typed_with_the_listed_codes(name):
    payload = get_named_type(mutation_field(name).type)
    assert "errors" in payload.fields, f"{name} payload has no errors"
    errors = payload.fields["errors"]
    assert str(errors.type).startswith("[") and str(errors.type).endswith("!]!"), errors.type
    error_type = get_named_type(errors.type)
    # API.md writes `[Error!]!`: each mutation's own error type implements `Error`.
    assert "Error" in {i.name for i in error_type.interfaces}, error_type.name
    for sub in ("field", "message", "code"):
        assert sub in error_type.fields, f"{error_type.name}.{sub} is missing"
    code_enum = get_named_type(error_type.fields["code"].type)
    assert isinstance(code_enum, GraphQLEnumType), f"{error_type.name}.code is not an enum"
    codes = set(code_enum.values)
    missing = set(MUTATIONS[name][2]) - codes
    assert not missing, f"{name}: {code_enum.name} lacks {missing}"
    missing_base = BASE_ERROR_CODES - codes
    assert not missing_base, f"{name}: {code_enum.name} lacks {missing_base}"


def test_specific_payload_types():
    assert get_named_type(walk(get_named_type(mutation_field("courseEnroll").type),
                               "enrollment").type).name == "Enrollment"
    assert get_named_type(walk(get_named_type(mutation_field("enrollmentCancel").type),
                               "promoted").type).name == "Enrollment"
    assert get_named_type(walk(get_named_type(mutation_field("tutoringBook").type),
                               "booking").type).name == "TutoringBooking"
    assert get_named_type(walk(get_named_type(mutation_field("dispatchCreate").type),
                               "serviceRequest").type).name == "ServiceRequest"
    assert get_named_type(walk(get_named_type(mutation_field("tokenCreate").type),
                               "user").type).name == "User"


# --- REST and pages -----------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/api/auth/token/",
    "/api/certificates/ABCD-1234.pdf",
    "/verify/ABCD-1234",
    "/api/calendar/some-secret-token.ics",
    "/wechat/weishinan/",
    "/healthz",
    "/graphql/",
])
def test_rest_and_page_routes_resolve(path):
    try:
        resolve(path)
    except Resolver404:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"{path} does not resolve")


@pytest.mark.django_db
def test_healthz_shape():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"status", "database", "broker"}
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"] in ("ok", "eager")


@pytest.mark.django_db
def test_unknown_certificate_pages_are_404_not_500():
    assert Client().get("/verify/NO-SUCH-CODE").status_code == 404
    assert Client().get("/api/calendar/no-such-token.ics").status_code == 404


@pytest.mark.django_db
def test_rest_token_returns_only_a_token_key(resident):
    response = Client().post("/api/auth/token/",
                             {"username": resident.username, "password": "test-pass-123"})
    assert response.status_code == 200
    assert list(response.json()) == ["token"]


# --- Transport limits ---------------------------------------------------------------------
CONNECTION_QUERIES = {
    "courses": "courses(first: %d) { edges { node { id } } }",
    "courseRuns": "courseRuns(first: %d) { edges { node { id } } }",
    "tutoringSlots": "tutoringSlots(first: %d) { edges { node { id } } }",
    "volunteers": "volunteers(first: %d) { edges { node { id } } }",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CONNECTION_QUERIES))
def test_first_over_100_is_a_graphql_error_not_a_500(name, district_admin):
    result = gql("{ %s }" % (CONNECTION_QUERIES[name] % 101), user=district_admin)
    assert result.status in (200, 400)
    assert result.errors, f"{name}(first: 101) was accepted"
    assert "INTERNAL_ERROR" not in result.error_codes
    assert gql("{ %s }" % (CONNECTION_QUERIES[name] % 100), user=district_admin).errors is None

