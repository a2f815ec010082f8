"""Control tests of the end-of-suite personal-data scan (tests/helpers/pii_scan.py): it
finds a planted phone or ID number in each place it watches, and not in encrypted data."""

import hashlib
import logging

import pytest
from celery.signals import before_task_publish
from django.db import connection

from backend.celery import app
from tests.factories.accounts import StreetFactory, UserFactory
from tests.helpers import pii_scan

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


@app.task(name="tests.pii_probe")
def pii_probe(value):
    return None


def test_the_patterns():
    assert pii_scan.find_personal_data(f"请联系 {PHONE}。") == ["phone 138****5678"]
    assert pii_scan.find_personal_data("tel:" + PHONE) == ["phone 138****5678"]
    assert pii_scan.find_personal_data(f"身份证{ID_NUMBER}") == ["ID number 110…2X"]
    assert pii_scan.find_personal_data("110105194912310021") == []  # bad check character
    assert pii_scan.find_personal_data("订单 213812345678 号") == []  # 12 digits
    # Hashes and tokens are random material, not numbers.
    digests = " ".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(2000))
    assert pii_scan.find_personal_data(digests) == []


@pytest.mark.django_db
def test_the_database_scan_finds_a_planted_phone_but_not_encrypted_ones(community):
    UserFactory(phone=PHONE, address=f"金口路3号 {PHONE}", community=community)
    clean = pii_scan.PiiCollector()
    pii_scan.scan_database(connection, clean)
    assert clean.findings == []  # encrypted at rest

    StreetFactory(name=f"电话{PHONE}街道")
    found = pii_scan.PiiCollector()
    pii_scan.scan_database(connection, found)
    assert [(f.where, f.what) for f in found.findings] == [
        ("database accounts_street.name", "phone 138****5678")]
    assert PHONE not in found.report()  # the report itself masks what it found


def test_the_log_handler_finds_a_logged_phone():
    local = pii_scan.PiiCollector()
    handler = pii_scan.CollectingHandler(local)
    logger = logging.getLogger("tests.pii_probe")
    logger.addHandler(handler)
    try:
        with pii_scan.SESSION.pause():
            logger.warning("calling %s about the booking", PHONE)
            logger.warning("calling %s about the booking", "138****5678")
    finally:
        logger.removeHandler(handler)
    assert [f.what for f in local.findings] == ["phone 138****5678"]


def test_task_arguments_as_published_and_as_run_are_scanned():
    local = pii_scan.PiiCollector()
    disconnect = pii_scan.connect_task_signals(local)
    try:
        with pii_scan.SESSION.pause():
            before_task_publish.send(sender="tests.pii_probe", body=((PHONE,), {}, {}),
                                     headers={"task": "tests.pii_probe"})
            pii_probe.delay(ID_NUMBER)  # eager: run, never published
            pii_probe.delay(42)
    finally:
        disconnect()
    assert [(f.where, f.what) for f in local.findings] == [
        ("task published tests.pii_probe", "phone 138****5678"),
        ("task run tests.pii_probe", "ID number 110…2X")]


def test_worker_log_files_are_scanned(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text(f"[INFO] ok\n[WARNING] sending to {PHONE}\n")
    local = pii_scan.PiiCollector(worker_logs=[log])
    pii_scan.scan_worker_logs(local)
    assert [(f.where, f.what) for f in local.findings] == [
        ("worker log worker.log:2", "phone 138****5678")]
