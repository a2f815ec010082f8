"""Delivery guarantees measured with real Celery workers, Redis and the bundled fake WeChat.

(a) `kill -9` of the worker in the middle of 2,000 notifications: after a restart and the
    outbox sweep (run as the beat runs it), every notification reached WeChat, as the fake
    counts them; duplicates only for messages in flight at the kill (at most the worker's
    concurrency).
(b) Eight concurrent sends that all get 40001 cause exactly one token fetch.

Need CELERY_BROKER_URL and REDIS_URL (the token store and its lock are shared across
processes through the cache). In CI (CI set) a missing or unreachable service fails the
test; elsewhere the test is skipped with the reason printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import requests
from celery._state import _set_task_join_will_block
from django.db import connection
from django.utils import timezone
from kombu import Connection

from backend.celery import app
from backend.notifications import services
from backend.notifications.models import Notification, NotificationKind, NotificationStatus
from backend.notifications.tasks import deliver
from backend.wechat.fake import FakeWeChat, FakeWeChatControl
from backend.wechat.models import AccountType, WeChatBinding, WeChatTemplate
from tests.factories.accounts import UserFactory
from tests.factories.wechat import WeChatAccountFactory
from tests.helpers.database import database_url

pytestmark = [pytest.mark.integration, pytest.mark.heavy,
              pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SEND_PATH = "/cgi-bin/message/template/send"
KIND = NotificationKind.JOB_OFFERED


# --- services ----------------------------------------------------------------------------
def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide the broker and Redis)")
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def _require_services() -> str:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not broker:
        _unavailable("needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/9)")
    if not redis_url:
        _unavailable("needs REDIS_URL (e.g. redis://127.0.0.1:6379/8): the shared token store")

    try:
        with Connection(broker, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _unavailable(f"broker {broker} not reachable: {type(exc).__name__}: {exc}")

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"Redis {redis_url} not reachable: {type(exc).__name__}: {exc}")
    return broker


class Worker:
    """`celery -A backend worker` (prefork) in its own process group, so `kill -9` takes
    the parent and its pool processes at once, as an OOM kill or a lost machine would."""

    def __init__(self, *, queue: str, broker: str, fake_url: str, concurrency: int):
        self.queue, self.broker, self.fake_url = queue, broker, fake_url
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.logs: list[str] = []
        self.generation = 0

    def start(self) -> None:
        self.generation += 1
        name = f"{self.queue}-{self.generation}@{os.uname().nodename}"
        env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": self.broker,
               "DJANGO_SETTINGS_MODULE": "backend.settings",
               "LINLI_WECHAT_API_ORIGIN": self.fake_url,
               "LINLI_WECHAT_OPEN_ORIGIN": self.fake_url}
        log = tempfile.NamedTemporaryFile(prefix=f"{self.queue}-", suffix=".log",  # noqa: SIM115
                                          delete=False)
        self.logs.append(log.name)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "-P", "prefork",
             "-c", str(self.concurrency), "-Q", self.queue, "-n", name, "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail("Celery worker exited:\n" + Path(log.name).read_text())
            if app.control.ping(destination=[name], timeout=1.0):
                return
        pytest.fail("Celery worker did not answer a ping within 60 s")

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        for name in self.logs:
            text = Path(name).read_text(errors="replace")
            if "Traceback" in text:
                print(f"--- Celery worker log {name} ---\n{text[-6000:]}")
            Path(name).unlink(missing_ok=True)


@pytest.fixture
def fake():
    server = FakeWeChat()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def worker_factory(transactional_db, fake, settings):
    broker = _require_services()
    _set_task_join_will_block(False)
    settings.LINLI_WECHAT_API_ORIGIN = fake.base_url
    queue = f"linli-test-{uuid.uuid4().hex[:8]}"
    workers: list[Worker] = []
    previous_queue = app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue

    def make(concurrency: int) -> Worker:
        worker = Worker(queue=queue, broker=broker, fake_url=fake.base_url,
                        concurrency=concurrency)
        workers.append(worker)
        return worker

    try:
        yield make
    finally:
        app.conf.task_always_eager = True
        app.conf.task_default_queue = previous_queue
        for worker in workers:
            worker.stop()
        with app.connection_for_write() as conn:  # leave no messages behind in Redis
            conn.default_channel.queue_purge(queue)


def _district(fake, *, followers: list[str]):
    account = WeChatAccountFactory(slug="weishinan", name="微市南",
                                   app_id="wxlinlidemo0000000", app_secret="demo-secret",
                                   account_type=AccountType.SERVICE)
    WeChatTemplate.objects.create(account=account, kind=KIND, template_id="TPL_JOB")
    control = FakeWeChatControl(fake.base_url)
    control.add_account(account.app_id, account.app_secret, token=account.token)
    control.add_templates(account.app_id, [{"template_id": "TPL_JOB"}])
    for start in range(0, len(followers), 5000):
        control.add_followers(account.app_id,
                              [{"openid": o} for o in followers[start:start + 5000]])
    return account, control


def _outbox(account, count: int) -> list[int]:
    """`count` bound people and one PENDING notification each, as `notify` leaves them."""
    users = UserFactory.create_batch(count)
    now = timezone.now()
    WeChatBinding.objects.bulk_create([
        WeChatBinding(account=account, openid=f"oFan{n:05d}", user=user, bound_at=now)
        for n, user in enumerate(users)])
    Notification.objects.bulk_create([
        Notification(user=user, kind=KIND, dedup_key=f"guarantee:{n}", title="派单",
                     data={"keywords": ["理发", "11月26日 14:00", "金口路社区"]},
                     next_attempt_at=now)
        for n, user in enumerate(users)])
    return list(Notification.objects.order_by("id").values_list("pk", flat=True))


def _counts() -> dict:
    connection.close()  # a fresh look at what the workers committed
    rows = Notification.objects.values_list("status", flat=True)
    result: dict[str, int] = {}
    for status in rows:
        result[status] = result.get(status, 0) + 1
    return result


def _wait(predicate, *, timeout: float, what: str, poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; outbox: {_counts()}")


def _settled(stable_for: float = 3.0, timeout: float = 300) -> dict:
    """Wait until the outbox stops changing and nothing is being sent right now. The timeout
    is only a safety net: on a loaded 2-core machine the restarted worker needs well over a
    minute for the ~1,700 messages still queued."""
    last, since = None, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = _counts()
        if counts != last:
            last, since = counts, time.monotonic()
        elif time.monotonic() - since >= stable_for:
            return counts
        time.sleep(0.5)
    pytest.fail(f"the outbox kept changing for {timeout} s: {last}")


# --- (a) a worker killed mid-delivery ------------------------------------------------------
N = 2000
CONCURRENCY = 4


def test_kill_9_mid_delivery_loses_nothing_and_duplicates_at_most_the_in_flight(
        worker_factory, fake):
    account, control = _district(fake, followers=[f"oFan{n:05d}" for n in range(N)])
    ids = _outbox(account, N)
    # WeChat answers a little slowly, so the kill finds messages in flight
    control.set_delay(SEND_PATH, 0.02)
    worker = worker_factory(CONCURRENCY)
    worker.start()
    for notification_id in ids:
        deliver.delay(notification_id)

    # when the worker is killed with SIGKILL after a few hundred messages
    _wait(lambda: len(control.messages(kind="template")) >= 300, timeout=60,
          what="300 messages before the kill", poll=0.1)
    worker.kill9()
    kill_time = timezone.now()
    in_flight = _counts().get(NotificationStatus.SENDING, 0)
    assert in_flight <= CONCURRENCY

    # and started again: it takes what is still queued; what the dead worker had taken
    # off the queue (prefetched, in flight) waits for the broker's 1 h visibility
    # timeout — the outbox sweep must recover it instead
    worker.start()
    _settled()
    # the sweep, as the beat runs it once a claim is past its time limit
    beat_now = kill_time + services.SENDING_STALE_AFTER + timedelta(minutes=1)
    rounds = 0
    while _counts().get(NotificationStatus.SENT, 0) < N and rounds < 6:
        services.notifications_sweep(now=beat_now, batch=N)
        _settled()
        rounds += 1

    # then every notification is SENT and the fake got every one of them
    counts = _counts()
    assert counts == {NotificationStatus.SENT: N}, counts
    messages = control.messages(kind="template")
    per_openid: dict[str, int] = {}
    for message in messages:
        openid = message["body"]["touser"]
        per_openid[openid] = per_openid.get(openid, 0) + 1
    assert len(per_openid) == N, f"{N - len(per_openid)} notifications never reached WeChat"
    duplicates = len(messages) - N
    print(f"kill -9: {in_flight} in flight at the kill, {duplicates} duplicates, "
          f"{rounds} sweep round(s)")
    # only what was in flight at the kill can have been shown twice
    assert duplicates <= in_flight <= CONCURRENCY
    assert max(per_openid.values()) <= 2


# --- (b) single flight of the token refresh -----------------------------------------------
def test_eight_concurrent_sends_refused_40001_fetch_one_token(worker_factory, fake):
    fans = [f"oFan{n:05d}" for n in range(9)]
    account, control = _district(fake, followers=fans)
    ids = _outbox(account, 9)
    worker = worker_factory(8)
    worker.start()
    # given a token in the shared store (one send fetched it)
    deliver.delay(ids[0])
    _wait(lambda: len(control.messages(kind="template")) == 1, timeout=30, what="first send")
    assert len(control.calls(kind="stable_token")) == 1
    # and another system forcing a refresh, which ends that token at WeChat (40001)
    forced = requests.post(f"{fake.base_url}/cgi-bin/stable_token", timeout=5, json={
        "grant_type": "client_credential", "appid": account.app_id,
        "secret": account.app_secret, "force_refresh": True}).json()
    assert forced.get("access_token")
    mark = control.calls()[-1]["seq"]
    # WeChat's token endpoint slow enough that all eight are refused before the first
    # refresh completes (the waiters give up only after client.TOKEN_WAIT_SECONDS)
    control.set_delay(SEND_PATH, 0.3)
    control.set_delay("/cgi-bin/stable_token", 2.5)

    # when eight sends run at once on eight pool processes
    for notification_id in ids[1:]:
        deliver.delay(notification_id)
    _wait(lambda: _counts().get(NotificationStatus.SENT, 0) == 9, timeout=60,
          what="eight sends")

    # then all eight were refused with 40001 and exactly one token was fetched
    calls = control.calls(since=mark)
    refused = [c for c in calls if c["kind"] == "template" and c["errcode"] == 40001]
    fetches = [c for c in calls if c["kind"] == "stable_token"]
    assert len(refused) == 8, f"{len(refused)} of 8 sends saw the ended token"
    assert len(fetches) == 1, f"{len(fetches)} token fetches for one refused token"
    assert len(control.messages(kind="template")) == 9
