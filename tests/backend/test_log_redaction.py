"""Row 10 of issue #13: secrets in URLs (calendar tokens, binding links, help-request draft
links, certificate codes, the check-in token, WeChat's OAuth code) stay out of the logs —
Django's own log lines and gunicorn's access log."""

import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from backend.core.logredact import RedactSecretsFilter, redact

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Zq9SecretTok3n"
URLS = [f"/api/calendar/{SECRET}.ics", f"/api/certificates/{SECRET}.pdf", f"/verify/{SECRET}",
        f"/bind/{SECRET}", f"/help/new/{SECRET}", f"/checkin/abc?t={SECRET}",
        f"/wechat/oauth/return/?code={SECRET}&state={SECRET}",
        f"/login/?next=%2Fbind%2F{SECRET}"]


@pytest.mark.parametrize("url", URLS)
def test_redact_removes_the_secret_and_keeps_the_route(url):
    redacted = redact(f"GET {url} HTTP/1.1")
    assert SECRET not in redacted
    assert "[redacted]" in redacted
    assert redacted.split("[redacted]")[0].startswith("GET /")


def test_redact_leaves_ordinary_paths_alone():
    line = "GET /courses/runs/Q291cnNlUnVuOjE=/?wx=weishinan HTTP/1.1"
    assert redact(line) == line


def _console_handler():
    handlers = [h for h in logging.getLogger().handlers
                if any(isinstance(f, RedactSecretsFilter) for f in h.filters)]
    assert handlers, "the console handler of settings.LOGGING carries the redaction filter"
    return handlers[0]


@pytest.mark.django_db
def test_django_request_log_lines_carry_no_secret():
    handler = _console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        client = Client()
        for url in (f"/api/calendar/{SECRET}.ics", f"/verify/{SECRET}", f"/bind/{SECRET}"):
            client.get(url)
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert "Not Found: /api/calendar/[redacted].ics" in written  # the line is there …
    assert SECRET not in written  # … without the token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_log_carries_no_secret(tmp_path):
    """The real gunicorn, started as the README and the Procfile start it (from the
    checkout, so it reads gunicorn.conf.py), on a throwaway SQLite file."""
    port, log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DEBUG": "1", "LINLI_CACHE": "locmem", "CELERY_BROKER_URL": ""}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/none", timeout=5)
            except urllib.error.HTTPError:
                break  # answering
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.5)
        for url in URLS:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{url}",
                headers={"Referer": f"http://127.0.0.1:{port}/bind/{SECRET}"})
            # The status does not matter: every request is logged.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=30)
        time.sleep(0.5)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    access = log.read_text()
    assert access.count("\n") >= len(URLS) + 1, access
    assert "/api/calendar/[redacted].ics" in access and "/verify/[redacted]" in access
    assert SECRET not in access
    assert SECRET not in output  # Django's error lines on gunicorn's stderr too
