"""The restore drill (issue #13, build item 10; docs/operations.md "Backups"): back up the
database, the media folder and the keys, restore all three somewhere fresh, and read a
person's phone number and a certificate's PDF back through the ORM in a new process that
has only the restored copies. Once phone numbers are encrypted at rest this is what proves
the keys were part of the backup: the same read with a different key must fail.

PostgreSQL: pg_dump -Fc / pg_restore into a fresh database. SQLite: the online backup API
(sqlite3 .backup), the SQLite equivalent."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from tests.factories.accounts import UserFactory
from tests.factories.certificates import CertificateFactory

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912345678"
KEY_SETTINGS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY")

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

READ_BACK = """
import hashlib, json, django
django.setup()
from backend.accounts.models import User
from backend.certificates.models import Certificate
user = User.objects.get(username="drill-person")
certificate = Certificate.objects.get(holder=user)
with certificate.pdf.open("rb") as f:
    pdf = f.read()
print(json.dumps({"phone": str(user.phone), "stored_sha256": certificate.pdf_sha256,
                  "sha256": hashlib.sha256(pdf).hexdigest(), "pdf_head": pdf[:5].decode()}))
"""


def _keys_file(folder: Path) -> Path:
    """The keys as an operator keeps them: NAME=value lines, as in the environment file."""
    lines = []
    for name in KEY_SETTINGS:
        value = getattr(settings, name, None)
        if value:
            lines.append(f"{name}={','.join(value) if isinstance(value, list) else value}")
    path = folder / "keys.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _backup_database(folder: Path) -> Path:
    if connection.vendor == "postgresql":
        dump = folder / "linli.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump),
                        _pg_url(connection.settings_dict["NAME"])], check=True, timeout=300)
        return dump
    dump = folder / "linli.sqlite3"
    with sqlite3.connect(connection.settings_dict["NAME"]) as source, \
            sqlite3.connect(dump) as target:
        source.backup(target)
    return dump


def _restore_database(dump: Path, folder: Path):
    """Restores into a fresh database; returns its DATABASE_URL and a clean-up function."""
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restore"
        admin = _pg_url("postgres")
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        subprocess.run(["pg_restore", "--no-owner", "-d", _pg_url(name), str(dump)],
                       check=True, timeout=300)
        return _pg_url(name), lambda: subprocess.run(
            ["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=False)
    restored = folder / "restored.sqlite3"
    shutil.copyfile(dump, restored)
    return f"sqlite:///{restored}", lambda: None


def _read_back(database_url: str, media: Path, keys: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "backend.settings",
           "DATABASE_URL": database_url, "MEDIA_ROOT": str(media), "LINLI_CACHE": "locmem"}
    for line in keys.read_text().splitlines():
        name, _, value = line.partition("=")
        env[name] = value
    return subprocess.run([sys.executable, "-c", READ_BACK], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_database_media_and_keys_restore_and_read_back(tmp_path, settings):
    user = UserFactory(username="drill-person", phone=PHONE)
    certificate = CertificateFactory(holder=user)
    assert certificate.pdf_sha256

    # Back up: the database, the media folder (as a tarball), the keys.
    backup = tmp_path / "backup"
    backup.mkdir()
    dump = _backup_database(backup)
    with tarfile.open(backup / "media.tar.gz", "w:gz") as tar:
        tar.add(settings.MEDIA_ROOT, arcname="media")
    keys = _keys_file(backup)

    # Restore into places that have never seen the data.
    restore = tmp_path / "restore"
    restore.mkdir()
    database_url, drop = _restore_database(dump, restore)
    with tarfile.open(backup / "media.tar.gz") as tar:
        tar.extractall(restore, filter="data")
    try:
        result = _read_back(database_url, restore / "media", keys)
        assert result.returncode == 0, result.stderr
        seen = json.loads(result.stdout.strip().splitlines()[-1])
        assert seen["phone"] == PHONE
        assert seen["pdf_head"] == "%PDF-"
        assert seen["sha256"] == seen["stored_sha256"] == certificate.pdf_sha256

        if getattr(settings, "FIELD_ENCRYPTION_KEYS", None):
            # Control: the restored database with a key that is not the backed-up one reads
            # no phone number; the keys really are part of what must be restored.
            wrong = restore / "wrong-keys.env"
            wrong.write_text(keys.read_text().replace(
                f"FIELD_ENCRYPTION_KEYS={','.join(settings.FIELD_ENCRYPTION_KEYS)}",
                f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}"))
            failed = _read_back(database_url, restore / "media", wrong)
            assert failed.returncode != 0 or PHONE not in failed.stdout
    finally:
        drop()
    assert hashlib.sha256((restore / "media" / certificate.pdf.name).read_bytes()).hexdigest() \
        == certificate.pdf_sha256
