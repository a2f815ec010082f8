"""Work that leaves the request: with no broker (tasks run eagerly, in-process), a task
sent during a request runs after the response has gone out, not while the client waits.

`request_started` opens a per-thread list, `enqueue_on_commit` appends to it while a
request is open and tasks run eagerly, and `request_finished` (sent by the WSGI server, or
the test client, when it closes the response) runs the list. With a real broker, tasks are
sent at commit as before: the worker, not the request, does the work."""

import logging
import threading

from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)
_state = threading.local()


def defer(send) -> bool:
    """Run `send` after the current response; False when no request is open here."""
    pending = getattr(_state, "pending", None)
    if pending is None:
        return False
    pending.append(send)
    return True


def _open(**kwargs) -> None:
    _run()  # a request that never finished on this thread (a streamed body cut off)
    _state.pending = []


def _run(**kwargs) -> None:
    pending = getattr(_state, "pending", None)
    _state.pending = None
    for send in pending or ():
        try:
            send()
        except Exception:  # as on_commit(robust=True): the write is committed already
            logger.exception("task after the response failed")


def connect() -> None:
    request_started.connect(_open, dispatch_uid="linli.after_response.open")
    request_finished.connect(_run, dispatch_uid="linli.after_response.run")
