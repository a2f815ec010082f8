"""The completion hook runs on a real Celery worker, after the completing commit."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.celery import app
from backend.core.models import AuditLog
from courses import services
from courses.models import Attendance, AttendanceMethod, EnrollmentStatus
from tests.factories.courses import ClassSessionFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_completion_hook_runs_once_on_a_real_worker(celery_worker, run, resident, enroll):
    # given a learner who attended the only session, already over (completion waits for
    # the run's last session to end), of a run without lessons or quiz
    now = timezone.now()
    session = ClassSessionFactory(run=run, starts_at=now - timedelta(hours=3),
                                  ends_at=now - timedelta(hours=1))
    enrollment = enroll(resident, run)
    Attendance.objects.create(enrollment=enrollment, session=session, present=True,
                              method=AttendanceMethod.QR, marked_at=session.starts_at)
    # Celery caches its routing table once built, so changing task_routes mid-session is
    # ignored; the default queue is read per send.
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker
    try:
        # when the check runs twice
        assert services.enrollment_check_completion(enrollment_id=enrollment.pk) is True
        assert services.enrollment_check_completion(enrollment_id=enrollment.pk) is False
        # then the worker records the completion exactly once
        entries = AuditLog.objects.filter(action="enrollment.completed",
                                          object_id=str(enrollment.pk))
        deadline = time.monotonic() + 30
        while not entries.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        assert entries.count() == 1
    finally:
        app.conf.task_default_queue = previous
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
