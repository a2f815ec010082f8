"""The query-count gate: the scripted scenario's steps (tests/scenario.py) each cost exactly
their pin in tests/query_pins.py ("scenario.*", the one source of truth), and the gate
reports the step that issues a query more."""

import pytest

from courses import selectors as course_selectors
from tests import scenario
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count, pinned_count

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roomy_cost_limits")]


def run_gate(world) -> tuple[list[str], object]:
    """Run every step in order; (the first line of each step's pin failure, last result)."""
    failures = []
    result = None
    for step in scenario.steps(world):
        try:
            with assert_query_count(step.name):
                result = gql(step.document, step.variables, user=step.user)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
        step.check(result)
    return failures, result


@pytest.mark.parametrize("size", [1, 30], ids=["small", "large"])
def test_each_scenario_step_costs_its_pin(size):
    # the same pins hold for a small and a larger world: no step grows with the rows
    failures, result = run_gate(scenario.arrange(volunteers=size, courses=size))
    assert failures == []
    assert result.data["dispatchCreate"]["serviceRequest"]["status"] == "OFFERED"


def test_the_gate_fails_on_the_step_that_adds_a_query(monkeypatch):
    # A service that starts issuing one query more (here the payload load of courseEnroll)
    # fails the gate, which names that step and only that step.
    original = course_selectors.enrollment_get_counted

    def with_one_more_query(pk):
        course_selectors.venue_list().exists()
        return original(pk)

    monkeypatch.setattr(course_selectors, "enrollment_get_counted", with_one_more_query)
    failures, _result = run_gate(scenario.arrange())
    expected = pinned_count("scenario.courseEnroll")
    assert len(failures) == 1, failures
    assert failures[0].startswith("scenario.courseEnroll ")
    assert f"expected {expected} SQL queries, got {expected + 1} (+1)" in failures[0]
