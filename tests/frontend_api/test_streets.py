import pytest

from tests.factories.accounts import CommunityFactory, StreetFactory
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count

pytestmark = pytest.mark.django_db

QUERY = "{ streets { id name communities { id name } } }"


def _make(streets: int, communities_each: int):
    for _ in range(streets):
        street = StreetFactory()
        CommunityFactory.create_batch(communities_each, street=street)


def test_streets_query_count_does_not_depend_on_rows():
    _make(1, 1)
    with assert_query_count("streets") as one:
        gql(QUERY)
    _make(49, 7)
    with assert_query_count("streets") as fifty:
        gql(QUERY)
    result = gql(QUERY)
    assert len(result.data["streets"]) == 50
    assert len(one) == len(fifty)


def test_streets_list_communities_in_order(street):
    CommunityFactory(street=street, name="乙", sort_order=2)
    CommunityFactory(street=street, name="甲", sort_order=1)
    names = [c["name"] for c in gql(QUERY).data["streets"][0]["communities"]]
    assert names == ["甲", "乙"]
