"""WeChat retries a message it got no answer to within 5 s, and a replayer may send one
many times at once: the message's command must still run exactly once."""

import threading
import time

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from backend.wechat import selectors
from backend.wechat.models import WeChatInboundMessage
from courses.models import Enrollment
from frontend_api.wechat import commands
from tests.factories.courses import CourseRunFactory, VenueFactory
from tests.factories.wechat import WeChatAccountFactory, WeChatBindingFactory
from tests.helpers.concurrency import run_concurrently

from . import wire

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

N = 8
ROUNDS = 3


@pytest.fixture
def setup(resident, community):
    account = WeChatAccountFactory(slug="weishinan", token="linlidemotoken")
    WeChatBindingFactory(account=account, openid="oResident0001", user=resident)
    runs = [CourseRunFactory(venue=VenueFactory(community=community), code=f"WX-C{i}",
                             capacity=50) for i in range(ROUNDS)]
    return account, runs


def _deliver_concurrently(account, xml) -> list[bytes]:
    def call(i):
        params = wire.query(account.token)  # each delivery freshly signed, as on a retry
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        response = Client().post(f"/wechat/{account.slug}/?{qs}", data=xml.encode(),
                                 content_type="text/xml")
        assert response.status_code == 200, response.content
        return response.content

    results = run_concurrently(call, N)
    for result in results:
        assert not isinstance(result, Exception), repr(result)
    return results


@pytest.fixture
def command_runs(monkeypatch):
    """How many times a command ran, counted across the callback's threads."""
    runs = []
    lock = threading.Lock()
    original = commands.dispatch

    def counting_dispatch(**kwargs):
        with lock:
            runs.append(kwargs.get("text"))
        return original(**kwargs)

    monkeypatch.setattr(commands, "dispatch", counting_dispatch)
    return runs


def test_concurrent_deliveries_of_one_message_run_its_command_once(setup, resident, settings,
                                                                   command_runs):
    # a deadline no delivery reaches here: every one waits for the same reply
    settings.LINLI_WECHAT_REPLY_DEADLINE_S = 60
    account, runs = setup
    for round_no, run in enumerate(runs):
        xml = wire.text_xml(from_user="oResident0001", content=f"报名 {run.code}",
                            msg_id=f"9000{round_no}")
        before = len(command_runs)
        results = _deliver_concurrently(account, xml)
        assert len(command_runs) - before == 1
        # every delivery, the first and the retries, gets the same, non-empty reply
        assert {wire.reply_content(body) for body in results} == {
            wire.reply_content(results[0])}
        assert "报名成功" in wire.reply_content(results[0])
        assert WeChatInboundMessage.objects.filter(msg_id=f"9000{round_no}").count() == 1
        assert Enrollment.objects.filter(run=run, user=resident).count() == 1


def test_control_naive_check_then_record_runs_the_command_several_times(
        setup, monkeypatch, command_runs):
    # given the naive version: look for the record, work, then write it (IntegrityError
    # ignored), outside one transaction
    account, runs = setup

    def naive_handle_message(account, message):
        seen = WeChatInboundMessage.objects.filter(account=account,
                                                   msg_id=message.msg_id).exists()
        if seen:
            return None
        time.sleep(0.05)  # widen the window between the read and the write
        binding = selectors.binding_get(account=account, openid=message.source)
        reply = commands.dispatch(account=account, binding=binding, text=message.content)
        try:
            with transaction.atomic():
                WeChatInboundMessage.objects.create(
                    account=account, msg_id=message.msg_id, from_user=message.source,
                    create_time=message.create_time, msg_type=message.type)
        except IntegrityError:
            pass
        return reply

    monkeypatch.setattr("frontend_api.wechat.views.handle_message", naive_handle_message)

    # then the same harness sees the command run more than once
    worst = 0
    for round_no, run in enumerate(runs):
        xml = wire.text_xml(from_user="oResident0001", content=f"报名 {run.code}",
                            msg_id=f"9100{round_no}")
        before = len(command_runs)
        _deliver_concurrently(account, xml)
        worst = max(worst, len(command_runs) - before)
    assert worst > 1
