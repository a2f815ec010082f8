"""End-of-suite scan for personal data in clear text (issue #13 "Done means").

Looks for a mobile number `(?<!\\d)1[3-9]\\d{9}(?!\\d)` or a resident ID number (GB 11643
shape with a valid check character) in:
- every text and blob column of every table of the test database at the end of the
  session (encrypted fields and keyed hashes excluded: they hold tokens, not text);
- every log record of the session (a handler on the root logger);
- the log files of the real Celery workers the suite started;
- every task's arguments as published (`before_task_publish`) or, in eager mode, as run
  (`task_prerun`: an eager task is never published).

Opaque tokens (long runs of letters and digits: hashes, Fernet tokens, session keys) are
removed before matching, so random material is not mistaken for a number.
"""

import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from celery.signals import before_task_publish, task_prerun
from django.apps import apps

from backend.core.fields import EncryptedTextField, KeyedHashField
from backend.core.validators import id_number_check_character

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])"
                       r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
# Hex digests, base64 tokens: 24+ token characters with at least one letter.
OPAQUE = re.compile(r"[A-Za-z0-9_\-+/=]{24,}")


def _opaque(match: re.Match) -> str:
    text = match.group(0)
    return " " if re.search(r"[A-Za-z]", text) else text


def find_personal_data(text: str) -> list[str]:
    """Clear-text mobile numbers and valid ID numbers in `text`, masked for the report."""
    if not text:
        return []
    text = OPAQUE.sub(_opaque, text)
    found = [f"phone {m[:3]}****{m[-4:]}" for m in PHONE.findall(text)]
    for match in ID_NUMBER.finditer(text):
        number = match.group(0)
        if id_number_check_character(number[:17]) == number[17].upper():
            found.append(f"ID number {number[:3]}…{number[-2:]}")
    return found


@dataclass
class Finding:
    where: str
    what: str
    excerpt: str


@dataclass
class PiiCollector:
    findings: list[Finding] = field(default_factory=list)
    worker_logs: list[Path] = field(default_factory=list)
    worker_log_dir: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    paused: bool = False

    def check(self, where: str, text: str) -> None:
        if self.paused:
            return
        for what in find_personal_data(text):
            masked = PHONE.sub("1**********", text)[:160]
            with self._lock:
                self.findings.append(Finding(where, what, masked))

    @contextmanager
    def pause(self):
        """For the control test: what it plants must not fail the session."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False

    def report(self) -> str:
        lines = [f"- {f.where}: {f.what} in {f.excerpt!r}" for f in self.findings[:50]]
        more = len(self.findings) - 50
        return ("Personal data in clear text found by the end-of-suite scan (issue #13):\n"
                + "\n".join(lines) + (f"\n… and {more} more" if more > 0 else ""))


class CollectingHandler(logging.Handler):
    def __init__(self, collector: PiiCollector):
        super().__init__(level=logging.DEBUG)
        self.collector = collector

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call is not this handler's business
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        self.collector.check(f"log {record.name}", text)


def connect_task_signals(collector: PiiCollector):
    """Returns a function that disconnects them."""

    def published(sender=None, body=None, headers=None, **kwargs):
        collector.check(f"task published {sender}", repr(body) + repr(headers or {}))

    def run(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra):
        name = getattr(task, "name", sender)
        collector.check(f"task run {name}", repr(args) + repr(kwargs))

    before_task_publish.connect(published, weak=False)
    task_prerun.connect(run, weak=False)

    def disconnect():
        before_task_publish.disconnect(published)
        task_prerun.disconnect(run)
    return disconnect


def _skipped_columns() -> set[tuple[str, str]]:
    skipped = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField | KeyedHashField):
                skipped.add((model._meta.db_table, f.column))
    return skipped


# PostgreSQL type OIDs of bit(n) and bit varying(n), which Django does not map back to a
# field; any other unknown type still fails the scan, so it cannot pass by skipping text.
PG_BIT_TYPES = {1560, 1562}


def _text_columns(connection, cursor, table: str) -> list[str]:
    columns = []
    for column in connection.introspection.get_table_description(cursor, table):
        if connection.vendor == "postgresql" and column.type_code in PG_BIT_TYPES:
            continue  # bit strings (the matching's quarter-hour masks) hold no text
        kind = connection.introspection.get_field_type(column.type_code, column)
        if kind in {"CharField", "TextField", "JSONField", "BinaryField", "SlugField",
                    "EmailField", "URLField", "GenericIPAddressField", "FilePathField"}:
            columns.append(column.name)
    return columns


def scan_database(connection, collector: PiiCollector) -> None:
    skipped = _skipped_columns()
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c for c in _text_columns(connection, cursor, table)
                       if (table, c) not in skipped]
            if not columns:
                continue
            cursor.execute(f"SELECT {', '.join(q(c) for c in columns)} FROM {q(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    if value:
                        collector.check(f"database {table}.{column}", str(value))


def scan_worker_logs(collector: PiiCollector) -> None:
    for path in collector.worker_logs:
        if path.exists():
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                collector.check(f"worker log {path.name}:{number}", line)


# The session's collector (tests/conftest.py wires it up).
SESSION = PiiCollector()
