"""Every type, field, argument, enum value and input field of the API has a real description,
so the committed `frontend_api/schema.graphql` is the API reference.

"Real" means: present, not blank, written in English (it has Latin letters; Chinese terms
inside it are fine), not one of graphene's placeholders, and not a Django model's
verbose_name, help_text or choice label passed through by graphene-django (those are Chinese
admin labels, not API documentation).

Exempt, on purpose:
- introspection types (`__Schema`, `__Type`, ...): graphql-core's own, documented by the spec;
- the built-in scalars (String, Int, Float, Boolean, ID): the GraphQL spec defines them;
- graphene's DateTime / Date / Time scalars keep their texts, which name the ISO 8601 format
  (they are checked like everything else, so a blank one would fail);
- PageInfo: graphene's copy of the Relay spec type; its texts are accurate and it is one
  shared type, so it is checked like everything else rather than rewritten.
"""

import re

from django.apps import apps
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from frontend_api.schema import schema

SCHEMA = schema.graphql_schema

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}

# graphene's and graphene-django's generated texts, which say nothing about Linli.
PLACEHOLDERS = {
    "the id of the object",
    "an object with an id",
    "an enumeration",
    "pagination data for this connection",
    "contains the nodes in this connection",
    "the item at the end of the edge",
    "a cursor for use in pagination",
}
PLACEHOLDER_PATTERNS = [
    re.compile(r"^A Relay edge containing a `\w+` and its cursor\.?$"),
    re.compile(r"^The ID of the object\.?$", re.IGNORECASE),
]


def _normalise(text: str) -> str:
    return text.strip().rstrip(".").strip().lower()


def _model_texts() -> set[str]:
    """verbose_name, help_text and choice labels of every model field in the project."""
    texts = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for attr in ("verbose_name", "help_text"):
                value = getattr(field, attr, None)
                if value:
                    texts.add(_normalise(str(value)))
            for _value, label in getattr(field, "flatchoices", None) or []:
                texts.add(_normalise(str(label)))
    return texts


def _problem(description: str | None, model_texts: set[str]) -> str | None:
    if description is None or not description.strip():
        return "no description"
    if _normalise(description) in PLACEHOLDERS or any(
            p.match(description.strip()) for p in PLACEHOLDER_PATTERNS):
        return f"graphene placeholder {description!r}"
    if _normalise(description) in model_texts:
        return f"a model's verbose_name/help_text/label {description!r}"
    if not re.search(r"[A-Za-z]{2}", description):
        return f"not written in English {description!r}"
    return None


def _missing_descriptions() -> list[str]:
    model_texts = _model_texts()
    found = []

    def check(where: str, description: str | None):
        problem = _problem(description, model_texts)
        if problem:
            found.append(f"{where}: {problem}")

    for name, type_ in sorted(SCHEMA.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        check(name, type_.description)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name})", arg.description)
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                check(f"{name}.{field_name}", field.description)
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                check(f"{name}.{value_name}", value.description)
        else:
            assert isinstance(type_, GraphQLScalarType), type_
    return found


def test_every_part_of_the_schema_has_a_real_description():
    missing = _missing_descriptions()
    assert not missing, (
        f"{len(missing)} schema elements lack a real description (add description=...):\n  "
        + "\n  ".join(missing))


def test_the_check_catches_placeholders_and_model_labels():
    model_texts = {"课程编号"}
    assert _problem(None, model_texts)
    assert _problem("  ", model_texts)
    assert _problem("An enumeration.", model_texts)
    assert _problem("The ID of the object", model_texts)
    assert _problem("A Relay edge containing a `Course` and its cursor.", model_texts)
    assert _problem("课程编号", model_texts)
    assert _problem("百分制。", model_texts)
    assert _problem("The run's short code, e.g. WX2612-03.", model_texts) is None
