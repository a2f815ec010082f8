"""The GraphQL read path's shortcuts (issue #14): each keeps results and errors unchanged.

- the statement limit stays on a reused connection between GraphQL requests and is reset
  by the first other request (backend/core/statement_timeout.py);
- `me` answers from the request's own user (no second load);
- joins of relations nobody selected are dropped, unless a selected field's resolver may
  read them (frontend_api/core/selection.py);
- scalars read straight off the row skip graphql-core's per-field machinery
  (frontend_api/core/execution.py), with graphql-core's own errors where they fail."""

from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphene.types.resolver import dict_or_attr_resolver
from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    parse,
)
from graphql import execute as graphql_execute

from backend.accounts.models import Role
from frontend_api.core.execution import LinliExecutionContext
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.courses import CourseRunFactory, TutoringSlotFactory, book, make_tutor
from tests.helpers.graphql import gql, token_for
from tests.helpers.queries import count_queries

RUNS = "{ courseRuns(first: 5) { edges { node { code venue { name %s } } } } }"


def _sql_of(document: str) -> str:
    with count_queries() as queries:
        result = gql(document)
    assert result.errors is None, result.errors
    return " ".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_an_unselected_join_is_dropped_and_a_selected_one_kept():
    CourseRunFactory(course__published=True)
    assert "accounts_community" not in _sql_of(RUNS % "")
    assert "accounts_community" in _sql_of(RUNS % "community { name }")


@pytest.mark.django_db
def test_a_resolver_that_declares_nothing_keeps_every_join():
    # `seatsLeft` has a resolver of its own: the walker cannot know what it reads.
    CourseRunFactory(course__published=True)
    sql = _sql_of("{ courseRuns(first: 5) { edges { node { code seatsLeft } } } }")
    assert "accounts_community" in sql and "courses_venue" in sql


@pytest.mark.django_db
def test_a_declared_resolver_lets_an_unexposed_join_go(community):
    # `place` declares it reads the venue; nothing selected reads the slot's community.
    TutoringSlotFactory(tutor=make_tutor(community),
                        starts_at=timezone.now() + timedelta(days=1))
    sql = _sql_of("{ tutoringSlots(first: 5) { edges { node { topic place } } } }")
    assert "courses_venue" in sql and '"accounts_street"."name"' not in sql


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["bookings { id }", "id bookings { id status }"])
def test_the_tutors_slots_with_bookings_cost_the_same_at_1_and_3_slots(community, shape):
    # `bookings` checks the slot's tutor: a narrow selection must keep the tutor's join.
    tutor = make_tutor(community)
    document = "{ myTutoringSlots { %s } }" % shape
    counts = []
    for n in (1, 3):
        while tutor.tutoring_slots.count() < n:
            slot = TutoringSlotFactory(tutor=tutor, starts_at=timezone.now()
                                       + timedelta(days=1 + tutor.tutoring_slots.count()))
            book(slot, UserFactory(community=community))
        gql(document, user=tutor.user)  # the token exists before counting
        with count_queries() as queries:
            result = gql(document, user=tutor.user)
        assert result.errors is None and len(result.data["myTutoringSlots"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_me_is_the_request_user_loaded_once(street):
    resident = user_with_role(Role.RESIDENT, community=None)
    token = token_for(resident)
    with count_queries() as queries:
        response = Client().post("/graphql/", {"query": "{ me { id username roles } }"},
                                 content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Token {token}")
    assert response.json()["data"]["me"]["username"] == resident.username
    users = [q for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]
             or '"accounts_user"."password"' in q["sql"]]
    assert len(users) == 1  # the token's join; no second load for `me`


def _schema(value):
    row = GraphQLObjectType("Row", {
        "name": GraphQLField(GraphQLNonNull(GraphQLString)),
        "nick": GraphQLField(GraphQLString),
    })
    for name, field in row.fields.items():
        field.resolve = partial(dict_or_attr_resolver, name, None)
    return GraphQLSchema(GraphQLObjectType("Query", {
        "row": GraphQLField(row, resolve=lambda *_: value)}))


@pytest.mark.parametrize("value", [
    {"name": "林", "nick": None},
    {"name": None, "nick": "x"},  # null where none is allowed: graphql-core's error
    {"name": {"not": "a string"}, "nick": 3},  # a value the scalar refuses
])
def test_the_shortcut_gives_graphql_cores_results_and_errors(value):
    document = parse("{ row { name nick } }")
    plain = graphql_execute(_schema(value), document)
    fast = graphql_execute(_schema(value), document,
                           execution_context_class=LinliExecutionContext)
    assert fast.data == plain.data
    assert [(e.message, e.path) for e in fast.errors or []] == \
        [(e.message, e.path) for e in plain.errors or []]


def test_the_shortcut_is_taken_for_plain_scalar_reads():
    schema = _schema({"name": "林", "nick": "x"})
    graphql_execute(schema, parse("{ row { name nick } }"),
                    execution_context_class=LinliExecutionContext)
    row = schema.type_map["Row"]
    assert row.fields["name"]._linli_fast_read[0] == "name"
    assert schema.query_type.fields["row"]._linli_fast_read == ()  # a resolver of its own


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has no statement timeout (documented in settings/README)")
@pytest.mark.django_db(transaction=True)
def test_the_graphql_limit_is_set_once_per_connection_and_reset_for_pages(settings):
    settings.GRAPHQL_STATEMENT_TIMEOUT_MS = 4321
    client = Client()  # keeps its connection between requests, as production's reused ones

    def statements(path, body=None):
        with CaptureQueriesContext(connection) as ctx:
            if body is None:
                client.get(path)
            else:
                client.post(path, body, content_type="application/json")
        return [q["sql"] for q in ctx.captured_queries if "statement_timeout" in q["sql"]]

    def show():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    query = {"query": "{ streets { name } }"}
    assert statements("/graphql/", query) == ["SET statement_timeout = 4321"]
    assert show() == "4321ms"
    assert statements("/graphql/", query) == []  # the same connection: nothing to send
    assert statements("/healthz") == ["RESET statement_timeout"]
    assert show() == "0"
    assert statements("/healthz") == []
