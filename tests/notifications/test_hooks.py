"""Domain events that tell someone: each creates one outbox row, in the event's transaction."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from graphql_relay import to_global_id

from backend.certificates import services as certificate_services
from backend.certificates.models import CertificateKind
from backend.notifications.models import Notification, NotificationKind, NotificationStatus
from tests.factories.volunteers import (
    ALL_WEEK,
    VolunteerFactory,
    commitment,
    give_skill,
    set_availability,
)
from tests.factories.wechat import WeChatBindingFactory
from volunteers import services as volunteer_services
from volunteers.models import CommitmentKind, CommitmentStatus, OfferStatus

from .conftest import ok, sends

pytestmark = pytest.mark.django_db


def _next_tuesday_14h() -> datetime:
    day = timezone.localdate() + timedelta(days=7)
    day += timedelta(days=(2 - day.isoweekday()) % 7)
    return timezone.make_aware(datetime(day.year, day.month, day.day, 14, 0))


@pytest.fixture
def haircut_volunteer(community, volunteer_user):
    volunteer = VolunteerFactory(community=community, user=volunteer_user)
    give_skill(volunteer, "haircut")
    set_availability(volunteer, ALL_WEEK)
    return volunteer


def test_an_offer_tells_the_volunteer_when_what_and_where(coordinator, community,
                                                          haircut_volunteer, volunteer_user):
    start = _next_tuesday_14h()
    request = volunteer_services.dispatch_create(
        actor=coordinator, skill_code="haircut", starts_at=start, duration_minutes=60,
        community=community, address="金口路1号 13812341234", note="电话13812341234")
    offer = request.offers.get()
    assert offer.status == OfferStatus.OFFERED

    notification = Notification.objects.get()
    assert notification.user == volunteer_user
    assert notification.kind == NotificationKind.JOB_OFFERED
    assert notification.dedup_key == f"offer:{offer.pk}"
    assert notification.status == NotificationStatus.PENDING
    assert "理发" in notification.body and "金口路社区" in notification.body
    local = timezone.localtime(start)
    assert f"{local.month}月{local.day}日 14:00–15:00" in notification.body
    # the offer page (API.md "Pages"), addressed by the offer's global id
    offer_gid = to_global_id("Offer", offer.pk)
    assert notification.url == (
        f"{settings.PUBLIC_BASE_URL.rstrip('/')}/volunteer/offers/{offer_gid}/")
    assert notification.data["offer_id"] == offer.pk
    # the address and note (which may hold a phone number) are not in the message
    assert "13812341234" not in notification.body + str(notification.data)


def test_a_failed_dispatch_tells_nobody(coordinator, community):
    # no candidate: the request escalates, no offer, no notification
    volunteer_services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=_next_tuesday_14h(), duration_minutes=60,
                                       community=community)
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_bound_volunteer_gets_the_offer_on_wechat(coordinator, community,
                                                   haircut_volunteer, volunteer_user,
                                                   account, wechat):
    WeChatBindingFactory(account=account, user=volunteer_user, openid="oVolunteer")
    ok(wechat)
    volunteer_services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=_next_tuesday_14h(), duration_minutes=60,
                                       community=community)
    assert Notification.objects.get().status == NotificationStatus.SENT
    assert len(sends(wechat)) == 1


@pytest.mark.parametrize("approve, title", [(True, "审核通过"), (False, "未通过")])
def test_reviewed_hours_tell_the_volunteer(coordinator, haircut_volunteer, volunteer_user,
                                           approve, title):
    start = timezone.now() - timedelta(days=2)
    done = commitment(haircut_volunteer, start, start + timedelta(hours=2),
                      status=CommitmentStatus.COMPLETED, kind=CommitmentKind.DISPATCH)
    entry = volunteer_services.service_hours_log(actor=volunteer_user, commitment=done,
                                                 hours="2")
    volunteer_services.service_hours_review(actor=coordinator, entry=entry, approve=approve,
                                            reason="" if approve else "时长与记录不符")

    notification = Notification.objects.get()
    assert notification.user == volunteer_user
    assert notification.kind == NotificationKind.HOURS_REVIEWED
    assert notification.dedup_key == f"hours:{entry.pk}:reviewed"
    assert title in notification.title and "2小时" in notification.body
    if not approve:
        assert "时长与记录不符" in notification.body


def test_an_issued_certificate_tells_the_holder_with_the_verify_url(resident, settings):
    settings.PUBLIC_BASE_URL = "https://linli.example"
    certificate, created = certificate_services.certificate_issue(
        kind=CertificateKind.COURSE_COMPLETION, holder=resident, source_key="test:cert:1",
        snapshot={"title": "微信入门"})
    again, created_again = certificate_services.certificate_issue(
        kind=CertificateKind.COURSE_COMPLETION, holder=resident, source_key="test:cert:1",
        snapshot={"title": "微信入门"})
    assert created and not created_again and again.pk == certificate.pk

    notification = Notification.objects.get()
    assert notification.user == resident
    assert notification.kind == NotificationKind.CERTIFICATE_ISSUED
    assert notification.dedup_key == f"certificate:{certificate.pk}"
    assert notification.url == f"https://linli.example/verify/{certificate.code}"
    assert "微信入门" in notification.body
