"""Anonymising accounts (deletion requests, the retention job) keeps the statistics: the
district's `stats` answer is the same before and after every resident and volunteer of the
seeded district is anonymised."""

import pytest

from backend.accounts import anonymise
from backend.accounts.models import Role, User
from tests.factories.accounts import user_with_role

from .dataset import build
from .test_stats_query import QUERY, _variables

pytestmark = pytest.mark.django_db


def test_stats_are_unchanged_by_anonymisation(gql):
    district = build()
    admin = user_with_role(Role.DISTRICT_ADMIN)
    before = gql(QUERY, _variables("street", district.streets[0]), user=admin)
    whole_before = gql(QUERY, _variables(), user=admin)
    assert before.errors is None and whole_before.errors is None
    people = list(User.objects.exclude(pk=admin.pk).filter(is_staff=False))
    assert len(people) > 20
    for person in people:
        anonymise.anonymise_user(user=person, actor=admin, why="test")
    assert User.objects.filter(anonymised_at__isnull=False).count() == len(people)
    after = gql(QUERY, _variables("street", district.streets[0]), user=admin)
    whole_after = gql(QUERY, _variables(), user=admin)
    assert after.data == before.data
    assert whole_after.data == whole_before.data
    assert whole_before.data["stats"]["enrollments"] > 0
    assert whole_before.data["stats"]["volunteerHours"] > 0
