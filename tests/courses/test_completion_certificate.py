"""Completion -> one certificate (and the credential the course grants) — exactly once."""

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from backend.accounts.models import Role
from backend.certificates.models import Certificate, CertificateKind
from courses import completion, tasks
from courses.models import EnrollmentStatus
from tests.factories.accounts import user_with_role
from tests.factories.courses import CourseFactory, CourseRunFactory
from tests.factories.volunteers import VolunteerFactory
from tests.helpers.concurrency import run_concurrently
from tests.helpers.queries import assert_query_count
from volunteers.models import Credential

pytestmark = pytest.mark.django_db

MY_ENROLLMENTS = """{ myEnrollments { id status certificate { code kind title status
                      verifyUrl } } }"""


@pytest.fixture
def granting_run(venue):
    course = CourseFactory(code="WX09", title="如何运营微信公众号", hours="12.0",
                           grants_credential_type="new_media_training")
    return CourseRunFactory(course=course, venue=venue, capacity=5)


def _pdf_text(certificate) -> str:
    certificate.pdf.open("rb")
    try:
        return "".join(page.extract_text() for page in PdfReader(
            io.BytesIO(certificate.pdf.read())).pages)
    finally:
        certificate.pdf.close()


def test_completing_issues_one_certificate_and_grants_the_credential(
        granting_run, community, enroll, gql):
    learner = user_with_role(Role.RESIDENT, community=community, display_name="夏美华")
    volunteer = VolunteerFactory(user=learner, community=community)
    enrollment = enroll(learner, granting_run, status=EnrollmentStatus.COMPLETED)

    tasks.enrollment_completed(enrollment.pk)
    tasks.enrollment_completed(enrollment.pk)  # a retried task
    completion.on_enrollment_completed(enrollment)  # a bulk re-issue

    certificate = Certificate.objects.get(holder=learner)
    assert certificate.kind == CertificateKind.COURSE_COMPLETION
    assert certificate.source_key == f"enrollment:{enrollment.pk}"
    # the unit that ran the course issues it
    assert (certificate.issuer_community_id, certificate.issuer_street_id) == (
        (granting_run.community_id, None) if granting_run.community_id
        else (None, granting_run.street_id))
    text = _pdf_text(certificate)
    for expected in ("夏美华", "如何运营微信公众号", certificate.code[:5]):
        assert expected in text
    credential = Credential.objects.get(volunteer=volunteer)
    assert credential.type.code == "new_media_training"
    assert credential.number == certificate.code
    # 24 months of validity from shinan.json, on the certificate and the credential alike
    assert certificate.valid_until == credential.valid_until
    assert (credential.valid_until - credential.valid_from).days in range(729, 733)

    mine = gql(MY_ENROLLMENTS, user=learner).data["myEnrollments"]
    assert mine[0]["certificate"]["code"] == certificate.code
    assert mine[0]["certificate"]["status"] == "VALID"


def test_a_learner_who_is_not_a_volunteer_gets_no_credential(granting_run, resident, enroll):
    enrollment = enroll(resident, granting_run, status=EnrollmentStatus.COMPLETED)
    tasks.enrollment_completed(enrollment.pk)
    assert Certificate.objects.filter(holder=resident).count() == 1
    assert not Credential.objects.exists()


def test_an_enrolled_but_not_completed_learner_gets_nothing(granting_run, resident, enroll):
    enrollment = enroll(resident, granting_run)
    tasks.enrollment_completed(enrollment.pk)
    assert not Certificate.objects.exists()


def test_other_people_do_not_see_the_certificate_through_the_enrollment(
        granting_run, resident, enroll, gql):
    enrollment = enroll(resident, granting_run, status=EnrollmentStatus.COMPLETED)
    tasks.enrollment_completed(enrollment.pk)
    data = gql(MY_ENROLLMENTS, user=resident).data["myEnrollments"]
    assert data[0]["certificate"] is not None
    assert Certificate.objects.get().status == "VALID"


def test_my_enrollments_with_certificates_costs_the_same_at_1_and_50(
        venue, community, enroll, gql):
    learner = user_with_role(Role.RESIDENT, community=community)

    def add(n):
        for _ in range(n):
            run = CourseRunFactory(course=CourseFactory(), venue=venue, capacity=3)
            enrollment = enroll(learner, run, status=EnrollmentStatus.COMPLETED)
            tasks.enrollment_completed(enrollment.pk)

    add(1)
    gql(MY_ENROLLMENTS, user=learner)  # the token row exists from here on
    with assert_query_count("myEnrollments.certificates") as one:
        gql(MY_ENROLLMENTS, user=learner)
    add(49)
    with assert_query_count("myEnrollments.certificates") as fifty:
        gql(MY_ENROLLMENTS, user=learner)
    assert len(gql(MY_ENROLLMENTS, user=learner).data["myEnrollments"]) == 50
    assert len(one) == len(fifty)


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_workers_racing_issue_one_certificate(granting_run, community, enroll):
    learner = user_with_role(Role.RESIDENT, community=community)
    VolunteerFactory(user=learner, community=community)
    enrollment = enroll(learner, granting_run, status=EnrollmentStatus.COMPLETED)

    results = run_concurrently(lambda i: tasks.enrollment_completed(enrollment.pk), 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Certificate.objects.filter(holder=learner).count() == 1
    assert Credential.objects.filter(volunteer__user=learner).count() == 1
    assert date.today().year <= Credential.objects.get().valid_until.year


def test_the_admin_bulk_action_issues_due_certificates_and_shows_progress(
        run, coordinator, community, enroll, django_capture_on_commit_callbacks):
    run.require_quiz = False
    run.min_attendance_rate = 0
    # a run without sessions is over when the run ends
    run.starts_at = timezone.now() - timedelta(days=3)
    run.ends_at = timezone.now() - timedelta(days=1)
    run.save()
    learners = [user_with_role(Role.RESIDENT, community=community) for _ in range(3)]
    # one already completed without its certificate (a lost task), two whose rule is met
    # now (e.g. after the instructor corrected attendance), none issued yet
    enroll(learners[0], run, status=EnrollmentStatus.COMPLETED)
    for learner in learners[1:]:
        enroll(learner, run)
    client = Client()
    client.force_login(coordinator)
    url = reverse("admin:courses_courserun_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reissue_certificates",
                                     "_selected_action": [run.pk]}, follow=True)
    assert response.status_code == 200
    assert Certificate.objects.filter(holder__in=learners).count() == 3
    assert "已完成：3 份证书" in client.get(url).content.decode()
    # again: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reissue_certificates", "_selected_action": [run.pk]})
    assert Certificate.objects.count() == 3
