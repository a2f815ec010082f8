"""The .ics feed lists exactly the person's own volunteer commitments (not tutoring, which
the tutoring feed lists), with stable UIDs, growing SEQUENCE and STATUS:CANCELLED."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from backend.core.calendar import sequence_from
from tests.factories.volunteers import ShiftFactory, commitment
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count
from volunteers import selectors, services
from volunteers.models import Commitment, CommitmentKind, CommitmentStatus, ShiftSignUp

pytestmark = pytest.mark.django_db


def _feed(user):
    url = gql("{ me { calendarUrl } }", user=user).data["me"]["calendarUrl"]
    response = Client().get(urlparse(url).path)
    assert response.status_code == 200
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_feed_lists_exactly_the_persons_own_commitments(
        volunteer_user, haircut_volunteer, make_volunteer, community, job_start):
    # given the volunteer's commitments of each kind, in and out of the window
    now = timezone.now()
    mine = haircut_volunteer
    job = commitment(mine, job_start, job_start + timedelta(hours=1),
                     kind=CommitmentKind.DISPATCH)
    job.title = "上门服务：理发"
    job.save()
    shift = ShiftFactory(event__community=community, event__place="金口路社区活动室")
    signup = ShiftSignUp.objects.create(shift=shift, volunteer=mine)
    signup.commitment = commitment(mine, shift.starts_at, shift.ends_at,
                                   kind=CommitmentKind.SHIFT)
    signup.save()
    done = commitment(mine, now - timedelta(days=3), now - timedelta(days=3, hours=-2),
                      status=CommitmentStatus.COMPLETED)
    dropped = commitment(mine, job_start + timedelta(days=1),
                         job_start + timedelta(days=1, hours=1), status=CommitmentStatus.CONFIRMED)
    services.commitment_cancel(commitment=dropped)
    tutoring = commitment(mine, job_start + timedelta(days=2),
                          job_start + timedelta(days=2, hours=1), kind=CommitmentKind.TUTORING)
    too_old = commitment(mine, now - timedelta(days=40), now - timedelta(days=40, hours=-1))
    too_far = commitment(mine, now + timedelta(days=200), now + timedelta(days=200, hours=1))
    # and someone else's
    other = make_volunteer()
    theirs = commitment(other, job_start, job_start + timedelta(hours=1))
    # when the volunteer's feed is fetched
    events = _feed(volunteer_user)
    # then exactly their in-window, non-tutoring commitments are there
    expected = {job, signup.commitment, done, dropped}
    assert set(events) == {f"commitment-{c.pk}@linli" for c in expected}
    for excluded in (tutoring, too_old, too_far, theirs):
        assert f"commitment-{excluded.pk}@linli" not in events
    dropped.refresh_from_db()
    cancelled = events[f"commitment-{dropped.pk}@linli"]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) == sequence_from(dropped.updated_at)
    first = events[f"commitment-{job.pk}@linli"]
    assert str(first["status"]) == "CONFIRMED"
    assert str(first["summary"]) == "上门服务：理发"
    assert first.decoded("dtstart") == job_start
    assert str(events[f"commitment-{signup.commitment.pk}@linli"]["location"]) == \
        "金口路社区活动室"
    # and the other volunteer's feed holds only theirs
    assert set(_feed(other.user)) == {f"commitment-{theirs.pk}@linli"}


def test_an_edit_raises_the_sequence_and_keeps_the_uid(volunteer_user, haircut_volunteer,
                                                       job_start):
    held = commitment(haircut_volunteer, job_start, job_start + timedelta(hours=1),
                      status=CommitmentStatus.TENTATIVE)
    # as if created five minutes ago (the SEQUENCE has one-second resolution)
    Commitment.objects.filter(pk=held.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5))
    before = int(_feed(volunteer_user)[f"commitment-{held.pk}@linli"]["sequence"])
    services.commitment_confirm(commitment=held)
    after = int(_feed(volunteer_user)[f"commitment-{held.pk}@linli"]["sequence"])
    assert after > before


def test_people_without_a_roster_entry_get_an_empty_feed(resident):
    assert _feed(resident) == {}
    assert selectors.calendar_items_for_user(None) == []


def test_calendar_items_cost_a_constant_number_of_queries(volunteer_user, haircut_volunteer,
                                                          community, job_start):
    def add(n):
        for _ in range(n):
            shift = ShiftFactory(event__community=community,
                                 event__starts_at=job_start + timedelta(days=len(added)))
            signup = ShiftSignUp.objects.create(shift=shift, volunteer=haircut_volunteer)
            signup.commitment = commitment(haircut_volunteer, shift.starts_at, shift.ends_at,
                                           kind=CommitmentKind.SHIFT)
            signup.save()
            added.append(signup)

    added, counts = [], {}
    for n, more in ((1, 1), (50, 49)):
        add(more)
        with assert_query_count("volunteers.calendarItemsForUser") as ctx:
            items = selectors.calendar_items_for_user(volunteer_user)
        assert len(items) == n and all(item.location for item in items)
        counts[n] = len(ctx.captured_queries)
    assert counts[1] == counts[50], counts
