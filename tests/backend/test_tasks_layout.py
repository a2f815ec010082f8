"""The platform's Celery tasks: stable registered names, thin bodies, no name clashes."""

import importlib
import inspect

import pytest
from celery import Task

from backend.celery import app

TASKS = {
    "backend.notifications": {"deliver": "notifications.deliver", "sweep": "notifications.sweep"},
    "backend.certificates": {"issue": "certificates.issue"},
    "backend.wechat": {"purge_inbound_messages": "wechat.purge_inbound_messages",
                       "template_message_send": "wechat.send_template_message",
                       "custom_text_send": "wechat.send_custom_text",
                       "menu_push_task": "wechat.push_menu",
                       "followers_sync_task": "wechat.followers_sync",
                       "followers_sync_all_task": "wechat.followers_sync_all",
                       "broadcast_chunk_send": "wechat.broadcast_chunk_send"},
    "backend.core": {"ping": "core.ping"},
    "backend.accounts": {"retention_anonymise": "accounts.retention_anonymise"},
}


@pytest.mark.parametrize("package", sorted(TASKS))
def test_registered_task_names_are_stable(package):
    module = importlib.import_module(f"{package}.tasks")
    found = {name: obj.name for name, obj in vars(module).items() if isinstance(obj, Task)}
    assert found == TASKS[package]


@pytest.mark.parametrize("package", sorted(TASKS))
def test_no_task_shares_a_name_with_a_service(package):
    tasks = importlib.import_module(f"{package}.tasks")
    services = importlib.import_module(f"{package}.services")
    service_functions = {name for name, obj in vars(services).items()
                         if inspect.isfunction(obj) and obj.__module__ == services.__name__}
    task_functions = {name for name, obj in vars(tasks).items() if isinstance(obj, Task)}
    assert task_functions & service_functions == set()


@pytest.mark.parametrize("package", sorted(TASKS))
def test_tasks_import_services_in_their_body_only(package):
    # A service module imports its tasks at the top (`from .tasks import x as x_task`), so
    # the tasks module must not import services at module level.
    source = inspect.getsource(importlib.import_module(f"{package}.tasks"))
    top_level = [line for line in source.splitlines()
                 if line.startswith(("import ", "from ")) and "services" in line]
    assert top_level == []


def test_every_beat_entry_names_a_registered_task(settings):
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
