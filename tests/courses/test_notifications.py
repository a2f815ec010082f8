"""Learners are told when a place is theirs — once per event, and not on rollback."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core.links import absolute_url
from backend.notifications.models import Notification, NotificationKind
from courses import tasks
from courses.models import Enrollment
from courses.tutoring import services as tutoring_services
from courses.tutoring import tasks as tutoring_tasks
from tests.factories.courses import ClassSessionFactory

pytestmark = pytest.mark.django_db

ENROLL = """mutation E($id: ID!) { courseEnroll(runId: $id) { enrollment { id status }
            errors { code } } }"""
CANCEL = """mutation C($id: ID!) { enrollmentCancel(enrollmentId: $id) {
            promoted { id } errors { code } } }"""


def test_enrolling_tells_the_learner_and_promotion_tells_the_next(gql, run, user_factory,
                                                                 resident, community):
    run.capacity = 1
    run.save()
    first = gql(ENROLL, {"id": to_global_id("CourseRun", run.pk)}, user=resident)
    waiting = user_factory(community=community)
    gql(ENROLL, {"id": to_global_id("CourseRun", run.pk)}, user=waiting)

    # the first is confirmed, the second told she is on the waitlist (DOMAIN: "enrolment
    # confirmed or waitlisted")
    assert sorted(Notification.objects.values_list("user_id", "kind")) == sorted([
        (resident.pk, NotificationKind.ENROLLMENT_CONFIRMED),
        (waiting.pk, NotificationKind.ENROLLMENT_WAITLISTED)])
    enrollment_id = first.data["courseEnroll"]["enrollment"]["id"]
    # the notice opens the learner's page of that enrolment (the API's global id)
    confirmed = Notification.objects.get(kind=NotificationKind.ENROLLMENT_CONFIRMED)
    assert confirmed.url == absolute_url("page-learn", id=enrollment_id)
    assert confirmed.url.startswith(settings.PUBLIC_BASE_URL)
    result = gql(CANCEL, {"id": enrollment_id}, user=resident)
    assert result.data["enrollmentCancel"]["promoted"] is not None
    promoted = Notification.objects.get(kind=NotificationKind.WAITLIST_PROMOTED)
    assert promoted.user_id == waiting.pk
    assert run.code in promoted.body
    waiting_enrollment = Enrollment.objects.get(user=waiting)
    assert promoted.url == absolute_url("page-learn",
                                        id=to_global_id("Enrollment", waiting_enrollment.pk))


def test_a_refused_enrolment_tells_nobody(gql, run, resident):
    run.course.published = False
    run.course.save()
    result = gql(ENROLL, {"id": to_global_id("CourseRun", run.pk)}, user=resident)
    assert result.data["courseEnroll"]["errors"][0]["code"] == "ENROLLMENT_CLOSED"
    assert not Notification.objects.exists()


def test_reminders_go_out_once_the_day_before(run, resident, enroll, community, user_factory):
    tomorrow_9 = (timezone.localtime() + timedelta(days=1)).replace(hour=9, minute=0)
    ClassSessionFactory(run=run, starts_at=tomorrow_9, ends_at=tomorrow_9 + timedelta(hours=2))
    ClassSessionFactory(run=run, starts_at=tomorrow_9 + timedelta(days=3),
                        ends_at=tomorrow_9 + timedelta(days=3, hours=2))
    enroll(resident, run)
    with time_machine.travel(timezone.localtime().replace(hour=18, minute=0), tick=False):
        tasks.send_reminders()
        tasks.send_reminders()  # beat fired twice
    reminders = Notification.objects.filter(kind=NotificationKind.CLASS_REMINDER)
    assert [n.user_id for n in reminders] == [resident.pk]
    enrollment = Enrollment.objects.get(user=resident)
    assert reminders[0].url == absolute_url("page-learn",
                                            id=to_global_id("Enrollment", enrollment.pk))
    assert f"{tomorrow_9.month}月{tomorrow_9.day}日 09:00" in reminders[0].body


def test_tutoring_notices_link_to_the_bookings_page(resident, slot, tutor):
    booking = tutoring_services.tutoring_book(actor=resident, user=resident, slot_id=slot.pk)
    noon_the_day_before = (timezone.localtime(slot.starts_at) - timedelta(days=1)).replace(
        hour=12, minute=0)
    with time_machine.travel(noon_the_day_before, tick=False):
        assert _send_reminders() == 1
    reminder = Notification.objects.get(kind=NotificationKind.TUTORING_REMINDER)
    assert reminder.url == absolute_url("page-bookings")
    tutoring_services.tutoring_booking_cancel(actor=tutor.user, booking_id=booking.pk)
    tutoring_tasks.booking_cancelled_notify(booking.pk)
    cancelled = Notification.objects.get(kind=NotificationKind.TUTORING_CANCELLED)
    assert cancelled.url == absolute_url("page-bookings")
    local = timezone.localtime(slot.starts_at)
    assert f"{local.month}月{local.day}日 {local:%H:%M}" in cancelled.body


def _send_reminders() -> int:
    return tasks.send_reminders()
