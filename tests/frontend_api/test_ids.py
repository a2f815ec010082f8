"""Relay ids that do not decode, or name nothing, answer in Chinese with a Chinese noun."""

import re
from types import SimpleNamespace

import graphene
import pytest
from django.core.exceptions import ValidationError
from graphql import GraphQLObjectType

from backend.core.errors import error_codes_of
from frontend_api.core.ids import NOUNS, decode_id, not_found
from frontend_api.core.mutations import BaseMutation, UnknownErrorCode, validation_error_to_list
from frontend_api.courses.mutations._common import load as course_load
from frontend_api.schema import schema
from frontend_api.volunteers.mutations._common import load as volunteer_load

ASCII_WORD = re.compile(r"[A-Za-z]")


def node_types() -> list[str]:
    return sorted(
        name for name, type_ in schema.graphql_schema.type_map.items()
        if isinstance(type_, GraphQLObjectType)
        and any(interface.name == "Node" for interface in type_.interfaces))


def test_every_node_type_in_the_schema_has_a_chinese_noun():
    types = node_types()
    assert "CourseRun" in types  # the walk over the schema found the node types
    assert [name for name in types if name not in NOUNS] == []


@pytest.mark.parametrize("type_name", node_types())
def test_a_bad_id_names_the_thing_in_chinese(type_name):
    wrong = graphene.relay.Node.to_global_id("SomethingElse", 1)
    for bad in (wrong, "", "not-base64", graphene.relay.Node.to_global_id(type_name, 0)):
        with pytest.raises(ValidationError) as caught:
            decode_id(bad, type_name, field="some_id")
        message = caught.value.message_dict["some_id"][0]
        assert NOUNS[type_name] in message
        assert not ASCII_WORD.search(message), message
        assert error_codes_of(caught.value) == ["NOT_FOUND"]


def test_a_decoded_id_that_names_nothing_is_not_found_in_the_domains_code():
    run_id = graphene.relay.Node.to_global_id("CourseRun", 999)
    with pytest.raises(ValidationError) as caught:
        course_load(run_id, "CourseRun", lambda pk: None, field="run_id")
    assert caught.value.message_dict["run_id"] == ["找不到这个班期，请检查编号。"]

    offer_id = graphene.relay.Node.to_global_id("Offer", 999)
    with pytest.raises(ValidationError) as caught:
        volunteer_load(lambda pk: None, offer_id, "Offer", field="offer_id")
    assert not ASCII_WORD.search(caught.value.message_dict["offer_id"][0])


# --- Error codes a mutation's enum lacks -------------------------------------------------------
class SmallCodes(graphene.Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


def test_a_listed_code_is_kept():
    errors = validation_error_to_list(not_found("run_id", "CourseRun"), SmallCodes)
    assert [(e["field"], e["code"]) for e in errors] == [("runId", SmallCodes.NOT_FOUND)]


def test_an_unlisted_code_fails_loudly_under_tests(settings):
    assert settings.LINLI_STRICT_ERROR_CODES  # tests/conftest.py turns it on
    exc = ValidationError({"run_id": ValidationError("满了", code="SLOT_FULL")})
    with pytest.raises(UnknownErrorCode, match="SLOT_FULL"):
        validation_error_to_list(exc, SmallCodes)


def test_in_production_an_unlisted_code_is_logged_and_answered_as_invalid(settings, caplog):
    settings.LINLI_STRICT_ERROR_CODES = False
    exc = ValidationError({"run_id": ValidationError("满了", code="SLOT_FULL")})
    errors = validation_error_to_list(exc, SmallCodes)
    assert [e["code"] for e in errors] == [SmallCodes.INVALID]
    assert any("SLOT_FULL" in record.getMessage() and record.levelname == "ERROR"
               for record in caplog.records)


def test_a_mutation_whose_service_raises_an_unlisted_code_fails_the_request(settings):
    """Through BaseMutation: the payload does not quietly turn the code into INVALID."""
    class Probe(BaseMutation):
        login_required = False
        error_codes = SmallCodes
        ok = graphene.Boolean()
        errors = graphene.List(graphene.String)

        @classmethod
        def perform(cls, info, user, **data):
            raise ValidationError({"x": ValidationError("满了", code="SLOT_FULL")})

    info = SimpleNamespace(context=SimpleNamespace(user=None))
    with pytest.raises(UnknownErrorCode):
        Probe.mutate(None, info)
