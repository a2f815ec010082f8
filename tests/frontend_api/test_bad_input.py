"""Bad input across the whole API: never a 500, never INTERNAL_ERROR, nothing written.

Cases are generated from the built schema: every root query and mutation argument of type
ID (or [ID]) gets (a) a malformed global ID, (b) a valid global ID of the wrong type for a
row that exists, (c) an unknown pk of the right type. Other required arguments get
well-formed placeholder values (other IDs: an unknown pk of their own type).
"""

import pytest
from django.apps import apps
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
)
from graphql_relay import to_global_id

from frontend_api.schema import schema
from tests.helpers.graphql import gql, token_for

pytestmark = pytest.mark.django_db

SCHEMA = schema.graphql_schema

# The GraphQL type each ID argument names (by argument name; `id` by root field).
ID_TYPES = {
    "runId": "CourseRun", "courseId": "Course", "venueId": "Venue", "communityId": "Community",
    "userId": "User", "enrollmentId": "Enrollment", "sessionId": "ClassSession",
    "lessonId": "Lesson", "quizId": "Quiz", "slotId": "TutoringSlot",
    "bookingId": "TutoringBooking", "volunteerId": "Volunteer", "offerId": "Offer",
    "shiftId": "Shift", "commitmentId": "Commitment", "entryId": "ServiceHoursEntry",
    "signUpId": "ShiftSignUp",
    "instructorIds": "User", "questionId": "Question", "choiceIds": "Choice",
    "serviceRequestId": "ServiceRequest",
    "streetId": "Street", "broadcastId": "Broadcast", "photoIds": "HelpPhoto",
}
ROOT_ID_TYPES = {"course": "Course", "courseRun": "CourseRun", "volunteer": "Volunteer",
                 "serviceRequest": "ServiceRequest"}
UNKNOWN_PK = 987654321

SCALARS = {"String": "x", "Int": 1, "Float": 1.0, "Boolean": True,
           "DateTime": "2031-03-04T10:00:00+08:00", "Date": "2031-03-04", "Time": "10:00:00"}


def id_type_for(root: str, arg: str) -> str:
    return ROOT_ID_TYPES[root] if arg == "id" else ID_TYPES[arg]


def placeholder(gtype, arg_name: str):
    """A well-formed value for a required argument that is not under test."""
    if isinstance(gtype, GraphQLNonNull):
        return placeholder(gtype.of_type, arg_name)
    if isinstance(gtype, GraphQLList):
        return [placeholder(gtype.of_type, arg_name)]
    if isinstance(gtype, GraphQLInputObjectType):
        return {name: placeholder(f.type, name) for name, f in gtype.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is None}
    if isinstance(gtype, GraphQLEnumType):
        return next(iter(gtype.values))
    if gtype.name == "ID":
        return to_global_id(ID_TYPES.get(arg_name, "Community"), UNKNOWN_PK)
    return SCALARS[gtype.name]


def selection(field) -> str:
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if "errors" in named.fields:
        return "{ __typename errors { field code message } }"
    if named.name.endswith("Connection"):
        return "{ edges { node { id } } }"
    return "{ __typename }"


def id_cases():
    cases = []
    for kind, root_type in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        for name, field in root_type.fields.items():
            for arg, spec in field.args.items():
                if get_named_type(spec.type).name != "ID":
                    continue
                for variant in ("malformed", "wrong_type", "unknown_pk"):
                    cases.append(pytest.param(kind, name, arg, variant,
                                              id=f"{name}-{arg}-{variant}"))
    return cases


def build_operation(kind: str, name: str, overrides: dict):
    field = (SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type).fields[name]
    variables, declared, passed = {}, [], []
    for arg, spec in field.args.items():
        if arg in overrides:
            value = overrides[arg]
        elif isinstance(spec.type, GraphQLNonNull) and spec.default_value is None:
            value = placeholder(spec.type, arg)
        else:
            continue
        variables[arg] = value
        declared.append(f"${arg}: {spec.type}")
        passed.append(f"{arg}: ${arg}")
    head = f"{kind} Op" + (f"({', '.join(declared)})" if declared else "")
    call = name + (f"({', '.join(passed)})" if passed else "")
    return f"{head} {{ {call} {selection(field)} }}", variables


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy}


def assert_no_500(result):
    assert result.status in (200, 400), (result.status, result.raw)
    assert "INTERNAL_ERROR" not in result.error_codes, result.errors


@pytest.mark.parametrize("kind, name, arg, variant", id_cases())
def test_bad_ids_get_a_typed_error_or_nothing(kind, name, arg, variant, district_admin, street):
    # Given an admin (who passes most permission checks, so the ID itself is what's tested).
    token_for(district_admin)
    expected = id_type_for(name, arg)
    bad = {
        "malformed": "not-a-global-id!!",
        "wrong_type": (to_global_id("Street", street.pk) if expected != "Street"
                       else to_global_id("User", district_admin.pk)),
        "unknown_pk": to_global_id(expected, UNKNOWN_PK),
    }[variant]
    field = (SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type).fields[name]
    is_list = isinstance(getattr(field.args[arg].type, "of_type", field.args[arg].type),
                         GraphQLList) or isinstance(field.args[arg].type, GraphQLList)
    query, variables = build_operation(kind, name, {arg: [bad] if is_list else bad})
    before = row_counts()

    # When
    result = gql(query, variables, user=district_admin)

    # Then: a typed error or an empty answer, and nothing written.
    assert_no_500(result)
    assert row_counts() == before
    value = (result.data or {}).get(name)
    if kind == "mutation":
        assert result.errors or (value and value["errors"]), result.raw
        if value and value["errors"]:
            assert all(e["code"] and e["message"] for e in value["errors"])
    elif value is not None:
        if isinstance(value, dict) and "edges" in value:
            assert value["edges"] == []
        elif isinstance(value, list):
            assert value == []
        elif get_named_type(field.type).name != "MatchResult":
            pytest.fail(f"{name}({arg}: {variant}) returned {value}")


def test_quiz_answers_with_bad_question_and_choice_ids(resident):
    token_for(resident)
    before = row_counts()
    result = gql("mutation($a: [QuizAnswerInput!]!) { quizSubmit(quizId: \"%s\", answers: $a) "
                 "{ errors { code } } }" % to_global_id("Quiz", UNKNOWN_PK),
                 {"a": [{"questionId": "junk", "choiceIds": ["junk", to_global_id("Choice", 1)]}]},
                 user=resident)
    assert_no_500(result)
    assert result.errors or result.data["quizSubmit"]["errors"]
    assert row_counts() == before


# --- wrong variable types ------------------------------------------------------------------
ID_ROOT_QUERIES = sorted(ROOT_ID_TYPES)


@pytest.mark.parametrize("name", ID_ROOT_QUERIES)
@pytest.mark.parametrize("value", [12345, ["a"], {"a": 1}, True, ""])
def test_wrong_variable_types_for_ids(name, value, district_admin):
    result = gql("query Q($id: ID!) { %s(id: $id) { __typename } }" % name, {"id": value},
                 user=district_admin)
    assert_no_500(result)
    assert result.errors or (result.data or {}).get(name) is None


CONNECTIONS = ["courses", "courseRuns", "tutoringSlots", "volunteers"]


@pytest.mark.parametrize("name", CONNECTIONS)
@pytest.mark.parametrize("value", ["ten", 1.5, [1], {"n": 1}, 2 ** 40])
def test_wrong_variable_types_for_first(name, value, district_admin):
    result = gql("query Q($n: Int) { %s(first: $n) { edges { node { id } } } }" % name,
                 {"n": value}, user=district_admin)
    assert_no_500(result)
    assert result.errors


@pytest.mark.parametrize("name", CONNECTIONS)
@pytest.mark.parametrize("first", [-1, 1000])
def test_out_of_range_first_is_a_graphql_error(name, first, district_admin):
    result = gql("{ %s(first: %d) { edges { node { id } } } }" % (name, first),
                 user=district_admin)
    assert_no_500(result)
    assert result.errors, f"{name}(first: {first}) was accepted"


@pytest.mark.parametrize("name", CONNECTIONS)
@pytest.mark.parametrize("after", ["garbage", "YXJyYXljb25uZWN0aW9uOi0x", ""])
def test_garbage_cursors_are_not_a_500(name, after, district_admin):
    result = gql("query Q($a: String) { %s(first: 5, after: $a) { edges { node { id } } } }"
                 % name, {"a": after}, user=district_admin)
    assert_no_500(result)


@pytest.mark.parametrize("query, variables", [
    pytest.param(
        "query Q($t: DateTime) { courseRuns(startsAfter: $t) { edges { node { id } } } }",
        {"t": "yesterday"}),
    pytest.param(
        "query Q($t: DateTime) { tutoringSlots(startsAfter: $t) { edges { node { id } } } }",
        {"t": "2030-13-45T99:00"}),
    pytest.param(
        "query Q($a: Audience) { courses(audience: $a) { edges { node { id } } } }",
        {"a": "EVERYONE"}),
    ("query Q($c: ID!) { volunteerMatches(skill: \"haircut\", startsAt: \"2031-01-01T10:00+08:00\""
     ", durationMinutes: -5, communityId: $c) { evaluatedAt } }", {"c": "junk"}),
    ("query Q($c: ID!) { volunteerMatches(skill: \"haircut\", startsAt: \"2031-01-01T10:00+08:00\""
     ", durationMinutes: 60, communityId: $c, limit: 100000) { evaluatedAt } }", {"c": "junk"}),
    ("query Q($code: String!) { certificateVerify(code: $code) { status } }", {"code": "x" * 5000}),
])
def test_wrong_scalar_values_are_not_a_500(query, variables, district_admin):
    assert_no_500(gql(query, variables, user=district_admin))
