"""志愿服务证明: issued by the unit that approves the hours, from APPROVED hours only,
once per volunteer and period; the PDF states the hours. Volunteer.certificates."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id
from pypdf import PdfReader

from backend.certificates.models import Certificate, CertificateKind
from backend.certificates.permissions import can_revoke_certificate
from backend.core.models import AuditLog
from tests.factories.certificates import CertificateFactory
from tests.factories.volunteers import ShiftFactory, commitment, skill
from tests.helpers.graphql import gql
from tests.helpers.queries import assert_query_count
from volunteers import services
from volunteers.models import (
    CommitmentKind,
    CommitmentStatus,
    HoursStatus,
    Offer,
    OfferStatus,
    ServiceHours,
    ServiceRequest,
    ShiftSignUp,
)

pytestmark = pytest.mark.django_db

ISSUE = """mutation I($v: ID!, $start: Date!, $end: Date!) {
  serviceHoursCertificateIssue(volunteerId: $v, periodStart: $start, periodEnd: $end) {
    certificate { id code kind title status pdfUrl verifyUrl }
    errors { field code message } } }"""

START, END = date(2025, 1, 1), date(2025, 12, 31)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _hours(volunteer, day, hours, status=HoursStatus.APPROVED, *, kind=CommitmentKind.OTHER):
    done = commitment(volunteer, _at(day), _at(day) + timedelta(hours=2), kind=kind,
                      status=CommitmentStatus.COMPLETED)
    return ServiceHours.objects.create(commitment=done, volunteer=volunteer,
                                       served_on=done.starts_at, hours=Decimal(str(hours)),
                                       status=status)


def _dispatch_hours(volunteer, day, hours):
    """Approved hours for a doorstep haircut job (commitment held by an offer)."""
    entry = _hours(volunteer, day, hours, kind=CommitmentKind.DISPATCH)
    request = ServiceRequest.objects.create(
        skill=skill("haircut"), starts_at=entry.commitment.starts_at,
        ends_at=entry.commitment.ends_at, community=volunteer.community)
    Offer.objects.create(request=request, volunteer=volunteer, status=OfferStatus.ACCEPTED,
                         expires_at=entry.commitment.starts_at, commitment=entry.commitment)
    return entry


def _issue(user, volunteer, start=START, end=END):
    return gql(ISSUE, {"v": to_global_id("Volunteer", volunteer.pk), "start": start.isoformat(),
                       "end": end.isoformat()}, user=user)


def _pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as f:
        data = f.read()
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("who, outcome", [
    ("anonymous", "UNAUTHENTICATED"), ("resident", "PERMISSION_DENIED"),
    ("volunteer", "PERMISSION_DENIED"), ("community_staff", "PERMISSION_DENIED"),
    ("other_coordinator", "PERMISSION_DENIED"), ("coordinator", "ok"),
    ("district_admin", "ok"),
])
def test_issue_access_matrix(role_users, haircut_volunteer, who, outcome):
    # given approved hours in 2025
    _hours(haircut_volunteer, date(2025, 3, 1), 2)
    audit_before = AuditLog.objects.count()
    # when someone asks for the certificate
    result = _issue(role_users[who], haircut_volunteer)
    # then only the unit's coordinators and admins get one; nothing changes otherwise
    if outcome != "ok":
        assert result.error_codes == [outcome]
        assert result.data == {"serviceHoursCertificateIssue": None}
        assert not Certificate.objects.exists()
        assert AuditLog.objects.count() == audit_before
        return
    payload = result.data["serviceHoursCertificateIssue"]
    assert payload["errors"] == []
    assert payload["certificate"]["kind"] == "SERVICE_HOURS"
    assert payload["certificate"]["status"] == "VALID"
    certificate = Certificate.objects.get()
    assert certificate.holder == haircut_volunteer.user
    assert AuditLog.objects.filter(action="service_hours_certificate.issue",
                                   actor=role_users[who]).count() == 1


def test_only_approved_hours_in_the_period_count_and_the_pdf_says_so(
        coordinator, haircut_volunteer, community):
    # given approved, pending and declined hours, some outside the period
    _dispatch_hours(haircut_volunteer, date(2025, 2, 1), 2)
    _dispatch_hours(haircut_volunteer, date(2025, 6, 1), 1.5)
    shift = ShiftFactory(event__community=community, event__title="重阳节服务日")
    shift_hours = _hours(haircut_volunteer, date(2025, 10, 29), 4, kind=CommitmentKind.SHIFT)
    ShiftSignUp.objects.create(shift=shift, volunteer=haircut_volunteer,
                               commitment=shift_hours.commitment)
    _hours(haircut_volunteer, date(2025, 7, 1), 3, HoursStatus.PENDING)
    _hours(haircut_volunteer, date(2025, 8, 1), 5, HoursStatus.DECLINED)
    _hours(haircut_volunteer, date(2024, 12, 31), 7)
    _hours(haircut_volunteer, date(2026, 1, 1), 11)
    # when the coordinator issues the 2025 certificate
    payload = _issue(coordinator, haircut_volunteer).data["serviceHoursCertificateIssue"]
    assert payload["errors"] == []
    # then it states 7.5 approved hours, what was served, the period and the street
    certificate = Certificate.objects.get(code=payload["certificate"]["code"])
    assert certificate.kind == CertificateKind.SERVICE_HOURS
    assert certificate.snapshot["hours"] == 7.5
    assert certificate.snapshot["content"] == ["活动值守·重阳节服务日 1次 4小时",
                                               "上门服务·理发 2次 3.5小时"]
    assert certificate.snapshot["period"] == "2025年1月1日至2025年12月31日"
    assert certificate.issuer_street == community.street
    assert certificate.issuer_community is None
    assert certificate.source_key == f"service_hours:{haircut_volunteer.pk}:2025-01-01:2025-12-31"
    text = _pdf_text(certificate).replace("\n", "")
    assert "累计服务时长7.5小时" in text
    assert haircut_volunteer.user.display_name in text
    assert community.street.name in text
    assert "上门服务·理发" in text


def test_issuing_twice_returns_the_same_certificate(coordinator, district_admin,
                                                    haircut_volunteer):
    _hours(haircut_volunteer, date(2025, 3, 1), 2)
    first = _issue(coordinator, haircut_volunteer).data["serviceHoursCertificateIssue"]
    # more hours approved later do not change a printed certificate
    _hours(haircut_volunteer, date(2025, 4, 1), 3)
    again = _issue(district_admin, haircut_volunteer).data["serviceHoursCertificateIssue"]
    assert again["errors"] == []
    assert again["certificate"]["code"] == first["certificate"]["code"]
    assert Certificate.objects.count() == 1
    assert AuditLog.objects.filter(action="service_hours_certificate.issue").count() == 1
    # another period is another certificate
    other = _issue(coordinator, haircut_volunteer, date(2025, 3, 1), date(2025, 3, 31))
    assert other.data["serviceHoursCertificateIssue"]["certificate"]["code"] != \
        first["certificate"]["code"]
    assert Certificate.objects.count() == 2


def test_no_approved_hours_and_bad_periods_are_typed_errors(coordinator, haircut_volunteer):
    _hours(haircut_volunteer, date(2025, 3, 1), 2, HoursStatus.PENDING)
    _hours(haircut_volunteer, date(2025, 4, 1), 2, HoursStatus.DECLINED)
    none = _issue(coordinator, haircut_volunteer).data["serviceHoursCertificateIssue"]
    assert [e["code"] for e in none["errors"]] == ["NO_APPROVED_HOURS"]
    assert none["certificate"] is None
    backwards = _issue(coordinator, haircut_volunteer, END, START)
    assert [e["code"] for e in backwards.data["serviceHoursCertificateIssue"]["errors"]] == [
        "INVALID_WINDOW"]
    future = timezone.localdate() + timedelta(days=1)
    ahead = _issue(coordinator, haircut_volunteer, future, future + timedelta(days=30))
    assert [e["code"] for e in ahead.data["serviceHoursCertificateIssue"]["errors"]] == [
        "INVALID_WINDOW"]
    unknown = gql(ISSUE, {"v": to_global_id("Volunteer", 999999), "start": "2025-01-01",
                          "end": "2025-12-31"}, user=coordinator)
    assert [e["code"] for e in unknown.data["serviceHoursCertificateIssue"]["errors"]] == [
        "NOT_FOUND"]
    assert not Certificate.objects.exists()


def test_the_holder_downloads_the_pdf_and_the_issuing_street_may_revoke(
        coordinator, other_coordinator, haircut_volunteer, volunteer_user):
    _hours(haircut_volunteer, date(2025, 3, 1), 2)
    certificate = services.service_hours_certificate_issue(
        actor=coordinator, volunteer=haircut_volunteer, period_start=START, period_end=END)
    client = Client()
    client.force_login(volunteer_user)
    response = client.get(f"/api/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"

    assert can_revoke_certificate(coordinator, certificate)
    assert not can_revoke_certificate(other_coordinator, certificate)


# --- Volunteer.certificates and serviceHoursTotal ------------------------------------------------
MINE = "{ myVolunteerProfile { serviceHoursTotal certificates { code kind title } } }"
ONE = """query V($id: ID!) { volunteer(id: $id) { serviceHoursTotal
  certificates { code kind } } }"""


@pytest.mark.parametrize("who, sees", [
    ("volunteer", True), ("coordinator", True), ("district_admin", True),
    ("other_coordinator", None), ("resident", None), ("community_staff", None),
])
def test_volunteer_certificates_are_for_the_volunteer_and_their_coordinators(
        role_users, coordinator, haircut_volunteer, who, sees):
    _hours(haircut_volunteer, date(2025, 3, 1), 2.5)
    certificate = services.service_hours_certificate_issue(
        actor=coordinator, volunteer=haircut_volunteer, period_start=START, period_end=END)
    result = gql(ONE, {"id": to_global_id("Volunteer", haircut_volunteer.pk)},
                 user=role_users[who])
    if sees is None:
        assert result.data["volunteer"] is None
        return
    assert result.data["volunteer"] == {
        "serviceHoursTotal": 2.5,
        "certificates": [{"code": certificate.code, "kind": "SERVICE_HOURS"}]}


def test_my_volunteer_profile_lists_only_service_hours_certificates(
        coordinator, haircut_volunteer, volunteer_user):
    CertificateFactory(holder=volunteer_user)  # a course certificate: in myCertificates only
    _hours(haircut_volunteer, date(2025, 3, 1), 2)
    older = services.service_hours_certificate_issue(
        actor=coordinator, volunteer=haircut_volunteer, period_start=START, period_end=END)
    newer = services.service_hours_certificate_issue(
        actor=coordinator, volunteer=haircut_volunteer, period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31))
    result = gql(MINE, user=volunteer_user).data["myVolunteerProfile"]
    assert [c["code"] for c in result["certificates"]] == [newer.code, older.code]
    assert result["serviceHoursTotal"] == 2


def test_roster_certificates_cost_a_constant_number_of_queries(coordinator, community,
                                                               make_volunteer):
    query = """{ volunteers(first: 100) { edges { node { id serviceHoursTotal
      certificates { code kind title status pdfUrl verifyUrl } } } } }"""
    gql(query, user=coordinator)  # warm up: the token is created once

    def add(n):
        for _ in range(n):
            volunteer = make_volunteer()
            for period in ("2025-H1", "2025-H2"):
                Certificate.objects.create(
                    kind=CertificateKind.SERVICE_HOURS, holder=volunteer.user,
                    source_key=f"service_hours:{volunteer.pk}:{period}",
                    code=f"T{volunteer.pk:05d}{period[-1]}", snapshot={"title": "志愿服务"},
                    issuer_street=community.street)

    counts = {}
    for n, more in ((1, 1), (50, 49)):
        add(more)
        with assert_query_count("volunteers.certificates") as ctx:
            result = gql(query, user=coordinator)
        assert result.errors is None, result.errors
        edges = result.data["volunteers"]["edges"]
        assert len(edges) == n and all(len(e["node"]["certificates"]) == 2 for e in edges)
        counts[n] = len(ctx.captured_queries)
    assert counts[1] == counts[50], counts


# --- Admin action ---------------------------------------------------------------------------------
def test_admin_action_asks_for_the_period_then_issues(coordinator, haircut_volunteer,
                                                      make_volunteer, other_community):
    # given one volunteer with approved hours last year and one with none
    last_year = timezone.localdate().year - 1
    _hours(haircut_volunteer, date(last_year, 5, 1), 3)
    idle = make_volunteer()
    client = Client()
    client.force_login(coordinator)
    url = "/admin/volunteers/volunteer/"
    selected = [str(haircut_volunteer.pk), str(idle.pk)]
    # when the coordinator picks the action, the form proposes last calendar year
    form = client.post(url, {"action": "issue_service_hours_certificates",
                             "_selected_action": selected})
    assert form.status_code == 200
    assert f'value="{last_year}-01-01"' in form.content.decode()
    assert not Certificate.objects.exists()
    # and when they confirm, the certificate is issued; the idle volunteer is reported
    done = client.post(url, {"action": "issue_service_hours_certificates",
                             "_selected_action": selected, "apply": "1",
                             "period_start": f"{last_year}-01-01",
                             "period_end": f"{last_year}-12-31"}, follow=True)
    assert done.status_code == 200
    certificate = Certificate.objects.get()
    assert certificate.holder == haircut_volunteer.user
    assert certificate.snapshot["hours"] == 3
    text = done.content.decode()
    assert "已开具 1 份志愿服务证明" in text
    assert "该期间内没有已审核通过的服务时长" in text
