from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def count_queries():
    """`with count_queries() as ctx: ...` then `len(ctx)` is the number of SQL queries."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx


def query_count(fn) -> int:
    with count_queries() as ctx:
        fn()
    return len(ctx.captured_queries)
