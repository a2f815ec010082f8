"""Descriptions for the parts of the schema graphene generates, so `schema.graphql` reads as
the API reference. tests/frontend_api/test_schema_descriptions.py checks that nothing is left
without one."""

from collections.abc import Callable
from enum import Enum
from typing import Any

import graphene
from graphene import Dynamic
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, get_named_type

# The codes every domain's error enum repeats (backend/core/error_codes.py).
COMMON_ERROR_CODES = {
    "INVALID": "The input breaks a rule that has no code of its own; the message says which.",
    "REQUIRED": "A required value is missing or blank.",
    "NOT_FOUND": "An ID in the input names nothing you can see (unknown, wrong type or "
                 "hidden from you).",
    "IDEMPOTENCY_KEY_REUSED": "This idempotencyKey was already used by you with different "
                              "input; nothing was done.",
}


def enum_description(description: str, values: dict[str, str]) -> Any:
    """For `graphene.Enum.from_enum(..., description=...)`: the type's description and one
    per value (graphene calls it with None for the type, with the member for a value).
    Every member must be described, so a new one fails at import instead of going out blank.
    """

    def describe(member: Enum | None) -> str:
        if member is None:
            return description
        return values[member.name]

    def check(py_enum: type[Enum]) -> Callable:
        missing = set(py_enum.__members__) - set(values)
        if missing:
            raise ValueError(f"{py_enum.__name__}: describe {', '.join(sorted(missing))}")
        return describe

    describe.check = check  # type: ignore[attr-defined]
    return describe


def enum_from(py_enum: type[Enum], name: str, description: str, values: dict[str, str]):
    """`graphene.Enum.from_enum` with a description for the type and for every value."""
    return graphene.Enum.from_enum(
        py_enum, name=name, description=enum_description(description, values).check(py_enum))


def field_descriptions(**descriptions: str) -> Callable[[type], type]:
    """Class decorator for a DjangoObjectType: describes the fields graphene-django generates
    from `Meta.fields` (which would otherwise carry the model's Chinese verbose_name or
    nothing). Fields declared on the class take `description=` where they are declared."""

    def decorate(cls: Any) -> type:
        fields = cls._meta.fields
        unknown = set(descriptions) - set(fields)
        if unknown:
            raise ValueError(f"{cls.__name__} has no fields {', '.join(sorted(unknown))}")
        for name, text in descriptions.items():
            field = fields[name]
            if isinstance(field, Dynamic):  # relations: mounted when the schema is built
                field.type = _described(field.type, text)
            else:
                field.description = text
        return cls

    return decorate


def _described(make_field: Callable, text: str) -> Callable:
    def make(*args, **kwargs):
        field = make_field(*args, **kwargs)
        if field is not None:
            field.description = text
        return field

    return make


# --- Relay plumbing ------------------------------------------------------------------------
# graphene builds the Node interface, the connection and edge types and the pagination
# arguments itself, with placeholder texts ("The ID of the object") or none. They are the same
# for every type, so they are described here once, on the built schema, per type.

PAGINATION_ARGS = {
    "first": "Return at most this many items from the start (or after `after`); more than "
             "100 is an error. Without `first` or `last`, the first 100.",
    "after": "A cursor (`pageInfo.endCursor` of the previous page): return items after it.",
    "last": "Return at most this many items from the end (or before `before`); at most 100.",
    "before": "A cursor (`pageInfo.startCursor`): return items before it.",
    "offset": "Skip this many items first (an alternative to `after`).",
}


def describe_relay_plumbing(schema: GraphQLSchema) -> None:
    node = schema.type_map.get("Node")
    if isinstance(node, GraphQLInterfaceType):
        node.description = ("An object with a Relay global ID, the `id` every API argument "
                            "that names such an object takes.")
        node.fields["id"].description = "The object's Relay global ID (opaque)."
    for name, type_ in schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or name.startswith("__"):
            continue
        if node is not None and node in type_.interfaces:
            type_.fields["id"].description = (
                f"The {name}'s Relay global ID (opaque); pass it wherever an argument takes "
                f"a {name} ID.")
        if name.endswith("Connection") and "edges" in type_.fields:
            item = get_named_type(get_named_type(type_.fields["edges"].type).fields["node"].type)
            type_.description = (f"One page of {item.name} items, in the order the query "
                                 "defines; `pageInfo` says whether there are more.")
            type_.fields["pageInfo"].description = "Where this page sits in the whole list."
            type_.fields["edges"].description = f"The {item.name} items on this page, in order."
        if name.endswith("Edge") and set(type_.fields) >= {"node", "cursor"}:
            item = get_named_type(type_.fields["node"].type)
            type_.description = f"One {item.name} on a page, with its cursor."
            type_.fields["node"].description = f"The {item.name}."
            type_.fields["cursor"].description = (
                "This item's position; pass it as `after` or `before` to page from here.")
        for field in type_.fields.values():
            if get_named_type(field.type).name.endswith("Connection"):
                for arg_name, arg in field.args.items():
                    if arg_name in PAGINATION_ARGS and not arg.description:
                        arg.description = PAGINATION_ARGS[arg_name]
