"""A task travels through the real broker to a real worker process and back."""

import pytest

from backend.core.tasks import ping

pytestmark = pytest.mark.integration


def test_a_task_runs_on_a_real_worker_and_returns_its_result(celery_worker, resident):
    result = ping.apply_async(args=[41], queue=celery_worker)
    answer = result.get(timeout=60)
    assert answer["echo"] == 41
    assert answer["users"] >= 1  # the worker reads the same (test) database
    assert result.successful()


def test_tasks_run_eagerly_without_a_broker(db):
    assert ping.delay(7).get(timeout=5)["echo"] == 7
