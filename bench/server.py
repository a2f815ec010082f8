"""The processes the benchmark talks to: Linli under gunicorn (production settings plus the
bench-only reference URLs) and the bundled fake WeChat, both on free loopback ports."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered 200 on 127.0.0.1:{port}{path} in {timeout:.0f} s")


def start_fake_wechat() -> tuple[subprocess.Popen, str]:
    """WeChat is another machine: the fake runs in its own process (bench/broadcast.py)."""
    proc = subprocess.Popen([sys.executable, "-m", "backend.wechat.fake", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    base_url = proc.stdout.readline().strip().split("=", 1)[1]
    return proc, base_url


def server_env(*, database_url: str, redis_url: str, wechat_origin: str,
               secret_key: str) -> dict:
    """Production settings (DEBUG off) on the bench database. DB_CONN_MAX_AGE and the other
    tuning variables are taken from the caller's environment when set, else Linli's
    defaults apply: the table measures the defaults a deployment gets."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "LINLI_CACHE",
                          "DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "0",
        # the suite's own: the admin session it made must be valid in the server
        "SECRET_KEY": secret_key, "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url, "LINLI_WECHAT_API_ORIGIN": wechat_origin,
        "LINLI_WECHAT_OPEN_ORIGIN": wechat_origin, "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
    })
    # Production needs field keys; the bench's data is throwaway (bench/suite.py's fixed keys).
    env.setdefault("FIELD_ENCRYPTION_KEYS", "bGlubGktYmVuY2gtZmllbGQta2V5LTAxMjM0NTY3ODk=")
    env.setdefault("FIELD_HASH_KEY", "linli-bench-hash-key-not-a-secret")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def start_gunicorn(env: dict, *, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread", "--timeout", "300", "--keep-alive", "30",
         "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env)
    try:
        wait_http(port, "/bench/static")
    except RuntimeError:
        stop(proc)
        raise
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
