"""The scripted scenario's steps each cost exactly their pinned number of SQL queries."""

import pytest

from tests import scenario
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roomy_cost_limits")]


@pytest.mark.parametrize("size", [1, 30], ids=["small", "large"])
def test_each_scenario_step_costs_its_pin(size):
    # the same pins hold for a small and a larger world: no step grows with the rows
    world = scenario.arrange(volunteers=size, courses=size)
    for step in scenario.steps(world):
        with assert_query_count(step.name):
            result = gql(step.document, step.variables, user=step.user)
        step.check(result)
    assert result.data["dispatchCreate"]["serviceRequest"]["status"] == "OFFERED"
