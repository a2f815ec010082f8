"""Probe row 7 (issue #13): community staff enrolled any user of the district into their
runs by id — other streets' residents, the admin — using a seat and sending a notice, and
the answer told whether that user held a staff role.

Acting for someone goes through the one rule (accounts.permissions.can_act_for), checked
before anything about the person is used: every refusal is the same PERMISSION_DENIED, with
no seat taken, no notice, no audit entry.
"""

import pytest
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.models import AuditLog
from backend.notifications.models import Notification
from backend.wechat.models import BindingLink
from courses.models import Audience, Enrollment
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.courses import publish_slot
from tests.factories.wechat import WeChatAccountFactory

pytestmark = pytest.mark.django_db

ENROLL = """mutation($runId: ID!, $userId: ID) {
  courseEnroll(runId: $runId, userId: $userId) {
    enrollment { id status } errors { field code message } } }"""

BOOK = """mutation($slotId: ID!, $userId: ID) {
  tutoringBook(slotId: $slotId, userId: $userId) {
    booking { id status } errors { field code message } } }"""


def _uid(pk):
    return to_global_id("User", str(pk))


@pytest.fixture
def targets(other_community, district_admin, community):
    """Everyone a desk worker of `community` must not reach, by what the probe tried."""
    return {
        "other street's resident": _uid(UserFactory(community=other_community).pk),
        "the district admin": _uid(district_admin.pk),
        "a colleague coordinating": _uid(user_with_role(Role.STREET_COORDINATOR,
                                                        community=community).pk),
        "nobody (unknown id)": _uid(999_999),
        "a malformed id": "not-an-id",
    }


def _answer(result):
    return result.data, [e["extensions"]["code"] for e in result.errors or []]


def test_staff_enrol_only_people_they_serve_and_a_refusal_reveals_nothing(
        gql, run, community_staff, community, targets):
    # given a resident-audience run, so a staff target would have said NOT_IN_AUDIENCE
    run.course.audience = Audience.RESIDENT
    run.course.save(update_fields=["audience"])
    answers = {name: _answer(gql(ENROLL, {"runId": to_global_id("CourseRun", run.pk),
                                          "userId": uid}, user=community_staff))
               for name, uid in targets.items()}
    # then every target gets one and the same answer, and nothing happened
    assert set(map(repr, answers.values())) == {
        repr(({"courseEnroll": None}, ["PERMISSION_DENIED"]))}, answers
    assert not Enrollment.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditLog.objects.filter(action="enrollment.create").exists()
    run.refresh_from_db()
    assert run.enrolled_count == 0
    # control: a resident of her own community is enrolled
    neighbour = UserFactory(community=community)
    ok = gql(ENROLL, {"runId": to_global_id("CourseRun", run.pk), "userId": _uid(neighbour.pk)},
             user=community_staff)
    assert ok.errors is None and ok.data["courseEnroll"]["errors"] == []
    assert Enrollment.objects.get().user == neighbour


def test_staff_book_tutoring_only_for_people_they_serve(gql, tutor, community_staff, targets):
    slot = publish_slot(tutor, capacity=5)
    answers = {name: _answer(gql(BOOK, {"slotId": to_global_id("TutoringSlot", slot.pk),
                                        "userId": uid}, user=community_staff))
               for name, uid in targets.items()}
    assert set(map(repr, answers.values())) == {
        repr(({"tutoringBook": None}, ["PERMISSION_DENIED"]))}, answers
    assert not slot.bookings.exists()


def test_a_desk_worker_cannot_make_a_binding_link_for_the_admin(gql, community_staff,
                                                                district_admin):
    """A binding link for the admin would bind the staff's own WeChat to the admin."""
    WeChatAccountFactory(slug="weishinan")  # the district account the link would use
    result = gql("""mutation($u: ID!) { wechatBindingLinkCreate(userId: $u) {
                    url errors { code } } }""", {"u": _uid(district_admin.pk)},
                 user=community_staff)
    assert result.data["wechatBindingLinkCreate"]["url"] is None
    assert [e["code"] for e in result.data["wechatBindingLinkCreate"]["errors"]] == [
        "OUTSIDE_YOUR_UNIT"]
    assert not BindingLink.objects.exists()


def test_cancelling_for_someone_follows_the_same_rule(gql, run, community_staff,
                                                      other_community):
    stranger = UserFactory(community=other_community)
    enrollment = Enrollment.objects.create(user=stranger, run=run, status="ENROLLED")
    result = gql("""mutation($id: ID!) { enrollmentCancel(enrollmentId: $id) {
                    enrollment { status } errors { code } } }""",
                 {"id": to_global_id("Enrollment", enrollment.pk)}, user=community_staff)
    assert [e["extensions"]["code"] for e in result.errors] == ["PERMISSION_DENIED"]
    enrollment.refresh_from_db()
    assert enrollment.status == "ENROLLED"
