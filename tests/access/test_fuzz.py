"""Fuzzing the GraphQL schema (issue #13, item 9): hypothesis-graphql generates valid
queries and mutations from frontend_api/schema.graphql — every root field, random
arguments (strings with NUL bytes and any character, huge and negative numbers, nulls where
allowed) — and each is posted to the real view through Django's test client, as anonymous
and as a coordinator over the access matrix's fixture world (real ids mixed in). No answer
may be a 5xx or carry an `INTERNAL_ERROR`.

Bounded: a fixed seed (printed; LINLI_FUZZ_SEED overrides it) and LINLI_FUZZ_EXAMPLES
examples per role and root type (default 60). ID arguments are swapped, half the time, for
ids of the fixture world, so the resolvers behind the lookups run too. Runs once, in the
heavy (PostgreSQL) CI run.

hypothesis-graphql is the generator schemathesis itself uses for GraphQL; driving it
directly keeps the run in-process inside pytest-django's test database, which
schemathesis's WSGI runner would not share.
"""

import os
from datetime import UTC, datetime

import pytest
from graphql import (
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from .runner import run_rolled_back, schema
from .world import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.heavy]

SEED = int(os.environ.get("LINLI_FUZZ_SEED", "20261130"))
EXAMPLES = int(os.environ.get("LINLI_FUZZ_EXAMPLES", "60"))

_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(UTC))
SCALARS = {
    "DateTime": st.one_of(_MOMENTS.map(lambda d: nodes.String(d.isoformat())),
                          st.text(max_size=30).map(nodes.String)),
    "Date": st.one_of(_MOMENTS.map(lambda d: nodes.String(d.date().isoformat())),
                      st.text(max_size=12).map(nodes.String)),
    "Time": st.one_of(st.times().map(lambda t: nodes.String(t.isoformat())),
                      st.text(max_size=8).map(nodes.String)),
}


def with_real_ids(document, pick):
    """Replace ID argument values (as the schema types them) by `pick()`: a random string
    only reaches "not found", an id of the fixture world reaches the resolver behind it."""
    type_info = TypeInfo(schema())

    class SwapIds(Visitor):
        def enter_string_value(self, node, *_args):
            input_type = type_info.get_input_type()
            if input_type is not None and get_named_type(input_type).name == "ID":
                return StringValueNode(value=pick())
            return None

    return print_ast(visit(document, TypeInfoVisitor(type_info, SwapIds())))


def failures(call) -> list[str]:
    if call.status >= 500:
        return [f"HTTP {call.status}"]
    errors = call.body.get("errors") or []
    return [str(e) for e in errors
            if (e.get("extensions") or {}).get("code") == "INTERNAL_ERROR"]


@pytest.mark.parametrize("role", ["anonymous", "coordinator"])
@pytest.mark.parametrize("root", ["query", "mutation"])
def test_fuzzed_operations_never_answer_an_internal_error(role, root):
    print(f"schema fuzz: seed {SEED} (LINLI_FUZZ_SEED), {EXAMPLES} examples, {root} as {role}")
    world = build_world()
    user = world.users[role]
    root_type = schema().query_type if root == "query" else schema().mutation_type
    strategy = from_schema(schema(), fields=list(root_type.fields), custom_scalars=SCALARS,
                           print_ast=lambda node: node)
    real_ids = sorted({v for v in world.ids.values() if isinstance(v, str)})
    found: list[str] = []

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=True,
              phases=(Phase.explicit, Phase.generate))  # no shrinking: bounded CI time
    @given(node=strategy, data=st.data())
    def fuzz(node, data):
        document = with_real_ids(node, lambda: data.draw(
            st.one_of(st.sampled_from(real_ids), st.text(max_size=20))))
        call = run_rolled_back(document, None, user)
        problems = failures(call)
        if problems:
            found.append(f"{document}\n-> {problems}")
        assert not problems, f"{document}\n-> {problems}"

    fuzz()
    assert not found
