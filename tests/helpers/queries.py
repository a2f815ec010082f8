"""Counting SQL queries, and asserting the exact count pinned in `tests/query_pins.py`.

`assert_query_count("courses")` (or `assert_database_query_count(7)`) fails when the block
runs a different number of queries than the pin, and lists the SQL it ran, so a creep from
6 to 11 queries fails with the five new statements in front of you (Zulip's
`assert_database_query_count`). Only queries to the default database are counted, including
SAVEPOINT / RELEASE SAVEPOINT statements: they are round trips too. Not counted: the
per-request `SET/RESET statement_timeout` on PostgreSQL (the view's query-time limit), a
constant of the transport rather than of the operation, so pins are the same on both
databases.

The statements are collected by an execute wrapper of the block's own, not read from
Django's `connection.queries_log`: that log is a deque of at most 9000 entries which
`CaptureQueriesContext` slices by position, so once a long session has logged 9000
statements every later count comes out short, down to 0 (the N+1 walk runs ~10,600).
"""

import json
import os
import re
import time
from collections import Counter
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from tests.query_pins import PINS

# Statements listed in a failure message; an N+1 shows itself well before this.
_SHOWN = 60
_SESSION_SETTING = re.compile(r"^\s*(SET|RESET) statement_timeout\b", re.IGNORECASE)


class _Capture:
    """The statements the block runs on `connection` (as `CaptureQueriesContext` records
    them: `{"sql", "time"}`, the SQL with its parameters in), less the request's
    statement-timeout bookkeeping. Unbounded, and nests."""

    def __init__(self, connection):
        self.connection = connection
        self._queries: list[dict] = []

    def _record(self, execute, sql, params, many, context):
        start = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            duration = time.monotonic() - start
            if many:
                try:
                    times = len(params)
                except TypeError:
                    times = "?"
                text = f"{times} times: {sql}"
            else:
                text = self.connection.ops.last_executed_query(context["cursor"], sql, params)
            self._queries.append({"sql": text, "time": f"{duration:.3f}"})

    def __enter__(self):
        self._wrapping = self.connection.execute_wrapper(self._record)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._wrapping.__exit__(*exc_info)

    @property
    def captured_queries(self) -> list[dict]:
        return [q for q in self._queries if not _SESSION_SETTING.match(q["sql"])]

    def __len__(self):
        return len(self.captured_queries)


@contextmanager
def count_queries():
    """`with count_queries() as ctx: ...` then `len(ctx)` is the number of SQL queries."""
    with _Capture(connections[DEFAULT_DB_ALIAS]) as ctx:
        yield ctx


def query_count(fn) -> int:
    with count_queries() as ctx:
        fn()
    return len(ctx.captured_queries)


def pinned_count(name: str, vendor: str | None = None) -> int:
    """The pinned number of queries for `name` on this database vendor."""
    if name not in PINS:
        raise KeyError(f"no query pin named {name!r} in tests/query_pins.py")
    pin = PINS[name]
    if isinstance(pin, dict):
        vendor = vendor or connections[DEFAULT_DB_ALIAS].vendor
        if vendor not in pin:
            raise KeyError(f"query pin {name!r} has no value for {vendor!r}: {pin}")
        return pin[vendor]
    return pin


def _shape(sql: str) -> str:
    """The statement with its literals blanked, so repeats of one query group together."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


@contextmanager
def assert_database_query_count(expected: int, *, label: str = "block"):
    """Fail unless the block runs exactly `expected` queries on the default database.
    Yields the capture, so `len(ctx)` can be compared across runs too."""
    with count_queries() as ctx:
        yield ctx
    _record(label, expected, len(ctx.captured_queries))
    if len(ctx.captured_queries) != expected:
        raise AssertionError(_mismatch_message(label, expected, ctx.captured_queries))


@contextmanager
def assert_query_count(name: str):
    """`with assert_query_count("courseEnroll"): ...` — the count pinned as `name` in
    tests/query_pins.py, for this database vendor."""
    with assert_database_query_count(pinned_count(name), label=name) as ctx:
        yield ctx


def _mismatch_message(label: str, expected: int, queries: list[dict]) -> str:
    actual = len(queries)
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    lines = [f"{label} ({vendor}): expected {expected} SQL queries, got {actual} "
             f"({actual - expected:+d}). If the change is deliberate, update the pin in "
             f"tests/query_pins.py in a commit of its own."]
    repeated = [(shape, n) for shape, n in Counter(_shape(q["sql"]) for q in queries).items()
                if n > 1]
    if repeated:
        lines.append("Repeated statements (an N+1 looks like this):")
        lines += [f"  {n}x {shape[:300]}" for shape, n in
                  sorted(repeated, key=lambda item: -item[1])[:5]]
    lines.append("Queries run:")
    lines += [f"  {i}. {q['sql']}" for i, q in enumerate(queries[:_SHOWN], 1)]
    if actual > _SHOWN:
        lines.append(f"  ... and {actual - _SHOWN} more")
    return "\n".join(lines)


def _record(label: str, expected: int, actual: int) -> None:
    """With QUERY_PINS_RECORD=<file>, append every measurement to that file as a JSON line:
    how the pins are measured on each database. The assertion still runs."""
    path = os.environ.get("QUERY_PINS_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"name": label, "vendor": connections[DEFAULT_DB_ALIAS].vendor,
                                  "expected": expected, "actual": actual}) + "\n")
