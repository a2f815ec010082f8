import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from backend.accounts import permissions
from backend.accounts.models import Role, User
from backend.certificates.models import Certificate
from backend.certificates.services import certificate_issue
from backend.core.demo import DATA_FILE
from backend.notifications.selectors import call_list
from courses.models import Attendance, Enrollment
from courses.tutoring.models import TutoringBooking
from tests.factories.accounts import UserFactory
from volunteers.models import Offer, ServiceHours, ServiceRequest, ShiftSignUp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("debug_on")]


@pytest.fixture
def debug_on(settings):
    # The test runner turns DEBUG off; seed_demo is meant for DEBUG installations.
    settings.DEBUG = True


def _row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label not in {"sessions", "admin", "contenttypes", "core"}
            and m._meta.label != "authtoken.Token"}


def test_seed_demo_twice_leaves_the_same_rows(capsys):
    call_command("seed_demo")
    first = _row_counts()
    call_command("seed_demo")
    assert _row_counts() == first
    assert first["accounts.Street"] == 10
    assert first["accounts.Community"] == 65
    out = capsys.readouterr().out
    assert "社区: 65" in out


def test_seed_demo_creates_the_documented_accounts():
    call_command("seed_demo")
    coordinator = User.objects.get(username="coordinator")
    assert coordinator.check_password("linli-demo")
    street = coordinator.role_assignments.get().street
    assert street.name == "八大关街道"
    assert permissions.holds_role(coordinator, Role.STREET_COORDINATOR, street)
    for username in ("admin", "staff", "instructor", "volunteer", "resident"):
        assert User.objects.get(username=username).check_password("linli-demo")
    assert User.objects.get(username="resident").community.name == "金口路社区"


def test_seed_demo_refuses_without_debug_unless_forced():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    with override_settings(DEBUG=False):
        call_command("seed_demo", "--force")


def test_vendored_demo_data_matches_shared_copy():
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "shinan.json"
    if shared.exists():
        assert json.loads(shared.read_text()) == json.loads(DATA_FILE.read_text())


def test_seed_demo_rerenders_only_demo_certificates_when_the_public_address_changes(
        settings, community):
    def printed_text(certificate):
        certificate.refresh_from_db()
        with certificate.pdf.open("rb") as handle:
            return "".join(page.extract_text() for page in PdfReader(handle).pages)

    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    call_command("seed_demo")
    real, _ = certificate_issue(kind="COURSE_COMPLETION", holder=UserFactory(community=community),
                                source_key="enrollment:1", snapshot={"title": "真实课程"})
    demo = Certificate.objects.get(source_key="demo:resident:wechat-basics")
    assert demo.holder.username == "resident"
    first_sha, real_sha = demo.pdf_sha256, real.pdf_sha256

    call_command("seed_demo")  # same address: nothing is rendered again
    demo.refresh_from_db()
    assert demo.pdf_sha256 == first_sha

    settings.PUBLIC_BASE_URL = "http://192.168.1.20:8123"
    call_command("seed_demo")
    demo.refresh_from_db()
    real.refresh_from_db()
    assert demo.pdf_sha256 != first_sha
    assert f"http://192.168.1.20:8123/verify/{demo.code}" in printed_text(demo)
    assert real.pdf_sha256 == real_sha
    assert f"http://127.0.0.1:8000/verify/{real.code}" in printed_text(real)


def test_seed_demo_has_a_history_and_a_call_list_for_jinkoulu():
    call_command("seed_demo")
    past = TutoringBooking.objects.filter(starts_at__lt=timezone.now())
    assert past.filter(status="ATTENDED", rating__isnull=False).exists()
    assert past.filter(status="ATTENDED", rating__isnull=True).exists()
    assert past.filter(status="NO_SHOW").exists()
    hours = ServiceHours.objects.filter(commitment__kind="TUTORING")
    assert hours.filter(status="APPROVED").exists() and hours.filter(status="PENDING").exists()
    offers = set(Offer.objects.filter(request__external_ref__startswith="demo:dispatch:")
                 .values_list("status", flat=True))
    assert offers == {"ACCEPTED", "DECLINED", "EXPIRED"}
    assert ServiceRequest.objects.filter(status="COMPLETED").exists()
    assert ShiftSignUp.objects.filter(shift__starts_at__lt=timezone.now()).count() >= 3
    assert ServiceHours.objects.filter(commitment__kind="DISPATCH", status="PENDING").exists()
    completed = Enrollment.objects.filter(status="COMPLETED", run__ends_at__lt=timezone.now())
    assert completed.count() == 4
    assert Attendance.objects.filter(enrollment__in=completed).count() >= 8
    certificates = Certificate.objects.filter(source_key__startswith="demo:enrollment:")
    assert certificates.count() == 4 and not Certificate.objects.exclude(
        source_key__startswith="demo:").exists()
    staff = User.objects.get(username="staff")
    keys = set(call_list(staff).values_list("dedup_key", flat=True))
    assert {"demo:call:1", "demo:call:2"} <= keys
