"""Probe row 9: odd paging arguments, NUL bytes and deeply nested bodies are the client's
mistakes, answered with typed 4xx / BAD_USER_INPUT errors, never an internal error or 500."""

import pytest
from django.test import Client

from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db

COURSES = "{ courses(%s) { edges { node { id } } } }"


@pytest.mark.parametrize("arguments", [
    "offset: -1, first: 5",
    'offset: 2, after: "garbage", first: 5',
    'offset: 2, after: "YXJyYXljb25uZWN0aW9uOi01", first: 5',  # arrayconnection:-5
])
def test_bad_offsets_are_bad_user_input(arguments, district_admin):
    result = gql(COURSES % arguments, user=district_admin)
    assert result.error_codes == ["BAD_USER_INPUT"], result.errors


def test_a_valid_offset_still_pages(district_admin):
    assert gql(COURSES % "offset: 1, first: 5", user=district_admin).errors is None


@pytest.mark.parametrize("query, variables", [
    ('{ courses(search: "a\\u0000b", first: 5) { edges { node { id } } } }', {}),
    ("query($s: String) { courses(search: $s, first: 5) { edges { node { id } } } }",
     {"s": "a\x00b"}),
    ('mutation($u: String!) { tokenCreate(username: $u, password: "x") { token } }',
     {"u": "ad\x00min"}),
])
def test_a_nul_byte_in_any_string_argument_is_refused_before_execution(query, variables):
    result = gql(query, variables)
    assert result.status == 400
    assert result.error_codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("body", [
    "[" * 50_000 + "]" * 50_000,
    '{"query": "{ me { id } }", "variables": ' + '{"a":' * 15_000 + "1" + "}" * 15_001,
])
def test_a_deeply_nested_json_body_is_400(body):
    response = Client(raise_request_exception=False).post(
        "/graphql/", data=body, content_type="application/json")
    assert response.status_code == 400
