"""The community desk's lists: the call list (who a notification could not reach, phone
read audited, marked handled), the volunteer roster and residents' upcoming bookings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import Role
from backend.core.models import AuditLog
from backend.notifications.models import Notification, NotificationStatus, SkipReason
from courses.models import Enrollment, EnrollmentStatus
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.courses import CourseRunFactory, TutoringSlotFactory, book
from tests.factories.notifications import NotificationFactory
from tests.factories.volunteers import VolunteerFactory, give_skill
from tests.helpers.queries import assert_query_count

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _unreached(user, *, status=NotificationStatus.SKIPPED,
               skip_reason=SkipReason.NO_SENDABLE_ACCOUNT, days_ago=0, **kwargs):
    row = NotificationFactory(user=user, status=status, skip_reason=skip_reason, **kwargs)
    if days_ago:
        Notification.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago))
    return row


@pytest.fixture
def granny(community):
    return UserFactory(community=community, display_name="王秀英", phone=PHONE)


def _rows(response):
    return response.content.decode().count('data-testid="call-row"')


def test_staff_of_the_community_sees_her_call_list_newest_first(client, community_staff,
                                                                granny):
    older = _unreached(granny, title="派单邀请", days_ago=3)
    newer = _unreached(granny, status=NotificationStatus.FAILED, skip_reason="",
                       title="上课提醒：智能手机入门", body="明天上午9点在金口路社区活动室上课。")
    _unreached(granny, days_ago=20, title="太久以前")                # outside 14 days
    _unreached(granny, skip_reason=SkipReason.USER_INACTIVE, title="账号已停用")
    NotificationFactory(user=granny, status=NotificationStatus.SENT,
                        sent_at=timezone.now(), title="已送到")
    client.force_login(community_staff)

    response = client.get("/desk/calls/")

    html = response.content.decode()
    assert response.status_code == 200 and _rows(response) == 2
    assert html.index(newer.title) < html.index(older.title)
    assert "明天上午9点在金口路社区活动室上课。" in html
    assert "王秀英" in html and PHONE not in html and "139****5678" in html
    assert "太久以前" not in html and "账号已停用" not in html and "已送到" not in html


def test_staff_of_another_community_sees_nothing(client, granny, other_community):
    _unreached(granny, title="派单邀请")
    other_staff = user_with_role(Role.COMMUNITY_STAFF, community=other_community)
    client.force_login(other_staff)

    response = client.get("/desk/calls/")

    assert response.status_code == 200 and _rows(response) == 0
    assert "王秀英" not in response.content.decode()
    row = Notification.objects.get()
    assert client.post(f"/desk/calls/{row.pk}/").status_code == 404
    assert client.post(f"/desk/calls/{row.pk}/handled/").status_code == 403
    assert AuditLog.objects.filter(action="personal_data.phone_read").count() == 0
    assert Notification.objects.get().handled_at is None


def test_a_resident_may_not_open_the_call_list(client, resident):
    client.force_login(resident)
    assert client.get("/desk/calls/").status_code == 403


def test_reading_the_phone_is_audited(client, community_staff, granny):
    row = _unreached(granny)
    client.force_login(community_staff)

    response = client.post(f"/desk/calls/{row.pk}/")

    assert response.status_code == 200 and f'href="tel:{PHONE}"' in response.content.decode()
    entry = AuditLog.objects.get(action="personal_data.phone_read")
    assert entry.actor == community_staff
    assert entry.object_id == str(granny.pk) and entry.object_type == "accounts.user"
    assert entry.detail["why"] == "call list" and entry.created_at is not None
    assert PHONE not in str(entry.detail)


def test_a_handled_row_leaves_the_list(client, community_staff, granny):
    row = _unreached(granny)
    kept = _unreached(granny, title="另一条")
    client.force_login(community_staff)

    response = client.post(f"/desk/calls/{row.pk}/handled/")
    assert response.status_code == 302 and response["Location"] == "/desk/calls/"
    assert client.post(f"/desk/calls/{row.pk}/handled/").status_code == 302  # twice: harmless

    row.refresh_from_db()
    assert row.handled_at is not None and row.handled_by == community_staff
    assert AuditLog.objects.filter(action="notification.call_list_handled").count() == 1
    page = client.get("/desk/calls/")
    assert _rows(page) == 1 and kept.title in page.content.decode()


def test_a_coordinator_sees_the_call_lists_of_her_street(client, coordinator, granny):
    _unreached(granny)
    client.force_login(coordinator)
    assert _rows(client.get("/desk/calls/")) == 1





@pytest.mark.parametrize("rows", [1, 20])
def test_call_list_queries_do_not_grow(client, community_staff, community, rows):
    for n in range(rows):
        _unreached(UserFactory(community=community, phone=f"1390000{n:04d}"))
    client.force_login(community_staff)
    client.get("/desk/calls/")  # session warm-up
    with assert_query_count("desk.callList"):
        response = client.get("/desk/calls/")
    assert _rows(response) == rows


# --- the roster ----------------------------------------------------------------------------
def test_the_roster_shows_the_communitys_volunteers_with_skills_and_masked_phones(
        client, community_staff, coordinator, community, other_community):
    mine = VolunteerFactory(community=community, user__display_name="李建国",
                            user__phone=PHONE)
    give_skill(mine, "haircut", credential=False)
    VolunteerFactory(community=other_community, user__display_name="外社区的人")

    client.force_login(community_staff)
    html = client.get("/desk/roster/").content.decode()
    assert "李建国" in html and "理发" in html and "外社区的人" not in html
    assert PHONE not in html and "139****5678" in html

    client.force_login(coordinator)  # her unit's coordinator may see personal data
    assert PHONE in client.get("/desk/roster/").content.decode()


@pytest.mark.parametrize("rows", [1, 20])
def test_roster_queries_do_not_grow(client, community_staff, community, rows):
    for _n in range(rows):
        give_skill(VolunteerFactory(community=community), "haircut", credential=False)
    client.force_login(community_staff)
    client.get("/desk/roster/")
    with assert_query_count("desk.roster"):
        response = client.get("/desk/roster/")
    assert response.content.decode().count('data-testid="roster-row"') == rows


# --- upcoming bookings -----------------------------------------------------------------------
def _bookings(community, tutor, rows, *, when=None):
    for n in range(rows):
        person = UserFactory(community=community, display_name=f"居民{n}")
        slot = TutoringSlotFactory(tutor=tutor)
        if when is not None:
            slot.starts_at, slot.ends_at = when, when + timedelta(hours=1)
            slot.save()
        book(slot, person)
        run = CourseRunFactory(starts_at=timezone.now() + timedelta(days=3 + n),
                               ends_at=timezone.now() + timedelta(days=30))
        Enrollment.objects.create(run=run, user=person, status=EnrollmentStatus.ENROLLED)


def test_bookings_lists_residents_of_my_community_only(client, community_staff, community,
                                                      other_community):
    tutor = VolunteerFactory(community=community)
    _bookings(community, tutor, 1)
    outsider = UserFactory(community=other_community, display_name="外社区居民")
    book(TutoringSlotFactory(tutor=tutor), outsider)
    past = UserFactory(community=community, display_name="上周的居民")
    book(TutoringSlotFactory(tutor=tutor, starts_at=timezone.now() - timedelta(days=7)), past)
    client.force_login(community_staff)

    html = client.get("/desk/bookings/").content.decode()

    assert html.count('data-testid="booking-row"') == 1
    assert html.count('data-testid="enrollment-row"') == 1
    assert "居民0" in html and "外社区居民" not in html and "上周的居民" not in html


@pytest.mark.parametrize("rows", [1, 20])
def test_bookings_queries_do_not_grow(client, community_staff, community, rows):
    _bookings(community, VolunteerFactory(community=community), rows)
    client.force_login(community_staff)
    client.get("/desk/bookings/")
    with assert_query_count("desk.bookings"):
        response = client.get("/desk/bookings/")
    assert response.content.decode().count('data-testid="booking-row"') == rows
