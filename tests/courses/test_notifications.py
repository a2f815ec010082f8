"""Learners are told when a place is theirs — once per event, and not on rollback."""

import pytest
from graphql_relay import to_global_id

from backend.notifications.models import Notification, NotificationKind

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

    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (resident.pk, NotificationKind.ENROLLMENT_CONFIRMED)]
    enrollment_id = first.data["courseEnroll"]["enrollment"]["id"]
    result = gql(CANCEL, {"id": enrollment_id}, user=resident)
    assert result.data["enrollmentCancel"]["promoted"] is not None
    promoted = Notification.objects.get(kind=NotificationKind.WAITLIST_PROMOTED)
    assert promoted.user_id == waiting.pk
    assert run.code in promoted.body


def test_a_refused_enrolment_tells_nobody(gql, run, resident):
    run.course.published = False
    run.course.save()
    result = gql(ENROLL, {"id": to_global_id("CourseRun", run.pk)}, user=resident)
    assert result.data["courseEnroll"]["errors"][0]["code"] == "ENROLLMENT_CLOSED"
    assert not Notification.objects.exists()
