"""Help requests (issue 15): asking, limits, consent, address, idempotency, triage through
the dispatch flow (a triage without a candidate changes nothing), decline, merge, done via
hours or staff, rating once, the volunteer's time-boxed view of her phone."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.models import Role
from backend.core.errors import has_code
from backend.core.models import AuditLog
from backend.notifications.models import Notification
from backend.notifications.models import NotificationKind as K
from tests.factories.accounts import user_with_role
from volunteers import services
from volunteers.models import (
    CommitmentStatus,
    HelpEvent,
    Offer,
    ServiceRequest,
)
from volunteers.models import (
    ServiceRequestStatus as S,
)

pytestmark = pytest.mark.django_db


def test_resident_asks_for_herself_at_her_registered_address(ask, consenting):
    request = ask()
    assert request.status == S.REQUESTED and request.requester == consenting
    assert request.skill is None and request.address == consenting.address
    assert request.community_id == consenting.community_id
    assert len(request.visit_code) == 4 and request.visit_code.isdigit()
    local = timezone.localtime(request.starts_at)
    assert (local.date(), local.hour) == (request.preferred_date, 14)
    assert list(HelpEvent.objects.filter(request=request).values_list("kind", flat=True)) == [
        "RECEIVED"]
    note = Notification.objects.get(user=consenting, kind=K.HELP_RECEIVED)
    assert note.url.endswith(f"/help/{to_global_id('ServiceRequest', request.pk)}/")
    assert "120" in note.body


def test_another_address_and_a_skill(ask):
    request = ask(address="香港中路1号", skill_code="haircut")
    assert request.address == "香港中路1号" and request.skill.code == "haircut"


def test_address_required_when_none_registered(ask, consenting):
    consenting.address = ""
    consenting.save()
    with pytest.raises(ValidationError) as exc:
        ask()
    assert has_code(exc.value, "ADDRESS_REQUIRED")
    assert not ServiceRequest.objects.exists()


def test_consent_required_then_recorded_by_consent_version(ask, consenting, settings):
    consenting.consent_version = ""
    consenting.save()
    with pytest.raises(ValidationError) as exc:
        ask()
    assert has_code(exc.value, "CONSENT_REQUIRED")
    with pytest.raises(ValidationError) as exc:
        ask(consent_version="1999-01")
    assert has_code(exc.value, "CONSENT_REQUIRED")
    request = ask(consent_version=settings.PRIVACY_NOTICE_VERSION)
    consenting.refresh_from_db()
    assert consenting.consent_version == settings.PRIVACY_NOTICE_VERSION
    assert request.consent_version == settings.PRIVACY_NOTICE_VERSION


def test_at_most_three_open_requests(ask, community_staff):
    first = ask()
    ask()
    ask()
    with pytest.raises(ValidationError) as exc:
        ask()
    assert has_code(exc.value, "TOO_MANY_OPEN_REQUESTS")
    assert ServiceRequest.objects.count() == 3
    services.help_request_decline(actor=community_staff, service_request=first, reason="重复")
    ask()  # a closed one frees a place
    assert ServiceRequest.objects.count() == 4


def test_double_submission_creates_one_request(ask):
    first = ask(idempotency_key="k1")
    again = ask(idempotency_key="k1")
    assert first.pk == again.pk and ServiceRequest.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        ask(idempotency_key="k1", description="别的事")
    assert has_code(exc.value, "IDEMPOTENCY_KEY_REUSED")


def test_bad_input_is_typed(ask):
    for kwargs, code in [({"description": "  "}, "REQUIRED"),
                         ({"part_of_day": "NIGHT"}, "INVALID"),
                         ({"preferred_date": timezone.localdate() - timedelta(days=1)},
                          "INVALID_WINDOW"),
                         ({"skill_code": "nope"}, "NOT_FOUND"),
                         ({"photo_ids": [999999]}, "INVALID")]:
        with pytest.raises(ValidationError) as exc:
            ask(**kwargs)
        assert has_code(exc.value, code), kwargs
    assert not ServiceRequest.objects.exists()


def test_staff_ask_on_her_behalf_others_refused(ask, consenting, community_staff,
                                                other_coordinator, volunteer_user):
    request = ask(actor=community_staff, person=consenting, on_behalf=True)
    assert request.requester == consenting
    for outsider in (other_coordinator,):
        with pytest.raises(ValidationError) as exc:
            ask(actor=outsider, person=consenting, on_behalf=True)
        assert has_code(exc.value, "OUTSIDE_YOUR_UNIT")
        with pytest.raises(ValidationError) as exc:  # an unknown person: the same answer
            ask(actor=outsider, person=None, on_behalf=True)
        assert has_code(exc.value, "OUTSIDE_YOUR_UNIT")
    with pytest.raises(PermissionDenied):
        ask(actor=volunteer_user, person=consenting, on_behalf=True)
    assert ServiceRequest.objects.count() == 1


def test_triage_dispatches_through_the_offer_flow(triaged, community_staff, haircut_volunteer):
    assert triaged.status == S.OFFERED and triaged.skill.code == "haircut"
    assert triaged.created_by == community_staff and triaged.dispatched_at is not None
    offer = Offer.objects.get(request=triaged)
    assert offer.volunteer == haircut_volunteer
    assert Notification.objects.filter(user=haircut_volunteer.user, kind=K.JOB_OFFERED).count() == 1
    assert "TRIAGED" in HelpEvent.objects.filter(request=triaged).values_list("kind", flat=True)


def test_triage_without_candidate_changes_nothing(ask, community_staff, job_start):
    request = ask()
    before = ServiceRequest.objects.values().get(pk=request.pk)
    with pytest.raises(ValidationError) as exc:
        services.help_request_triage(actor=community_staff, service_request=request,
                                     skill_code="haircut", starts_at=job_start,
                                     duration_minutes=60)
    assert has_code(exc.value, "NO_CANDIDATE")
    assert ServiceRequest.objects.values().get(pk=request.pk) == before
    assert not Offer.objects.exists()
    assert not HelpEvent.objects.filter(kind="TRIAGED").exists()


def test_when_every_volunteer_declines_she_hears_that_staff_will_call(triaged, consenting):
    offer = triaged.offers.get(status="OFFERED")
    services.offer_respond(actor=offer.volunteer.user, offer=offer, accept=False,
                           reason="那天不在家")
    triaged.refresh_from_db()
    assert triaged.status == S.ESCALATED
    note = Notification.objects.get(user=consenting, kind=K.HELP_CHANGED)
    assert "社区工作人员会尽快联系您" in note.body and note.url.endswith("/")
    assert HelpEvent.objects.filter(request=triaged, kind="CHANGED").count() == 1


def test_triage_named_unavailable_volunteer_changes_nothing(ask, community_staff, job_start,
                                                            make_volunteer):
    request = ask()
    busy = make_volunteer(availability=[])
    with pytest.raises(ValidationError) as exc:
        services.help_request_triage(actor=community_staff, service_request=request,
                                     skill_code="haircut", starts_at=job_start,
                                     duration_minutes=60, volunteer=busy)
    assert has_code(exc.value, "VOLUNTEER_UNAVAILABLE")
    request.refresh_from_db()
    assert request.status == S.REQUESTED and request.skill is None
    assert not Offer.objects.exists()


def test_triage_refused_to_other_unit_and_twice(triaged, ask, other_coordinator, job_start,
                                                community_staff):
    with pytest.raises(ValidationError) as exc:
        services.help_request_triage(actor=community_staff, service_request=triaged,
                                     skill_code="haircut", starts_at=job_start,
                                     duration_minutes=60)
    assert has_code(exc.value, "INVALID_STATE")
    with pytest.raises(PermissionDenied):
        services.help_request_triage(actor=other_coordinator, service_request=ask(),
                                     skill_code="haircut", starts_at=job_start,
                                     duration_minutes=60)


def test_decline_tells_her_why(ask, community_staff, consenting):
    request = services.help_request_decline(actor=community_staff, service_request=ask(),
                                            reason="本社区暂无此项服务")
    assert request.status == S.DECLINED and request.decline_reason == "本社区暂无此项服务"
    note = Notification.objects.get(user=consenting, kind=K.HELP_DECLINED)
    assert "本社区暂无此项服务" in note.body
    with pytest.raises(ValidationError):
        services.help_request_decline(actor=community_staff, service_request=request,
                                      reason="again")


def test_merge_a_duplicate(ask, community_staff, user_factory):
    keep, duplicate = ask(), ask()
    merged = services.help_request_merge(actor=community_staff, service_request=duplicate,
                                         into=keep)
    assert merged.status == S.CANCELLED and merged.merged_into == keep
    with pytest.raises(ValidationError):
        services.help_request_merge(actor=community_staff, service_request=keep, into=keep)


def test_accepted_she_is_told_who_comes_never_the_phone(accepted, consenting,
                                                       haircut_volunteer):
    assert accepted.status == S.ACCEPTED
    note = Notification.objects.get(user=consenting, kind=K.HELP_VOLUNTEER_COMING)
    volunteer = haircut_volunteer.user
    assert accepted.visit_code in note.body
    assert volunteer.phone not in note.body and volunteer.display_name not in note.body
    assert volunteer.display_name[0] in note.body and "*" in note.body


def test_done_when_the_volunteer_logs_hours(accepted, consenting, haircut_volunteer):
    offer = accepted.offers.get(status="ACCEPTED")
    commitment = offer.commitment
    commitment.starts_at = timezone.now() - timedelta(hours=2)
    commitment.ends_at = timezone.now() - timedelta(hours=1)
    commitment.save()
    services.service_hours_log(actor=haircut_volunteer.user, commitment=commitment, hours=1)
    accepted.refresh_from_db()
    assert accepted.status == S.COMPLETED and accepted.completed_at is not None
    assert Notification.objects.filter(user=consenting, kind=K.HELP_DONE).count() == 1
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.COMPLETED


def test_staff_of_the_community_mark_it_done_or_cancel(accepted, community_staff, ask,
                                                       consenting):
    done = services.service_request_complete(actor=community_staff, service_request=accepted)
    assert done.status == S.COMPLETED
    assert Notification.objects.filter(user=consenting, kind=K.HELP_DONE).count() == 1
    cancelled = services.service_request_cancel(actor=community_staff, service_request=ask(),
                                                reason="已电话联系")
    assert cancelled.status == S.CANCELLED
    assert Notification.objects.filter(user=consenting, kind=K.HELP_CHANGED).count() == 1


def test_staff_cannot_complete_a_plain_dispatch(community_staff, coordinator, community,
                                                job_start, haircut_volunteer):
    request = services.dispatch_create(actor=coordinator, skill_code="haircut",
                                       starts_at=job_start, duration_minutes=60,
                                       community=community)
    with pytest.raises(PermissionDenied):
        services.service_request_cancel(actor=community_staff, service_request=request)


def test_rate_once_after_completion(accepted, consenting, community_staff):
    with pytest.raises(ValidationError) as exc:
        services.help_request_rate(actor=consenting, service_request=accepted, rating=5)
    assert has_code(exc.value, "INVALID_STATE")
    services.service_request_complete(actor=community_staff, service_request=accepted)
    rated = services.help_request_rate(actor=consenting, service_request=accepted, rating=5,
                                       comment="谢谢小张")
    assert (rated.rating, rated.rating_comment) == (5, "谢谢小张")
    with pytest.raises(ValidationError) as exc:
        services.help_request_rate(actor=consenting, service_request=accepted, rating=4)
    assert has_code(exc.value, "ALREADY_RATED")
    assert not Notification.objects.filter(kind=K.HELP_LOW_RATING).exists()


def test_rating_out_of_range_and_by_others(accepted, consenting, community_staff, user_factory,
                                           community):
    services.service_request_complete(actor=community_staff, service_request=accepted)
    with pytest.raises(ValidationError):
        services.help_request_rate(actor=consenting, service_request=accepted, rating=6)
    neighbour = user_with_role(Role.RESIDENT, community=community)
    with pytest.raises(PermissionDenied):
        services.help_request_rate(actor=neighbour, service_request=accepted, rating=1)


@pytest.mark.parametrize("who", ["community_staff", "coordinator", "district_admin"])
def test_only_the_person_who_asked_rates_the_visit(accepted, consenting, community_staff,
                                                    request, who):
    """API.md: helpRequestRate is for the person who asked. Found by the access matrix:
    staff who may act for her (her desk, the unit's coordinator, an admin) could rate the
    visit in her name."""
    services.service_request_complete(actor=community_staff, service_request=accepted)
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.help_request_rate(actor=actor, service_request=accepted, rating=5)
    accepted.refresh_from_db()
    assert accepted.rated_at is None


def test_low_rating_reaches_the_units_coordinators(accepted, consenting, community_staff,
                                                   coordinator, other_coordinator):
    services.service_request_complete(actor=community_staff, service_request=accepted)
    services.help_request_rate(actor=consenting, service_request=accepted, rating=2,
                               comment="迟到了")
    told = set(Notification.objects.filter(kind=K.HELP_LOW_RATING)
               .values_list("user_id", flat=True))
    assert coordinator.pk in told and other_coordinator.pk not in told


def test_phone_reveal_window_and_audit(accepted, consenting, haircut_volunteer,
                                       community_staff):
    volunteer = haircut_volunteer.user
    start = accepted.starts_at
    with pytest.raises(PermissionDenied):
        services.help_request_phone_reveal(actor=volunteer, service_request=accepted,
                                           now=start - timedelta(hours=2, minutes=1))
    assert services.help_request_phone_reveal(
        actor=volunteer, service_request=accepted,
        now=start - timedelta(hours=2)) == consenting.phone
    assert services.help_request_phone_reveal(
        actor=volunteer, service_request=accepted, now=accepted.ends_at) == consenting.phone
    with pytest.raises(PermissionDenied):
        services.help_request_phone_reveal(actor=volunteer, service_request=accepted,
                                           now=accepted.ends_at + timedelta(seconds=1))
    with pytest.raises(PermissionDenied):  # staff call through the desk, not this way
        services.help_request_phone_reveal(actor=community_staff, service_request=accepted,
                                           now=start)
    assert AuditLog.objects.filter(action="help.phone_reveal", actor=volunteer,
                                   object_id=str(accepted.pk)).count() == 2
