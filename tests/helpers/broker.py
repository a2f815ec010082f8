"""A really stopped broker: Celery pointed at a port nobody listens on, eager mode off, no
retries, so a publish goes to the network and fails within about a second."""

import pytest

from backend.celery import app as celery_app

UNREACHABLE = "redis://127.0.0.1:1/0"
DOWN = {
    "task_always_eager": False,
    "broker_url": UNREACHABLE,
    "broker_connection_retry": False,
    "broker_connection_max_retries": 0,
    "broker_connection_timeout": 1,
    "broker_transport_options": {"max_retries": 0, "socket_connect_timeout": 1},
    "task_publish_retry": False,
}


def _forget_connections(app):
    # Celery caches its connection and producer pools on first use; drop them so the next
    # send connects to the broker_url in force now.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    # Celery reads these environment variables before its own configuration (CI sets the
    # first to the real broker).
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    saved = {key: celery_app.conf[key] for key in DOWN}
    celery_app.conf.update(DOWN)
    _forget_connections(celery_app)
    try:
        yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget_connections(celery_app)
