"""`make run`'s stack, started the way the Makefile starts it (honcho with the Procfile:
gunicorn threads, a Celery worker and beat on the filesystem broker, the database cache),
against a temporary SQLite file, broker folder and ports, then stopped with Ctrl-C."""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

pytestmark = [pytest.mark.heavy, pytest.mark.concurrency]

# The stack's environment is built from scratch: nothing of the suite's own database,
# broker, Redis or in-memory cache setting may leak into it.
DROPPED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
           "CELERY_BROKER_TRANSPORT_OPTIONS", "LINLI_CACHE", "SQLITE_TEST_NAME",
           "PUBLIC_BASE_URL", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "PORT", "HOST",
           "LINLI_WECHAT_API_ORIGIN", "LINLI_WECHAT_OPEN_ORIGIN", "LINLI_FAKE_WECHAT_PORT")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True,
                         check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = (int(x) for x in line.split())
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,stat="], capture_output=True, text=True,
                         check=True).stdout
    running = {int(p) for p, stat in (line.split() for line in out.splitlines())
               if not stat.startswith("Z")}
    return pids & running


def _post(url: str, data: dict, *, token: str | None = None, as_json: bool = False,
          timeout: float = 60) -> tuple[int, dict]:
    headers = {}
    if as_json:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    else:
        body = urllib.parse.urlencode(data).encode()
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"body": exc.read().decode(errors="replace")}


@pytest.fixture
def stack(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LINLI_FAKE_WECHAT_STATE_FILE": str(tmp_path / "fake-wechat.json"),
        "PUBLIC_BASE_URL": base,
        "HOST": "127.0.0.1",
        "DEBUG": "1",
        # Six seconds, so the test sees an offer expire by itself.
        "VOLUNTEER_OFFER_TTL_MINUTES": "0.1",
        "PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    })

    def manage(*args: str) -> str:
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}"
        return done.stdout

    # What `make run` does before it starts the processes.
    prepared_from = time.monotonic()
    manage("migrate", "--noinput", "-v", "0")
    manage("createcachetable")
    manage("seed_demo")
    manage("collectstatic", "--noinput", "-v", "0")

    log_path = tmp_path / "honcho.log"
    log = log_path.open("w")
    honcho = subprocess.Popen(
        [PYTHON, "scripts/run_procfile.py", "--procfile", "Procfile", "start",
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = {honcho.pid}
    began = time.monotonic()
    try:
        deadline = time.monotonic() + 90
        while True:
            assert honcho.poll() is None, "honcho exited:\n" + log_path.read_text()[-4000:]
            started |= _descendants(honcho.pid)
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    health = json.loads(r.read())
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "no /healthz:\n" + log_path.read_text()
                time.sleep(0.5)
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}
        healthy_after = time.monotonic() - began
        # The runner started the fake WeChat on a port of its own and registered the demo.
        fake = re.search(r"模拟微信 \(fake WeChat\)\s+(http://127\.0\.0\.1:\d+)",
                         log_path.read_text())
        assert fake, log_path.read_text()[-3000:]
        while "微信模拟器：" not in log_path.read_text():
            assert honcho.poll() is None, "honcho exited:\n" + log_path.read_text()[-4000:]
            assert time.monotonic() < deadline, "the fake WeChat did not start:\n" + \
                log_path.read_text()[-4000:]
            time.sleep(0.3)
        print(f"make run stack: migrate + seed + collectstatic {began - prepared_from:.1f} s; "
              f"then /healthz after {healthy_after:.1f} s, the fake WeChat registered "
              f"after {time.monotonic() - began:.1f} s")
        started |= _descendants(honcho.pid)
        yield {"base": base, "manage": manage, "db": tmp_path / "db.sqlite3",
               "log": log_path, "fake": fake.group(1), "env": env}
    finally:
        started |= _descendants(honcho.pid)
        honcho.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            honcho.kill()
        log.close()
        deadline = time.monotonic() + 10
        while _alive(started) and time.monotonic() < deadline:
            time.sleep(0.2)
        log_text = log_path.read_text()
        left = _alive(started)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes left running after Ctrl-C: {sorted(left)}"
        # Every process stopped by itself, none had to be killed.
        assert "SIGKILL" not in log_text, log_text[-3000:]


ENROL = """mutation($runId: ID!) { courseEnroll(runId: $runId) {
  enrollment { status } errors { field message code } } }"""

DISPATCH = """mutation($skill: String!, $startsAt: DateTime!, $communityId: ID!) {
  dispatchCreate(skill: $skill, startsAt: $startsAt, durationMinutes: 60,
                 communityId: $communityId) {
    serviceRequest { id status } errors { field message code } } }"""


def _token(base: str, username: str, password: str) -> str:
    status, body = _post(f"{base}/api/auth/token/", {"username": username,
                                                      "password": password})
    assert status == 200, body
    return body["token"]


def test_make_run_stack_holds_a_burst_and_runs_background_work(stack):
    base = stack["base"]
    data = json.loads(stack["manage"](
        "shell", "-c", "from tests.integration.run_stack_setup import main; main()"
    ).strip().splitlines()[-1])

    # (a) Forty people, each with a token of their own, press "enrol" at the same moment.
    tokens: list[str] = [None] * len(data["usernames"])

    def login(i: int, name: str) -> None:
        tokens[i] = _token(base, name, data["password"])

    logins = [threading.Thread(target=login, args=(i, n))
              for i, n in enumerate(data["usernames"])]
    for t in logins:
        t.start()
    for t in logins:
        t.join()
    assert all(tokens)
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[int, dict]] = [None] * len(tokens)

    def enrol(i: int) -> None:
        barrier.wait()
        answers[i] = _post(f"{base}/graphql/", {"query": ENROL,
                                                 "variables": {"runId": data["run_id"]}},
                           token=tokens[i], as_json=True, timeout=120)

    threads = [threading.Thread(target=enrol, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in answers] == [200] * len(tokens), answers
    payloads = [body["data"]["courseEnroll"] for _, body in answers]
    assert all(p["errors"] == [] for p in payloads), payloads
    statuses = [p["enrollment"]["status"] for p in payloads]
    assert statuses.count("ENROLLED") == data["capacity"]
    assert statuses.count("WAITLISTED") == len(tokens) - data["capacity"]
    with sqlite3.connect(stack["db"]) as db:
        stored = dict(db.execute("SELECT status, count(*) FROM courses_enrollment "
                                 "WHERE run_id = ? GROUP BY status", (data["run_pk"],)))
    assert stored == {"ENROLLED": data["capacity"],
                      "WAITLISTED": len(tokens) - data["capacity"]}

    # (b) A dispatch offer nobody answers expires on the worker and moves on by itself.
    coordinator = _token(base, "coordinator", "linli-demo")
    status, body = _post(f"{base}/graphql/", {"query": DISPATCH, "variables": {
        "skill": "haircut", "startsAt": data["job_start"],
        "communityId": data["community_id"]}}, token=coordinator, as_json=True)
    assert status == 200, body
    created = body["data"]["dispatchCreate"]
    assert created["errors"] == [] and created["serviceRequest"]["status"] == "OFFERED", body
    offered_at = time.monotonic()
    with sqlite3.connect(stack["db"]) as db:
        request_id = db.execute("SELECT max(id) FROM volunteers_servicerequest").fetchone()[0]
        (first_volunteer,) = db.execute(
            "SELECT volunteer_id FROM volunteers_offer WHERE request_id = ?",
            (request_id,)).fetchone()
    rows = []
    while time.monotonic() - offered_at < 45:
        with sqlite3.connect(stack["db"]) as db:
            rows = db.execute("SELECT volunteer_id, status FROM volunteers_offer "
                              "WHERE request_id = ? ORDER BY id", (request_id,)).fetchall()
        if len(rows) >= 2:
            break
        time.sleep(0.5)
    moved_after = time.monotonic() - offered_at
    print(f"offer expired and moved on after {moved_after:.1f} s (TTL 6 s)")
    assert rows[0] == (first_volunteer, "EXPIRED"), rows
    assert rows[1][0] != first_volunteer and rows[1][1] == "OFFERED", rows
    log = stack["log"].read_text()
    assert "volunteers.offer_expire" in log
    # Beat is up and sends its minutely sweeps to the same worker.
    assert "volunteers.offers_sweep" in log or "Sending due task" in log, log[-3000:]
