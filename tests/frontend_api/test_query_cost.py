"""Probe row 2 (anonymous DoS): the query cost limit, the document cache, the body cap."""

import json
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backend.accounts import selectors
from frontend_api.core import documents
from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db


def _probe_query() -> str:
    # The outside probe: depth-10 streets/communities, repeated under aliases.
    inner = "name"
    for level in reversed(range(10)):
        name = "streets" if level == 0 else ("street" if level % 2 == 0 else "communities")
        inner = f"{name} {{ {inner} }}"
    body = inner[len("streets"):]
    return "{ " + " ".join(f"a{i}: streets {body}" for i in range(20)) + " }"


def test_the_probe_is_refused_before_any_resolver_or_sql(street, community):
    resolver = mock.Mock(side_effect=AssertionError("a resolver ran"))
    with mock.patch.object(selectors, "street_list", resolver), \
            CaptureQueriesContext(connection) as queries:
        result = gql(_probe_query())
    assert result.status == 400
    error = result.errors[0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == 2000
    assert error["extensions"]["cost"] > 2000
    assert resolver.call_count == 0
    assert [q["sql"] for q in queries.captured_queries] == []


def test_signed_in_callers_get_the_larger_limit(resident):
    query = "{ streets { communities { name } } }"  # 1 + 10 * (1 + 10 * 1) = 111
    assert gql(query).errors is None
    big = "{ " + " ".join(f"a{i}: streets {{ communities {{ street {{ name }} }} }}"
                          for i in range(20)) + " }"  # 20 * (1 + 10 * (1 + 10 * 2)) = 4220
    assert gql(big).error_codes == ["QUERY_TOO_COMPLEX"]
    assert gql(big, user=resident).errors is None


def test_connections_multiply_by_first_and_variables_count(district_admin):
    query = ("query Q($n: Int) { courses(first: $n) { edges { node { id title } } } }")
    # 1 + n * (edges 1 + node 1 + 2)
    ok = gql(query, {"n": 10})
    assert ok.errors is None
    expensive = "{ " + " ".join(
        f"a{i}: courses {{ edges {{ node {{ id title }} }} }}" for i in range(6)) + " }"
    result = gql(expensive)  # default first 100: 6 * 401 = 2406
    assert result.error_codes == ["QUERY_TOO_COMPLEX"]
    assert result.errors[0]["extensions"]["cost"] == 6 * 401


@pytest.mark.parametrize("query", [
    "{ me { id username roles } privacyNotice { version } }",
    "{ streets { id name communities { id name } } }",
    "query { courses(first: 100) { edges { cursor node { id title audience } } "
    "pageInfo { hasNextPage endCursor } } }",
    "{ myOffers { id status } myHelpRequests { id } }",
])
def test_real_client_queries_stay_under_the_anonymous_limit(query, resident):
    result = gql(query, user=resident)
    assert "QUERY_TOO_COMPLEX" not in result.error_codes, result.errors


def test_a_document_is_parsed_and_validated_once(street):
    documents.clear()
    query = "{ streets { name } }"
    with mock.patch.object(documents, "validate", wraps=documents.validate) as validate:
        assert gql(query).errors is None
        assert gql(query).errors is None
    assert validate.call_count == 1


def test_a_huge_body_is_413_json():
    body = json.dumps({"query": "{ me { id } }", "variables": {"x": "a" * 200_000}})
    response = Client().post("/graphql/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has no statement timeout (documented in settings/README)")
def test_postgresql_requests_run_under_a_statement_timeout(street, settings):
    settings.GRAPHQL_STATEMENT_TIMEOUT_MS = 4321
    seen = []

    def street_list():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        return []

    with mock.patch.object(selectors, "street_list", street_list):
        assert gql("{ streets { name } }").errors is None
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        after = cursor.fetchone()[0]
    assert seen == ["4321ms"]
    assert after == "0"
