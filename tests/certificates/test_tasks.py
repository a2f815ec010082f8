"""The Celery task wrapping certificate_issue: safe to run twice, in-process and on a worker."""

import pytest

from backend.certificates import services
from backend.certificates.models import Certificate, CertificateKind
from backend.certificates.tasks import issue

SNAPSHOT = {"title": "如何运营微信公众号", "hours": 12}


def _args(holder, community, source_key="enrollment:7"):
    return ["COURSE_COMPLETION", holder.pk, source_key, SNAPSHOT, None, community.pk,
            "2027-12-31"]


@pytest.mark.django_db
def test_the_task_run_twice_issues_one_certificate(holder, community):
    first = issue.delay(*_args(holder, community)).get(timeout=10)
    second = issue.delay(*_args(holder, community)).get(timeout=10)
    assert first["created"] is True and second["created"] is False
    assert first["id"] == second["id"] and first["code"] == second["code"]
    certificate = Certificate.objects.get()
    assert certificate.issuer_community == community
    assert str(certificate.valid_until) == "2027-12-31"


@pytest.mark.django_db
def test_issue_later_enqueues_after_commit_only(holder, community,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.certificate_issue_later(kind=CertificateKind.COURSE_COMPLETION, holder=holder,
                                         source_key="enrollment:8", snapshot=SNAPSHOT,
                                         issuer_community=community)
        assert Certificate.objects.count() == 0  # nothing before the commit
    # certificates.issue, then the "certificate issued" notification it queues
    assert len(callbacks) == 2
    assert Certificate.objects.get().source_key == "enrollment:8"


@pytest.mark.integration
def test_the_task_run_twice_on_a_real_worker_issues_one_certificate(celery_worker, holder,
                                                                      community, media_root):
    # when the same task is delivered twice to a real worker process
    results = [issue.apply_async(args=_args(holder, community), queue=celery_worker)
               for _ in range(2)]
    answers = [result.get(timeout=60) for result in results]
    # then one certificate exists, created by the first run and returned by the second
    assert sorted(answer["created"] for answer in answers) == [False, True]
    assert len({answer["id"] for answer in answers}) == 1
    certificate = Certificate.objects.get()
    assert certificate.code == answers[0]["code"]
    # and the worker stored the PDF where this process reads it
    assert certificate.pdf.read().startswith(b"%PDF")
    assert len(list(media_root.rglob("*.pdf"))) == 1
