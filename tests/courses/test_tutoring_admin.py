import pytest
from django.test import Client
from django.urls import reverse

from tests.factories.courses import TutoringSlotFactory, book, make_tutor

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def slots(community, other_community):
    here = TutoringSlotFactory(tutor=make_tutor(community), topic="本社区辅导")
    there = TutoringSlotFactory(tutor=make_tutor(other_community), topic="外街道辅导")
    return here, there


@pytest.mark.parametrize("page", ["tutoringslot", "tutoringbooking"])
def test_a_coordinator_sees_only_their_units_tutoring(slots, coordinator, resident, page):
    here, there = slots
    book(here, resident)
    book(there, resident)
    response = _client(coordinator).get(reverse(f"admin:courses_{page}_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "本社区辅导" in content and "外街道辅导" not in content


def test_tutoring_admin_is_read_only_and_closed_to_residents(slots, coordinator, resident):
    here, _there = slots
    assert _client(coordinator).get(
        reverse("admin:courses_tutoringslot_add")).status_code == 403
    assert _client(resident).get(
        reverse("admin:courses_tutoringslot_changelist")).status_code in (302, 403)
    page = _client(coordinator).get(reverse("admin:courses_tutoringslot_change", args=[here.pk]))
    assert page.status_code == 200 and "本社区辅导" in page.content.decode()
