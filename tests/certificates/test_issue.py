"""Issuing: exactly once per source, even when called twice or from racing threads."""

import hashlib
import time
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.utils import timezone

from backend.certificates import services
from backend.certificates.codes import LENGTH
from backend.certificates.models import Certificate, CertificateKind
from backend.certificates.renderer import render_certificate_pdf
from backend.core.models import AuditLog
from tests.helpers.concurrency import run_concurrently

SNAPSHOT = {"title": "如何运营微信公众号", "hours": 12}


def _issue(holder, source_key="enrollment:42", **kwargs):
    return services.certificate_issue(kind=CertificateKind.COURSE_COMPLETION, holder=holder,
                                      source_key=source_key, snapshot=SNAPSHOT, **kwargs)


@pytest.mark.django_db
def test_issuing_stores_the_snapshot_the_pdf_and_its_hash(holder, community, media_root):
    # when a certificate is issued by a community
    certificate, created = _issue(holder, issuer_community=community,
                                  valid_until=date(2027, 12, 31))
    # then it has a code, a snapshot of what was printed and the stored PDF with its hash
    assert created
    assert len(certificate.code) == LENGTH
    assert certificate.snapshot == {
        **SNAPSHOT, "kind": "COURSE_COMPLETION", "holder_name": "欧阳小明",
        "issuer_name": "八大关街道金口路社区",
        "issued_on": timezone.localdate(certificate.issued_at).isoformat(),
        "valid_until": "2027-12-31",
    }
    stored = certificate.pdf.read()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256
    assert (media_root / certificate.pdf.name).exists()
    assert AuditLog.objects.filter(action="certificate.issue",
                                   object_id=str(certificate.pk)).count() == 1


@pytest.mark.django_db
def test_issuing_twice_returns_the_first_certificate(holder):
    first, created_first = _issue(holder)
    second, created_second = _issue(holder)
    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk and second.code == first.code
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_the_issuer_defaults_to_the_district_and_a_street(holder, street):
    district, _ = _issue(holder, source_key="a")
    by_street, _ = _issue(holder, source_key="b", issuer_street=street)
    assert district.issuer_name == "青岛市市南区"
    assert by_street.issuer_name == "八大关街道"


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "DIPLOMA"}, "kind"),
    ({"source_key": " "}, "source_key"),
    ({"snapshot": {"hours": 3}}, "snapshot"),
])
def test_bad_input_is_a_validation_error_and_creates_nothing(holder, kwargs, field):
    args = {"kind": CertificateKind.COURSE_COMPLETION, "holder": holder, "source_key": "x",
            "snapshot": SNAPSHOT, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.certificate_issue(**args)
    assert field in exc.value.error_dict
    assert Certificate.objects.count() == 0


@pytest.mark.django_db
def test_a_code_collision_draws_another_code(holder, monkeypatch):
    # given an existing certificate and a generator that first repeats its code
    existing, _ = _issue(holder, source_key="first")
    codes = iter([existing.code, "ABCDE23456"])
    monkeypatch.setattr(services, "generate_code", lambda: next(codes))
    # when another one is issued
    other, created = _issue(holder, source_key="second")
    # then it got the next code
    assert created and other.code == "ABCDE23456"
    assert Certificate.objects.count() == 2


# --- Concurrency --------------------------------------------------------------------------
THREADS = 8


def _naive_issue(holder_id, source_key):
    """Read-check-write without relying on the unique key: what the service must not be."""
    existing = Certificate.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    time.sleep(0.05)  # widen the window between check and write
    return Certificate.objects.create(
        kind=CertificateKind.COURSE_COMPLETION, holder_id=holder_id, source_key=source_key,
        code=services.generate_code(), snapshot=SNAPSHOT), True


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_threads_issue_one_certificate(holder, media_root):
    # when eight threads issue the same certificate at the same instant
    results = run_concurrently(lambda i: _issue(holder), THREADS)
    # then none failed, all got the same certificate, exactly one created it
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({certificate.pk for certificate, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Certificate.objects.count() == 1
    # and only the winner's PDF remains on disk
    assert len(list(media_root.rglob("*.pdf"))) == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_control_the_harness_catches_a_naive_read_check_write(holder):
    # the naive version lets several threads pass the check; the unique index then
    # rejects all but one, which a caller (a task) would see as a crash
    failures = 0
    for run in range(3):
        results = run_concurrently(lambda i, run=run: _naive_issue(holder.pk, f"naive:{run}"),
                                   THREADS)
        failures += sum(isinstance(r, IntegrityError) for r in results)
        assert Certificate.objects.filter(source_key=f"naive:{run}").count() == 1
    assert failures >= 1, f"the race was not reproduced on {connection.vendor}"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_revocations_revoke_once(certificate, coordinator, district_admin):
    actors = [coordinator, district_admin] * 3
    results = run_concurrently(
        lambda i: services.certificate_revoke(actor=actors[i], certificate=certificate,
                                              reason=f"第{i}次"), len(actors))
    assert sum(isinstance(r, Certificate) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == len(actors) - 1
    assert AuditLog.objects.filter(action="certificate.revoke").count() == 1


@pytest.mark.django_db
def test_the_stored_pdf_is_reproducible_from_the_snapshot(holder, community):
    certificate, _ = _issue(holder, issuer_community=community)
    again = render_certificate_pdf(certificate.snapshot, certificate.display_code,
                                   services.verify_url(certificate.code))
    assert hashlib.sha256(again).hexdigest() == certificate.pdf_sha256
