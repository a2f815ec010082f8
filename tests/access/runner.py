"""Generate a call for every root field of frontend_api/schema.graphql, run it as a role
through the real GraphQL view (Django's test client), and name the outcome.

Outcomes (the vocabulary of tests/access/matrix.py):
- "OK": the field answered something (a mutation with an empty `errors` list);
- "EMPTY": a query answered null, an empty list or a connection without edges;
- a top-level `extensions.code` ("UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND" …);
- a mutation's payload codes, joined by "|" ("OUTSIDE_YOUR_UNIT", "TOKEN_INVALID" …).

Every call runs in a savepoint that is rolled back, so calls never see each other's writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
)

from tests.helpers.graphql import token_for

from .matrix import ARGUMENTS, OVERRIDES
from .world import World

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "frontend_api" / "schema.graphql"


@memoize
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def root_fields() -> list[tuple[str, str]]:
    """("query" | "mutation", name) for every root field, in schema order."""
    s = schema()
    return ([("query", name) for name in s.query_type.fields]
            + [("mutation", name) for name in s.mutation_type.fields])


# --- Arguments -----------------------------------------------------------------------------
_SCALARS = {"String": "测试", "Int": 1, "Float": 1.0, "Boolean": True, "ID": "bm9uZTox"}


def _scalar(name: str, type_name: str, world: World):
    if name in world.ids:
        return world.ids[name]
    if name in ARGUMENTS:
        value = ARGUMENTS[name]
        return value(world) if callable(value) else value
    if type_name == "DateTime":
        return world.values["job_start"].isoformat()
    if type_name == "Date":
        return timezone.localdate().isoformat()
    return _SCALARS.get(type_name, "x")


def _value(name: str, gql_type, world: World):
    nullable = not isinstance(gql_type, GraphQLNonNull)
    inner = gql_type.of_type if not nullable else gql_type
    if isinstance(inner, GraphQLList):
        return [_value(name, inner.of_type, world)] if name not in world.ids else world.ids[name]
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        return {k: _value(k, f.type, world) for k, f in inner.fields.items()
                if isinstance(f.type, GraphQLNonNull)}
    return _scalar(name, inner.name, world)


def arguments(kind: str, name: str, world: World) -> dict:
    """Required arguments from their names and types, then the field's overrides."""
    root = schema().query_type if kind == "query" else schema().mutation_type
    field = root.fields[name]
    args = {k: _value(k, a.type, world) for k, a in field.args.items()
            if isinstance(a.type, GraphQLNonNull)}
    extra = OVERRIDES.get(name, {})
    args.update(extra(world) if callable(extra) else extra)
    return {k: v for k, v in args.items() if v is not None}


# --- Documents -----------------------------------------------------------------------------
def _selection(gql_type) -> str:
    named = get_named_type(gql_type)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if named.name.endswith("Connection"):
        return "{ edges { node { __typename } } }"
    if "errors" in named.fields:  # a mutation payload
        return "{ __typename errors { code } }"
    return "{ __typename }"


def document(kind: str, name: str, args: dict) -> tuple[str, dict]:
    root = schema().query_type if kind == "query" else schema().mutation_type
    field = root.fields[name]
    decl = ", ".join(f"${k}: {field.args[k].type}" for k in args)
    call = ", ".join(f"{k}: ${k}" for k in args)
    head = f"{kind} Matrix({decl})" if decl else kind
    body = f"{name}({call})" if call else name
    return f"{head} {{ {body} {_selection(field.type)} }}", args


# --- Running and naming the outcome --------------------------------------------------------
@dataclass
class Call:
    status: int
    body: dict


def post(query: str, variables: dict | None, user) -> Call:
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(user)}"} if user is not None else {}
    response = Client().post("/graphql/", data=json.dumps({"query": query,
                                                           "variables": variables or {}}),
                             content_type="application/json", **headers)
    return Call(response.status_code, response.json())


def run_rolled_back(query: str, variables: dict | None, user) -> Call:
    cache.clear()  # the sign-in limiter's counters live there, outside the rollback
    with transaction.atomic():
        call = post(query, variables, user)
        transaction.set_rollback(True)
    return call


def outcome(name: str, call: Call) -> str:
    if call.status >= 500:
        return f"HTTP_{call.status}"
    errors = call.body.get("errors") or []
    if errors:
        codes = sorted({(e.get("extensions") or {}).get("code", "NO_CODE") for e in errors})
        return "|".join(codes)
    value = (call.body.get("data") or {}).get(name)
    if isinstance(value, dict) and "errors" in value:
        codes = sorted({e["code"] for e in value["errors"]})
        return "|".join(codes) if codes else "OK"
    if value is None or value == [] or (isinstance(value, dict) and value.get("edges") == []):
        return "EMPTY"
    return "OK"


def observe(world: World, role: str, kind: str, name: str) -> str:
    args = arguments(kind, name, world)
    query, variables = document(kind, name, args)
    return outcome(name, run_rolled_back(query, variables, world.users[role]))

