"""PostgreSQL's statement time limit per kind of request, on reused connections.

The web processes' connections start with the process default (gunicorn.conf.py,
DB_STATEMENT_TIMEOUT_MS); GraphQL requests run under a tighter one. Setting it and resetting
it around every GraphQL request cost two round trips each (of five for `me`), so outside a
transaction the limit is left on the connection and remembered on it: the next GraphQL
request on that connection sends nothing, and the first other request sends one RESET
(`DefaultStatementTimeoutMiddleware`). Inside a transaction (tests) a SET would be undone by
its rollback, so there it is set and reset around the block as before."""

from contextlib import contextmanager

from django.db import connection

# On the DB-API connection, not Django's wrapper: a replaced connection starts at the default.
_ATTR = "_linli_statement_timeout_ms"


def _current():
    raw = connection.connection
    return getattr(raw, _ATTR, None) if raw is not None else None


@contextmanager
def statement_timeout(ms: int):
    """Every statement inside runs under `ms` milliseconds (PostgreSQL; 0: no change)."""
    if connection.vendor != "postgresql" or not ms:
        yield
        return
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [int(ms)])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        return
    connection.ensure_connection()
    if _current() != ms:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [int(ms)])
        setattr(connection.connection, _ATTR, ms)
    yield


def restore_default() -> None:
    """Back to the connection's own default, if a GraphQL request left its limit on it."""
    if connection.vendor != "postgresql" or _current() is None:
        return
    if connection.in_atomic_block:
        return  # never inside a request's transaction; the next request outside resets it
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")
    setattr(connection.connection, _ATTR, None)


class DefaultStatementTimeoutMiddleware:
    """Requests other than GraphQL's run under the connection's default limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/graphql/"):
            restore_default()
        return self.get_response(request)
