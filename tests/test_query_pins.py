"""The query-count helper and the pins themselves: a pin cannot pass vacuously."""

import re
from pathlib import Path

import pytest
from django.db import connection

from tests.factories.accounts import StreetFactory
from tests.helpers.graphql import gql
from tests.helpers.queries import (
    assert_database_query_count,
    assert_query_count,
    count_queries,
    pinned_count,
    query_count,
)
from tests.query_pins import PINS

pytestmark = pytest.mark.django_db

STREETS = "{ streets { id name communities { id name } } }"


def _one_more_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 AS one_more_query")


def test_the_helper_passes_on_the_exact_count():
    with assert_database_query_count(2) as ctx:
        _one_more_query()
        _one_more_query()
    assert len(ctx) == 2


def test_an_extra_query_in_the_block_fails_and_shows_the_sql():
    with (pytest.raises(AssertionError) as failure,
          assert_database_query_count(1, label="probe")):
        _one_more_query()
        _one_more_query()
    message = str(failure.value)
    assert "probe" in message and "expected 1 SQL queries, got 2 (+1)" in message
    assert message.count("SELECT 1 AS one_more_query") >= 2
    assert "Repeated statements" in message  # the N+1 hint names the repeated statement


def test_a_missing_query_fails_too():
    with (pytest.raises(AssertionError, match=r"expected 2 SQL queries, got 1 \(-1\)"),
          assert_database_query_count(2)):
        _one_more_query()


def test_a_real_pinned_operation_fails_when_it_runs_one_query_more():
    # the streets list passes its pin as it is ...
    StreetFactory()
    with assert_query_count("streets"):
        gql(STREETS)
    # ... and fails it with a single added query, which the message lists
    with pytest.raises(AssertionError) as failure, assert_query_count("streets"):
        gql(STREETS)
        _one_more_query()
    expected = pinned_count("streets")
    assert f"got {expected + 1} (+1)" in str(failure.value)
    assert "one_more_query" in str(failure.value)


def test_an_error_in_the_block_is_not_hidden_by_the_count():
    with pytest.raises(ZeroDivisionError), assert_database_query_count(5):
        1 / 0


def test_the_old_helpers_still_count():
    assert query_count(_one_more_query) == 1
    with count_queries() as ctx:
        _one_more_query()
    assert len(ctx.captured_queries) == 1


def test_per_vendor_pins_resolve_for_this_database(monkeypatch):
    monkeypatch.setitem(PINS, "probe.perVendor", {"postgresql": 3, "sqlite": 2})
    assert pinned_count("probe.perVendor", "postgresql") == 3
    assert pinned_count("probe.perVendor", "sqlite") == 2
    assert pinned_count("probe.perVendor") == {"postgresql": 3, "sqlite": 2}[connection.vendor]
    with pytest.raises(KeyError, match="no query pin named"):
        pinned_count("probe.noSuchPin")


@pytest.mark.parametrize("name", sorted(PINS))
def test_every_pin_is_well_formed_and_used_by_a_test(name):
    pin = PINS[name]
    values = pin.values() if isinstance(pin, dict) else [pin]
    if isinstance(pin, dict):
        assert set(pin) == {"postgresql", "sqlite"}, pin
    assert all(isinstance(v, int) and v > 0 for v in values), pin
    tests_dir = Path(__file__).parent
    sources = (p.read_text(encoding="utf-8") for p in tests_dir.rglob("*.py")
               if p.name != "query_pins.py")
    assert any(re.search(rf'"{re.escape(name)}"', text) for text in sources), (
        f"pin {name!r} is not measured by any test: remove it or add the test")
