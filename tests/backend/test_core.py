from unittest import mock

import pytest
from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction

from backend.core.models import AuditLog, IdempotencyKey
from backend.core.models import AuditLog as Log
from backend.core.services import audit_log_record, enqueue_on_commit, idempotent_call
from backend.notifications.tasks import deliver
from tests.helpers.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def test_audit_log_is_append_only(resident):
    entry = audit_log_record(actor=resident, action="test.thing", obj=resident)
    assert entry.object_type == "accounts.user" and entry.object_id == str(resident.pk)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    with pytest.raises(TypeError):
        AuditLog.objects.update(action="x")


def _call(user, key, payload, created):
    def action():
        created.append(payload)
        return {"n": len(created)}

    return idempotent_call(user=user, scope="test", key=key, payload=payload, action=action,
                           dump=lambda r: r, load=lambda r: r)


def test_same_key_returns_first_result_and_runs_once(resident):
    created = []
    first = _call(resident, "k1", {"a": 1}, created)
    again = _call(resident, "k1", {"a": 1}, created)
    assert first == again == {"n": 1}
    assert len(created) == 1


def test_same_key_with_other_input_is_refused(resident):
    _call(resident, "k1", {"a": 1}, [])
    with pytest.raises(ValidationError) as info:
        _call(resident, "k1", {"a": 2}, [])
    assert info.value.error_dict["idempotency_key"][0].code == "IDEMPOTENCY_KEY_REUSED"


def test_a_failed_action_frees_the_key(resident):
    def failing():
        raise ValidationError("no", code="INVALID")

    with pytest.raises(ValidationError):
        idempotent_call(user=resident, scope="t", key="k", payload={}, action=failing,
                        dump=lambda r: r, load=lambda r: r)
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_calls_with_one_key_run_the_action_once(resident):
    def call(i):
        def action():
            return audit_log_record(actor=None, action="idem.effect").pk

        with transaction.atomic():
            return idempotent_call(user=resident, scope="test", key="same", payload={"x": 1},
                                   action=action, dump=lambda pk: pk, load=lambda pk: pk)

    results = run_concurrently(call, 10)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert Log.objects.filter(action="idem.effect").count() == 1


def test_enqueue_on_commit_sends_after_commit_with_the_countdown_for_the_broker(
        django_capture_on_commit_callbacks):
    with mock.patch.object(deliver, "apply_async") as send, \
            django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(deliver, 7, countdown=30)
        send.assert_not_called()  # not before the commit
    assert len(callbacks) == 1
    send.assert_called_once_with((7,), {}, countdown=30)


@shared_task(name="tests.takes_a_countdown")
def takes_a_countdown(countdown: int) -> int:
    return countdown


def test_enqueue_on_commit_refuses_a_task_whose_own_argument_is_called_countdown(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TypeError):
        enqueue_on_commit(takes_a_countdown, countdown=5)
    assert callbacks == []
