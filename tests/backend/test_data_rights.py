"""PIPL deletion and retention (issue #13, build item 4): she asks on /me/data/ or through
the API, staff of her unit anonymise or refuse in the admin, the daily job anonymises
accounts past retention; her personal data leaves every table, the counts stay."""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from backend.accounts import anonymise, services
from backend.accounts.models import ApiToken, DataRequest, Role, User
from backend.accounts.tasks import retention_anonymise
from backend.certificates.models import Certificate
from backend.core import crypto
from backend.core.fields import EncryptedTextField
from backend.core.models import AuditLog
from backend.wechat.models import WeChatBinding
from courses.models import Enrollment
from courses.tutoring.models import TutoringBooking
from tests.factories.accounts import UserFactory, user_with_role
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import CourseRunFactory, book, make_tutor, publish_slot
from tests.factories.volunteers import VolunteerFactory, give_credential
from tests.factories.wechat import WeChatBindingFactory
from tests.helpers.pii_scan import PiiCollector, scan_database
from volunteers.models import Credential, ServiceRequest

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ADDRESS = "金口路7号3单元"
NOTE = f"请打我女儿电话{PHONE}"


@pytest.fixture
def person(community):
    """A resident with personal data in every app: her account, a tutoring booking with a
    note, a help request in her words, a volunteer credential, a WeChat binding, a
    certificate and an API token."""
    user = user_with_role(Role.RESIDENT, community=community, display_name="王秀英",
                          phone=PHONE, address=ADDRESS)
    ApiToken.objects.create(user=user, key="k" * 40)
    slot = publish_slot(make_tutor(community))
    booking = book(slot, user)
    TutoringBooking.objects.filter(pk=booking.pk).update(note=NOTE, address=ADDRESS)
    now = timezone.now()
    ServiceRequest.objects.create(
        requester=user, community=community, starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3, hours=-1), status="COMPLETED", description=NOTE,
        address=ADDRESS, rating=5, rating_comment=f"谢谢，有事打{PHONE}")
    give_credential(VolunteerFactory(user=user, community=community), "health_certificate",
                    number="370202195001011234")
    WeChatBindingFactory(user=user, unionid="uTEST-union", bound_at=now)
    CertificateFactory(holder=user, snapshot={"title": "智能手机入门", "holder_name": "王秀英"})
    Enrollment.objects.create(run=CourseRunFactory(), user=user, status="COMPLETED")
    return user


def _personal_values_left(needles: list[str]) -> list[str]:
    """Every encrypted column of every model, decrypted, plus every clear-text column (the
    end-of-suite scan's walk): where any of `needles` still appears."""
    found = []
    for model in apps.get_models():
        encrypted = [f.name for f in model._meta.concrete_fields
                     if isinstance(f, EncryptedTextField)]
        for row in (model._default_manager.values_list(*encrypted) if encrypted else []):
            found += [f"{model.__name__}: {v}" for v in row
                      if v and any(n in str(v) for n in needles)]
    collector = PiiCollector()
    scan_database(connection, collector)
    found += [f.where for f in collector.findings if PHONE in f.excerpt or f.what == PHONE]
    return found


def test_anonymising_removes_her_personal_data_from_every_table(person):
    assert _personal_values_left([PHONE, ADDRESS])  # the control: the walk finds them
    done = anonymise.anonymise_user(user=person, actor=None, why="test")
    assert done == {"tokens_revoked": 1, "tutoring_bookings": 1, "help_requests": 1,
                    "credentials": 1, "wechat_bindings": 1, "certificates": 1}
    assert _personal_values_left([PHONE, ADDRESS, "370202195001011234"]) == []
    person.refresh_from_db()
    assert person.display_name == f"已注销用户#{person.pk}"
    assert person.username.startswith(f"anon-{person.pk}-") and not person.has_usable_password()
    assert not person.is_active and person.anonymised_at is not None
    assert person.phone == "" and person.address == ""
    assert not ApiToken.objects.filter(user=person, revoked_at__isnull=True).exists()
    binding = WeChatBinding.objects.get(unionid="")
    assert binding.user is None
    certificate = Certificate.objects.get(holder=person)  # kept: the code still verifies
    assert certificate.holder_name == f"已注销用户#{person.pk}"
    assert certificate.revoked_at is None and certificate.pdf_sha256
    # Rows for statistics stay, nameless.
    assert Enrollment.objects.filter(user=person, status="COMPLETED").count() == 1
    assert ServiceRequest.objects.get(requester=person).rating == 5
    assert Credential.objects.filter(volunteer__user=person).count() == 1
    entry = AuditLog.objects.get(action="account.anonymise")
    assert entry.detail == {"why": "test", "done": done} and entry.object_id == str(person.pk)
    # Twice is once.
    assert anonymise.anonymise_user(user=person, actor=None, why="test") == {}


def test_the_phone_hash_no_longer_finds_her(person):
    anonymise.anonymise_user(user=person, actor=None, why="test")
    assert not User.objects.filter(phone_hash=crypto.keyed_hash(PHONE, purpose="phone")).exists()


# --- Requests and who acts on them ----------------------------------------------------------
def test_asking_twice_makes_one_open_request_and_is_audited(person):
    first = services.data_request_delete(user=person)
    assert services.data_request_delete(user=person).pk == first.pk
    assert DataRequest.objects.count() == 1
    assert AuditLog.objects.filter(action="account.data_request").count() == 1


@pytest.mark.parametrize("who, allowed", [
    ("coordinator", True), ("district_admin", True), ("other_coordinator", False),
    ("community_staff", False), ("resident", False)])
def test_who_may_complete_a_request(person, role_users, who, allowed):
    request = services.data_request_delete(user=person)
    actor = role_users[who]
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.data_request_complete(actor=actor, request=request)
        person.refresh_from_db()
        assert person.anonymised_at is None
        return
    services.data_request_complete(actor=actor, request=request)
    request.refresh_from_db()
    assert request.status == "DONE" and request.handled_by == actor
    with pytest.raises(ValidationError):  # ALREADY_HANDLED
        services.data_request_complete(actor=actor, request=request)


def test_refusing_needs_a_reason(person, coordinator):
    request = services.data_request_delete(user=person)
    with pytest.raises(ValidationError):
        services.data_request_refuse(actor=coordinator, request=request, reason=" ")
    services.data_request_refuse(actor=coordinator, request=request, reason="还有未完成的上门服务")
    request.refresh_from_db()
    assert request.status == "REFUSED" and request.handled_by == coordinator
    person.refresh_from_db()
    assert person.anonymised_at is None and person.display_name == "王秀英"


# --- The admin, per role ---------------------------------------------------------------------
CHANGELIST = "/admin/accounts/datarequest/"


def _act(client, actor, request, action):
    client.force_login(actor)
    return client.post(CHANGELIST, {"action": action, "_selected_action": [request.pk]})


def test_the_coordinator_of_her_street_anonymises_in_the_admin(client, person, coordinator):
    request = services.data_request_delete(user=person)
    client.force_login(coordinator)
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200 and f"{person.pk}" in listing.content.decode()
    assert _act(client, coordinator, request, "anonymise_and_complete").status_code == 302
    request.refresh_from_db()
    person.refresh_from_db()
    assert request.status == "DONE" and person.anonymised_at is not None


def test_a_coordinator_of_another_street_neither_sees_nor_acts(client, person, other_coordinator):
    request = services.data_request_delete(user=person)
    client.force_login(other_coordinator)
    assert "王秀英" not in client.get(CHANGELIST).content.decode()
    _act(client, other_coordinator, request, "anonymise_and_complete")
    request.refresh_from_db()
    person.refresh_from_db()
    assert request.status == "OPEN" and person.anonymised_at is None


def test_community_staff_and_residents_have_no_admin_page(client, person, community_staff,
                                                           resident):
    services.data_request_delete(user=person)
    for user in (community_staff, resident):
        client.force_login(user)
        assert client.get(CHANGELIST).status_code in (302, 403)


def test_refusing_in_the_admin_uses_the_written_reason(client, person, coordinator):
    request = services.data_request_delete(user=person)
    _act(client, coordinator, request, "refuse")
    request.refresh_from_db()
    assert request.status == "OPEN"  # no reason written yet: refused to refuse
    DataRequest.objects.filter(pk=request.pk).update(reason="请先结清上门服务")
    _act(client, coordinator, request, "refuse")
    request.refresh_from_db()
    assert request.status == "REFUSED"


# --- The page and the API -------------------------------------------------------------------
def test_the_page_button_files_a_request_and_says_so(client, person):
    client.force_login(person)
    assert "申请删除我的信息" in client.get("/me/data/").content.decode()
    assert client.get("/me/data/delete/").status_code == 405
    assert client.post("/me/data/delete/").status_code == 302
    assert DataRequest.objects.get(person=person).status == "OPEN"
    page = client.get("/me/data/").content.decode()
    assert "正在核对" in page and "<button type=\"submit\" class=\"btn\">申请删除" not in page


def test_the_api_my_data_deletion_and_consent(gql, person):
    result = gql("{ myData }", user=person)
    assert result.errors is None
    assert json.loads(result.data["myData"])["账号"]["手机号"] == PHONE  # a JSON string
    assert AuditLog.objects.filter(action="account.data_export", actor=person).count() == 1
    assert gql("{ myData }").data == {"myData": None}

    mutation = "mutation { dataDeletionRequest { requestId status errors { code } } }"
    result = gql(mutation, user=person)
    assert result.data["dataDeletionRequest"]["status"] == "OPEN"
    assert result.data["dataDeletionRequest"]["errors"] == []
    assert gql(mutation).error_codes == ["UNAUTHENTICATED"]

    result = gql("mutation { consentWithdraw { withdrawn errors { code } } }", user=person)
    assert result.data["consentWithdraw"] == {"withdrawn": True, "errors": []}
    person.refresh_from_db()
    assert person.consent_version == ""


# --- Retention ------------------------------------------------------------------------------
def _seen(user, days_ago, *, active=True):
    User.objects.filter(pk=user.pk).update(
        last_login=timezone.now() - timedelta(days=days_ago), is_active=active)


def test_retention_picks_inactive_and_deleted_accounts_only(community, coordinator, settings):
    settings.LINLI_RETENTION_DAYS = 1095
    settings.LINLI_RETENTION_DELETED_DAYS = 30
    old = UserFactory(community=community, phone=PHONE)
    _seen(old, 1100)
    recent = UserFactory(community=community)
    _seen(recent, 100)
    deleted = UserFactory(community=community)
    _seen(deleted, 40, active=False)
    just_deleted = UserFactory(community=community)
    _seen(just_deleted, 5, active=False)
    staff = user_with_role(Role.COMMUNITY_STAFF, community=community)
    _seen(staff, 2000)
    _seen(coordinator, 2000)
    busy = UserFactory(community=community)  # an open help request holds her
    _seen(busy, 2000)
    now = timezone.now()
    ServiceRequest.objects.create(requester=busy, community=community, starts_at=now,
                                  ends_at=now + timedelta(hours=1), status="REQUESTED")

    assert sorted(anonymise.retention_candidates()) == sorted([old.pk, deleted.pk])
    summary = retention_anonymise.apply().get()
    assert summary["anonymised"] == 2
    assert set(User.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)) \
        == {old.pk, deleted.pk}
    run = AuditLog.objects.get(action="account.retention_run")
    assert run.detail["anonymised"] == 2 and run.detail["inactive_days"] == 1095
    assert AuditLog.objects.filter(action="account.anonymise",
                                   detail__why="retention").count() == 2
    assert retention_anonymise.apply().get()["anonymised"] == 0  # done once


def test_the_job_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-retention"]
    assert entry["task"] == retention_anonymise.name
