"""Replies inside 5 seconds: a command not done within LINLI_WECHAT_REPLY_DEADLINE_S
answers "正在处理…" and its result arrives as a customer-service message; WeChat's retry of
a MsgId gets the reply the first attempt got. Over loopback: the fake WeChat posts to
Linli's callback (live server) and records the passive reply and the custom message.

The slow command is 证书 with its selector blocked on an Event until the test releases it:
the deadline is short, but no assertion depends on how fast anything runs."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from frontend_api.wechat import commands, handlers
from tests.factories.wechat import (
    SafeWeChatAccountFactory,
    WeChatAccountFactory,
    WeChatBindingFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oResident0001"
PROCESSING = "正在处理…"
NO_CERTIFICATES = "您还没有证书"


@pytest.fixture(params=["plain", "safe"])
def account(request, db):
    if request.param == "safe":
        return SafeWeChatAccountFactory(slug="jinkoulu", name="金口路社区")
    return WeChatAccountFactory(slug="weishinan", name="微市南")


@pytest.fixture
def fake(fake_wechat, account, live_server, resident):
    WeChatBindingFactory(account=account, openid=OPENID, user=resident)
    fields = {"encoding_aes_key": account.encoding_aes_key} if account.encoding_aes_key else {}
    fake_wechat.register(account, followers=[OPENID],
                         callback_url=f"{live_server.url}/wechat/{account.slug}/", **fields)
    return fake_wechat


@pytest.fixture
def command_threads(monkeypatch):
    """A fresh pool for the callback's command threads; `drain()` waits for every command
    thread to finish, so "exactly once" can be asserted without sleeping."""
    def fresh_pool():
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-wechat-command")

    monkeypatch.setattr(handlers, "_executor", fresh_pool())

    class Threads:
        @staticmethod
        def drain():
            handlers._executor.shutdown(wait=True)
            handlers._executor = fresh_pool()

    yield Threads
    handlers._executor.shutdown(wait=True)


@pytest.fixture
def blocked_certificates(monkeypatch):
    """证书 blocks inside its selector until `release` is set; `started` says it got there."""
    started, release = threading.Event(), threading.Event()
    original = commands.certificate_selectors.certificate_list_for_holder

    def slow_selector(user):
        started.set()
        assert release.wait(30), "the test never released the command"
        return original(user)

    monkeypatch.setattr(commands.certificate_selectors, "certificate_list_for_holder",
                        slow_selector)
    yield started, release
    release.set()  # never leave a thread blocked behind a failed assertion


@pytest.fixture
def command_runs(monkeypatch):
    runs, lock = [], threading.Lock()
    original = commands.dispatch

    def counting_dispatch(**kwargs):
        with lock:
            runs.append(kwargs["text"])
        return original(**kwargs)

    monkeypatch.setattr(commands, "dispatch", counting_dispatch)
    return runs


def _custom_texts(fake, account):
    return [m["body"]["text"]["content"] for m in
            fake.control.messages(appid=account.app_id, openid=OPENID, kind="custom")]


def _wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_slow_command_answers_processing_and_sends_its_result_as_a_custom_message(
        fake, account, settings, blocked_certificates, command_threads):
    settings.LINLI_WECHAT_REPLY_DEADLINE_S = 0.3
    started, release = blocked_certificates

    # when the follower asks for 证书 and the command cannot finish before the deadline
    answer = fake.control.inbound(account.app_id, OPENID, "证书")

    # then the passive reply (opened by the fake, in safe mode too) says it is on its way
    assert answer["callback_status"] == 200
    assert answer["reply"] == PROCESSING
    assert answer["encrypted"] is bool(account.encoding_aes_key)
    assert started.is_set()
    assert _custom_texts(fake, account) == []

    # and once the command finishes, its answer arrives once, from the same account
    release.set()
    command_threads.drain()
    texts = _custom_texts(fake, account)
    assert len(texts) == 1 and NO_CERTIFICATES in texts[0]


def test_a_command_done_in_time_is_the_passive_reply_and_sends_nothing_else(
        fake, account, settings, command_threads):
    settings.LINLI_WECHAT_REPLY_DEADLINE_S = 30  # the command is never late here

    answer = fake.control.inbound(account.app_id, OPENID, "证书")

    command_threads.drain()
    assert NO_CERTIFICATES in answer["reply"]
    assert _custom_texts(fake, account) == []


def test_a_retried_msg_id_gets_the_first_reply_and_runs_once(
        fake, account, settings, command_threads, command_runs):
    settings.LINLI_WECHAT_REPLY_DEADLINE_S = 30

    first = fake.control.inbound(account.app_id, OPENID, "证书", msg_id="7000000001")
    retry = fake.control.inbound(account.app_id, OPENID, "证书", msg_id="7000000001")

    command_threads.drain()
    assert NO_CERTIFICATES in first["reply"]
    assert retry["reply"] == first["reply"]
    assert command_runs == ["证书"]
    assert _custom_texts(fake, account) == []


def test_a_retry_while_the_first_attempt_runs_answers_processing_and_the_result_comes_once(
        fake, account, settings, blocked_certificates, command_threads, command_runs):
    settings.LINLI_WECHAT_REPLY_DEADLINE_S = 0.3
    started, release = blocked_certificates

    # given a first attempt still running
    first = fake.control.inbound(account.app_id, OPENID, "证书", msg_id="7000000002")
    assert first["reply"] == PROCESSING and started.is_set()

    # when WeChat retries the same MsgId
    retry = fake.control.inbound(account.app_id, OPENID, "证书", msg_id="7000000002")

    # then the retry says the same, and the result arrives once, from the first attempt
    assert retry["reply"] == PROCESSING
    release.set()
    command_threads.drain()
    texts = _custom_texts(fake, account)
    assert len(texts) == 1 and NO_CERTIFICATES in texts[0]
    assert command_runs == ["证书"]

    # and a later retry still gets what the first attempt answered, never an empty reply
    late = fake.control.inbound(account.app_id, OPENID, "证书", msg_id="7000000002")
    assert late["reply"] == PROCESSING
    assert command_runs == ["证书"]
    assert len(_custom_texts(fake, account)) == 1
