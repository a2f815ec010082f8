"""Documents generated from the committed SDL (frontend_api/schema.graphql): one per list
field reachable from the root query through up to three nested lists, objects in between
free. Each level selects its scalar fields (those without required arguments), so every
resolver on the way runs; a connection is read as `edges { node { ... } }`.

Used by tests/frontend_api/test_no_n_plus_one.py: each document must cost the same number
of queries at 1 and at 50 rows."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graphql import (
    GraphQLList,
    GraphQLObjectType,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined

SDL = Path(__file__).resolve().parents[2] / "frontend_api" / "schema.graphql"
MAX_LISTS = 3
# Object hops between lists are free, but a path must stay under the depth limit (10, with
# `edges { node }` taking two levels per connection).
MAX_DEPTH = 9


@dataclass(frozen=True)
class Path_:
    fields: tuple[str, ...]  # root field first; connections stand for edges.node

    @property
    def name(self) -> str:
        return ".".join(self.fields)


def _is_connection(named) -> bool:
    return (isinstance(named, GraphQLObjectType)
            and "edges" in named.fields and "pageInfo" in named.fields)


def _node_type(named):
    edge = get_named_type(named.fields["edges"].type)
    return get_named_type(edge.fields["node"].type)


def _unwrap(field):
    """(object type of the rows or the object, is a list, is a connection, depth it takes)."""
    named = get_named_type(field.type)
    if _is_connection(named):
        return _node_type(named), True, True, 3
    is_list = isinstance(get_nullable_type(field.type), GraphQLList)
    return named, is_list, False, 1


def _required_args(field) -> bool:
    return any(is_non_null_type(arg.type) and arg.default_value is Undefined
               for arg in field.args.values())


def root_fields_with_required_args(gql_schema=None) -> set[str]:
    """Root fields a walk must give arguments to (`document(..., root_args=...)`)."""
    gql_schema = gql_schema or schema()
    return {name for name, field in gql_schema.query_type.fields.items()
            if _required_args(field)}


@lru_cache(maxsize=1)
def schema():
    return build_schema(SDL.read_text(encoding="utf-8"))


def list_paths(gql_schema=None, root_args: frozenset = frozenset()) -> list[Path_]:
    """Paths from the root; a root field with required arguments only if it is in
    `root_args` (the walk then supplies them)."""
    gql_schema = gql_schema or schema()
    found: list[Path_] = []

    def walk(obj_type, trail, lists, depth, seen):
        for name, field in sorted(obj_type.fields.items()):
            named, is_list, _conn, cost = _unwrap(field)
            given = not trail and name in root_args
            if not isinstance(named, GraphQLObjectType) or (_required_args(field)
                                                           and not given):
                continue
            if depth + cost > MAX_DEPTH or (named.name, is_list) in seen:
                continue
            if is_list:
                if lists + 1 > MAX_LISTS:
                    continue
                found.append(Path_((*trail, name)))
            walk(named, (*trail, name), lists + is_list, depth + cost,
                 seen | {(named.name, is_list)})

    walk(gql_schema.query_type, (), 0, 0, frozenset())
    return found


def root_is_list(path: Path_, gql_schema=None) -> bool:
    """Whether the path starts from a root list (rather than one object, `course(id:)`)."""
    gql_schema = gql_schema or schema()
    return _unwrap(gql_schema.query_type.fields[path.fields[0]])[1]


def _leaves(obj_type) -> list[str]:
    return [name for name, field in sorted(obj_type.fields.items())
            if is_leaf_type(get_named_type(field.type)) and not _required_args(field)]


def document(path: Path_, gql_schema=None, first: int = 100,
             root_args: dict[str, str] | None = None) -> str:
    """The query for `path`; `root_args` gives a root field's arguments as GraphQL text
    (`{"course": 'id: "Q291cnNlOjE="'}`)."""
    gql_schema = gql_schema or schema()
    root_args = root_args or {}

    def level(obj_type, rest, top) -> str:
        inner = " ".join(_leaves(obj_type))
        if rest:
            field = obj_type.fields[rest[0]]
            named, _is_list, conn, _cost = _unwrap(field)
            sub = level(named, rest[1:], False)
            args = [root_args[rest[0]]] if top and rest[0] in root_args else []
            if conn:
                args.append(f"first: {first}")
            arg_text = f"({', '.join(args)})" if args else ""
            if conn:
                sub_text = f"{rest[0]}{arg_text} {{ edges {{ node {{ {sub} }} }} }}"
            else:
                sub_text = f"{rest[0]}{arg_text} {{ {sub} }}"
            inner = f"{inner} {sub_text}".strip()
        return inner or "__typename"

    return "query { " + level(gql_schema.query_type, path.fields, True) + " }"
