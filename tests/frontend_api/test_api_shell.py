"""The GraphQL endpoint's contract: auth, bad input, validation rules."""

import json

import pytest
from django.test import Client

from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db


def gql_as(key, query="{ me { username } }"):
    return Client().post("/graphql/", data=json.dumps({"query": query}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")


def post_raw(body, content_type="application/json", **headers):
    return Client().post("/graphql/", data=body, content_type=content_type, **headers)


def test_token_create_then_me_returns_the_coordinator_and_street(coordinator, street):
    result = gql('mutation { tokenCreate(username: "%s", password: "test-pass-123") '
                 "{ token errors { code } } }" % coordinator.username)
    token = result.data["tokenCreate"]["token"]
    assert token and result.data["tokenCreate"]["errors"] == []

    response = Client().post(
        "/graphql/", content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}",
        data=json.dumps({"query": "{ me { username roles "
                                  "roleAssignments { role street { name } } } }"}))
    me = response.json()["data"]["me"]
    assert me["username"] == coordinator.username
    assert me["roles"] == ["STREET_COORDINATOR"]
    assert me["roleAssignments"] == [
        {"role": "STREET_COORDINATOR", "street": {"name": "八大关街道"}}]


def test_wrong_password_is_a_typed_error_not_a_token(resident):
    result = gql('mutation { tokenCreate(username: "%s", password: "nope") '
                 "{ token errors { field code message } } }" % resident.username)
    payload = result.data["tokenCreate"]
    assert payload["token"] is None
    assert payload["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert payload["errors"][0]["message"]


def test_me_is_null_when_anonymous():
    assert gql("{ me { id } }").data == {"me": None}


def test_an_invalid_token_is_401_not_anonymous():
    response = post_raw(json.dumps({"query": "{ me { id } }"}), HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_rest_token_endpoint_accepts_form_and_json(resident):
    form = Client().post("/api/auth/token/",
                         {"username": resident.username, "password": "test-pass-123"})
    as_json = Client().post("/api/auth/token/", content_type="application/json",
                            data={"username": resident.username, "password": "test-pass-123"})
    assert form.status_code == as_json.status_code == 200
    # API.md "Tokens": each sign-in issues a new token; the earlier one stays valid.
    assert form.json()["token"] != as_json.json()["token"]
    for key in (form.json()["token"], as_json.json()["token"]):
        assert gql_as(key).json()["data"]["me"]["username"] == resident.username
    bad = Client().post("/api/auth/token/", {"username": resident.username, "password": "x"})
    assert bad.status_code == 400


@pytest.mark.parametrize("body", [
    "{not json",
    "[1, 2]",
    json.dumps({"query": 42}),
    json.dumps({"query": "{ me { id } }", "variables": [1]}),
    json.dumps({"query": "{ me { id } }", "variables": "{broken"}),
    json.dumps({}),
])
def test_malformed_requests_get_400(body):
    response = post_raw(body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("query, variables", [
    ("{ noSuchField }", {}),
    ("{ ...Undefined }", {}),
    ("query Q($id: ID!) { me { id } }", {"id": {"not": "an id"}}),
    ("mutation M($u: String!) { tokenCreate(username: $u, password: \"x\") { token } }",
     {"u": 12345678901234567890}),
    ("{ me { id ", {}),
])
def test_invalid_queries_get_a_graphql_error_not_a_500(query, variables):
    response = post_raw(json.dumps({"query": query, "variables": variables}))
    assert response.status_code in (200, 400)
    assert response.json()["errors"]


def _nested_streets(depth: int) -> str:
    # streets(1) { communities(2) { street(3) { communities(4) ... } } }
    inner = "name"
    fields = []
    for level in range(depth):
        fields.append("streets" if level == 0 else ("street" if level % 2 == 0 else "communities"))
    for name in reversed(fields):
        inner = f"{name} {{ {inner} }}"
    return "{ " + inner + " }"


def test_depth_10_is_allowed_and_depth_11_refused(street, community, settings):
    # The depth rule alone; this nesting of lists is refused by the cost limit (test_cost.py).
    settings.GRAPHQL_COST_LIMIT_ANONYMOUS = 10**9
    assert gql(_nested_streets(10)).errors is None
    result = gql(_nested_streets(11))
    assert result.status == 400
    assert "exceeds maximum operation depth" in result.errors[0]["message"]


def test_an_undefined_fragment_in_a_deep_query_is_a_validation_error():
    result = gql("query Q { streets { ...Missing } }")
    assert result.status == 400
    assert "Unknown fragment" in result.errors[0]["message"]


def test_more_than_20_aliases_of_one_field_are_refused():
    query = "{ " + " ".join(f"a{i}: privacyNotice {{ version }}" for i in range(21)) + " }"
    result = gql(query)
    assert result.status == 400
    assert "aliased more than 20 times" in result.errors[0]["message"]
    ok = "{ " + " ".join(f"a{i}: privacyNotice {{ version }}" for i in range(20)) + " }"
    assert gql(ok).errors is None


@pytest.mark.parametrize("debug, allowed", [(True, True), (False, False)])
def test_introspection_follows_debug(settings, debug, allowed):
    settings.DEBUG = debug
    result = gql("{ __schema { types { name } } }")
    if allowed:
        assert result.errors is None and result.data["__schema"]["types"]
    else:
        assert result.status == 400
        assert "introspection is disabled" in result.errors[0]["message"].lower()


def test_mutations_over_get_are_refused():
    response = Client().get("/graphql/", {"query": 'mutation { tokenCreate(username: "a", '
                                                   'password: "b") { token } }'},
                            HTTP_ACCEPT="application/json")
    assert response.status_code == 405


def test_graphiql_is_served_to_a_browser_in_debug(settings):
    settings.DEBUG = True
    response = Client().get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


def test_session_posts_without_csrf_are_refused(resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    response = client.post("/graphql/", data=json.dumps({"query": "{ me { id } }"}),
                           content_type="application/json")
    assert response.status_code == 403


def test_privacy_notice_is_public():
    data = gql("{ privacyNotice { version text } }").data
    assert data["privacyNotice"]["version"]
    assert "手机号" in data["privacyNotice"]["text"]


def test_typename_is_allowed_with_introspection_off(settings):
    settings.DEBUG = False
    result = gql("{ __typename privacyNotice { __typename version } }")
    assert result.errors is None
    assert result.data["__typename"] == "Query"


@pytest.mark.parametrize("debug", [True, False])
def test_suggestions_are_stripped_only_with_introspection_off(settings, debug):
    settings.DEBUG = debug
    result = gql("{ privacyNotic { version } }")
    assert result.status == 400
    message = result.errors[0]["message"]
    assert "privacyNotic" in message
    assert ("Did you mean" in message) is debug
