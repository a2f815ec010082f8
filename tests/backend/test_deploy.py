"""Deploy (issue #13, build item 8; API.md "Production"): the README's production environment
block, with only its secrets filled in, passes `manage.py check --deploy --fail-level
WARNING` — after first proving the checks have something to check (the security and CSP
middleware installed, HSTS on, CSP enforced), so the test cannot pass vacuously."""

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"}
PLACEHOLDER = "fill-in-a-secret"


def readme_production_block() -> dict[str, str]:
    """The NAME=value lines of the first ```sh block under "## Production"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    env = {}
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        assert len(words) == 1 and re.fullmatch(r"[A-Z][A-Z0-9_]*=.+", words[0]), (
            f"not a complete NAME=value line: {line!r}")
        name, value = words[0].split("=", 1)
        env[name] = value
    return env


def filled_in(block: dict[str, str]) -> dict[str, str]:
    return {**block, "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": ",".join(Fernet.generate_key().decode() for _ in range(2)),
            "FIELD_HASH_KEY": secrets.token_urlsafe(32)}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Only the block: nothing from the test process's environment (DEBUG, DATABASE_URL …).
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


SETTINGS_PROBE = """
import json, os, runpy, sys, django
if sys.argv[1:] == ["web"]:
    runpy.run_path("gunicorn.conf.py")  # what gunicorn does before it loads Linli
from django.conf import settings
django.setup()
print(json.dumps({
    "middleware": settings.MIDDLEWARE, "debug": settings.DEBUG,
    "hsts": settings.SECURE_HSTS_SECONDS, "proxy": list(settings.SECURE_PROXY_SSL_HEADER),
    "csp": bool(getattr(settings, "CONTENT_SECURITY_POLICY", None)),
    "csp_report_only": bool(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)),
    "silenced": settings.SILENCED_SYSTEM_CHECKS,
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def test_the_readme_block_lists_its_secrets_as_placeholders():
    block = readme_production_block()
    assert {name for name, value in block.items() if value == PLACEHOLDER} == SECRETS
    assert block["DEBUG"] == "0"


def test_check_deploy_passes_with_the_readme_block():
    env = filled_in(readme_production_block())

    # First: the settings the deploy checks look at are really in force.
    probe = _run({**env, "DJANGO_SETTINGS_MODULE": "backend.settings"}, "-c", SETTINGS_PROBE)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert "django.middleware.security.SecurityMiddleware" in seen["middleware"]
    assert "csp.middleware.CSPMiddleware" in seen["middleware"]
    assert seen["hsts"] >= 31536000
    assert seen["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["csp"] is True and seen["csp_report_only"] is False  # enforced, DEBUG off
    assert seen["silenced"] == ["security.W008"]  # the proxy redirects; nothing else silenced
    # A database that never answers cannot hold a request: connect and statement timeouts
    # (the statement timeout for the web processes only, from gunicorn.conf.py).
    assert seen["db_options"]["connect_timeout"] == 5
    assert "options" not in seen["db_options"]  # migrate, worker, beat: not cut off
    web = _run({**env, "DJANGO_SETTINGS_MODULE": "backend.settings"}, "-c", SETTINGS_PROBE,
               "web")
    assert web.returncode == 0, web.stderr
    web_options = json.loads(web.stdout.strip().splitlines()[-1])["db_options"]
    assert web_options["options"] == "-c statement_timeout=30000"

    result = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_a_weak_secret_key():
    """Control: the same command notices a problem (the placeholder left as SECRET_KEY)."""
    env = {**filled_in(readme_production_block()), "SECRET_KEY": PLACEHOLDER}
    result = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.mark.django_db
def test_https_is_marked_by_the_proxy_header_and_answered_with_hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()
    secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = client.get("/healthz")
    assert "Strict-Transport-Security" not in plain
    assert plain.status_code == 200  # no redirect by Django: the proxy does it


@pytest.mark.django_db
def test_pages_carry_a_csp_with_a_nonce_and_a_referrer_policy():
    response = Client().get("/")
    policy = response.get("Content-Security-Policy") or response[
        "Content-Security-Policy-Report-Only"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy
    assert f'<style nonce="{nonce}">' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["linli.example.cn"])
def test_healthz_answers_plain_http_on_loopback_whatever_the_allowed_hosts():
    local = Client(REMOTE_ADDR="127.0.0.1").get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert local.status_code == 200
    assert local.json()["database"] == "ok"
    # Other pages, and the same Host from elsewhere, still go through the host check.
    assert Client(REMOTE_ADDR="127.0.0.1").get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert Client(REMOTE_ADDR="203.0.113.9").get(
        "/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 400
