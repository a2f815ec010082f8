"""What the callback does with a verified, parsed message: dedup, bookkeeping, commands,
and the 5-second rule.

WeChat waits 5 seconds for the passive reply, then retries the same MsgId (three tries in
all) and finally shows the follower an error. So a command runs in a worker thread and the
request waits at most `LINLI_WECHAT_REPLY_DEADLINE_S` (default 4 s) for it:

- done in time: its text is the passive reply;
- not done: the passive reply is "正在处理…", and when the command finishes its text goes
  out as a customer-service message from the same account (a Celery task, enqueued after
  the command's transaction committed).

Why a thread with a deadline rather than deciding up front by command kind: the API
promises the passive reply whenever the command is done in time, and any command can be
slow (a locked row, a busy database, WeChat's API), so only elapsed time can decide. The
hand-off between the request and the thread is one lock (`_Attempt`): either the request
takes the text, or it has already answered "正在处理…" and the thread sends the text; never
both, never neither. The thread opens its own database connection (connections are per
thread) and closes it when done. Tests drive the mechanism with a command blocked on an
`threading.Event`, not with sleeps.

When the caller is already inside a transaction (a test's `TestCase`-style transaction),
a thread could not see its uncommitted rows, so the command runs inline, without a
deadline.

The passive reply of each message (what the first attempt answered: the text, or
"正在处理…", or nothing) is kept in the shared cache under (account, MsgId), so WeChat's
retry of that MsgId gets the same reply, never an empty one. A retry arriving while the
first attempt is still running waits for that reply like any command, so it answers
"正在处理…" when the first attempt is late; the result still arrives once, from the first.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from backend.core.services import enqueue_on_commit
from backend.wechat import client, selectors, services, tasks
from backend.wechat.client import InboundMessage

from . import commands, help_commands

logger = logging.getLogger(__name__)

SUBSCRIBE_EVENTS = {"subscribe", "subscribe_scan"}
# WeChat drops passive text replies over 2048 bytes; keep a margin for the XML escaping.
MAX_REPLY_BYTES = 2000
DEFAULT_REPLY_DEADLINE_SECONDS = 4.0
DEFAULT_COMMAND_THREADS = 8
# WeChat retries within about 15 seconds; an hour leaves room for slow queues.
REPLY_TTL_SECONDS = 3600
# How often a retry looks for the first attempt's reply while it waits.
REPLY_POLL_SECONDS = 0.05
NO_REPLY = ""  # stored for "nothing to say", so it is told apart from "not known yet"


def processing_text() -> str:
    return _("正在处理…")


def busy_text() -> str:
    return _("系统有点忙，请稍后再试。")


def reply_deadline() -> float:
    return float(getattr(settings, "LINLI_WECHAT_REPLY_DEADLINE_S",
                         DEFAULT_REPLY_DEADLINE_SECONDS))


def fit(text: str | None) -> str | None:
    """Cut a reply WeChat would refuse, at a line end where possible."""
    if text:
        text = text.replace("]]>", "]] >")  # the reply's text sits in a CDATA section
    if not text or len(text.encode("utf-8")) <= MAX_REPLY_BYTES:
        return text
    ellipsis = "\n……"
    budget = MAX_REPLY_BYTES - len(ellipsis.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", "ignore")
    if "\n" in cut[len(cut) // 2:]:
        cut = cut[:cut.rindex("\n")]
    return cut + ellipsis


def reply_key(account, message: InboundMessage) -> str:
    """The cache key of a message's passive reply: account and MsgId (events have none;
    they are identified by sender and CreateTime, like the dedup record)."""
    ident = message.msg_id or f"{message.source}\x00{message.create_time}"
    return f"wechat:reply:{account.pk}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


class _Attempt:
    """The hand-off between the request (which must answer in time) and the command's
    thread: whoever comes second under the lock learns what the first decided."""

    def __init__(self):
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._state = "running"
        self.reply: str | None = None

    def finish(self, reply: str | None) -> bool:
        """The thread's result; True when the request will answer with it, False when the
        request has already answered "正在处理…"."""
        with self._lock:
            if self._state != "running":
                return False
            self._state = "answered"
            self.reply = reply
            self._done.set()
            return True

    def wait(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def defer(self) -> bool:
        """The request gives up waiting; False if the result came in at the last moment."""
        with self._lock:
            if self._state != "running":
                return False
            self._state = "deferred"
            return True


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _command_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=int(getattr(settings, "LINLI_WECHAT_COMMAND_THREADS",
                                        DEFAULT_COMMAND_THREADS)),
                thread_name_prefix="wechat-command")
        return _executor


def handle_message(account, message: InboundMessage) -> str | None:
    """The passive reply's text, or None for an empty "success"."""
    if transaction.get_connection().in_atomic_block:
        return _process(account, message, attempt=None)
    attempt = _Attempt()
    # The thread carries the request's context (client address for the audit log) and
    # language.
    context = contextvars.copy_context()
    language = translation.get_language()
    _command_executor().submit(context.run, _run_in_thread, account, message, attempt,
                               language)
    if attempt.wait(reply_deadline()) or not attempt.defer():
        return attempt.reply
    return processing_text()


def _run_in_thread(account, message: InboundMessage, attempt: _Attempt, language) -> None:
    try:
        with translation.override(language):
            _process(account, message, attempt=attempt)
    except Exception:  # _process handles its own failures; this is the last guard
        logger.exception("wechat command thread failed account=%s", account.slug)
        attempt.finish(busy_text())
    finally:
        connections.close_all()  # this thread's connections only


def _process(account, message: InboundMessage, *, attempt: _Attempt | None) -> str | None:
    """Claim the message and run it, or find the reply of the attempt that claimed it.

    The dedup claim and the command's writes share one transaction: if the command fails
    unexpectedly, the claim is rolled back too and WeChat's retry can run it again.
    """
    key = reply_key(account, message)
    claimed = False
    try:
        with transaction.atomic():
            claimed = services.inbound_claim(
                account=account, msg_id=message.msg_id, from_user=message.source,
                create_time=message.create_time, msg_type=message.type, event=message.event)
            text = fit(_respond(account, message)) if claimed else None
    except Exception:
        logger.exception("wechat message handling failed account=%s type=%s", account.slug,
                         message.type)
        text = busy_text()
        if attempt is not None and not attempt.finish(text) and claimed:
            # The follower was told "正在处理…": say it did not work out. Nothing is stored,
            # the claim was rolled back: a later retry runs the command again.
            enqueue_on_commit(tasks.custom_text_send, account.pk, message.source, text)
        return text

    if not claimed:
        reply = _stored_reply(key, wait=reply_deadline() if attempt is not None else 0)
        if attempt is not None:
            attempt.finish(reply)  # a retry never sends: the attempt that claimed does
        return reply

    in_time = attempt is None or attempt.finish(text)
    passive = text if in_time else processing_text()
    cache.set(key, passive or NO_REPLY, timeout=REPLY_TTL_SECONDS)
    if not in_time and text:
        enqueue_on_commit(tasks.custom_text_send, account.pk, message.source, text)
    return passive


def _stored_reply(key: str, *, wait: float) -> str | None:
    """The first attempt's passive reply; "正在处理…" while it is not known (the first
    attempt is still running, or ran in another process and its answer is on its way)."""
    deadline = time.monotonic() + wait
    while True:
        reply = cache.get(key)
        if reply is not None:
            return reply or None
        if time.monotonic() >= deadline:
            return processing_text()
        time.sleep(REPLY_POLL_SECONDS)


def _respond(account, message: InboundMessage) -> str | None:
    if message.type == "event":
        return _handle_event(account, message)
    if message.type == "text":
        services.binding_touch(account=account, openid=message.source)
        binding = selectors.binding_get(account=account, openid=message.source)
        return commands.dispatch(account=account, binding=binding, text=message.content,
                                 msg_id=message.msg_id or "")
    if message.type == "image":
        # A photo starts a help request (便民纸条), like `求助`.
        services.binding_touch(account=account, openid=message.source)
        binding = selectors.binding_get(account=account, openid=message.source)
        return help_commands.photo_message(account=account, binding=binding,
                                           msg_id=message.msg_id or "",
                                           media_id=message.media_id)
    return _("我现在只看得懂文字和照片。\n回复「帮助」看看我能做什么。")


def _handle_event(account, message: InboundMessage) -> str | None:
    if message.event in SUBSCRIBE_EVENTS:
        services.binding_touch(account=account, openid=message.source, subscribed=True)
        binding = selectors.binding_get(account=account, openid=message.source)
        return commands.welcome_text(account, binding)
    if (result := client.mass_send_result(message)) is not None:
        services.mass_send_finished(account=account, **result)
        return None
    if message.event == "unsubscribe":
        services.binding_touch(account=account, openid=message.source, subscribed=False)
        return None
    if message.event == "click" and message.event_key:
        # Menu buttons whose key is a command word behave like typing it.
        services.binding_touch(account=account, openid=message.source)
        binding = selectors.binding_get(account=account, openid=message.source)
        return commands.dispatch(account=account, binding=binding, text=message.event_key)
    return None
