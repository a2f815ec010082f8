import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import override_settings

from backend.accounts.models import Role
from backend.celery import app
from tests.factories.accounts import CommunityFactory, StreetFactory, UserFactory, user_with_role
from tests.helpers import pii_scan
from tests.helpers.database import database_url
from tests.helpers.graphql import gql as _gql
from volunteers.demo import reference_data_load
from volunteers.models import Skill

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A service error code a mutation's enum lacks must fail the test, not become INVALID.
    settings.LINLI_STRICT_ERROR_CODES = True

    # Without Redis the platform's cache is a database table shared by its processes. The
    # suite is one process (a worker it starts shares nothing through the cache with it),
    # so it keeps the cache in memory: isolated per test by `cache.clear()`, and not a
    # table that transactional tests' flushes would leave behind. The run-stack test
    # starts the real processes with the database cache.
    _redis_db_per_xdist_worker()
    if not os.environ.get("REDIS_URL"):
        os.environ["LINLI_CACHE"] = "locmem"  # inherited by the worker processes tests start
        override_settings(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}).enable()

    # Tests run tasks in-process unless a test asks for the real worker explicitly.
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    # Tests run tasks eagerly inside the request (a worker does in production), so the
    # request's PostgreSQL statement time limit would cut a task's waits short; the limit
    # itself is tested in tests/frontend_api/test_query_cost.py, which turns it on.
    settings.GRAPHQL_STATEMENT_TIMEOUT_MS = 0

    # The end-of-suite personal-data scan (tests/helpers/pii_scan.py) watches every log
    # record and every task's arguments from here on.
    logging.getLogger().addHandler(pii_scan.CollectingHandler(pii_scan.SESSION))
    pii_scan.connect_task_signals(pii_scan.SESSION)


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "django_db_setup"} & set(getattr(item, "fixturenames", ())))


@pytest.fixture(scope="session", autouse=True)
def _personal_data_scan(request, django_db_blocker, tmp_path_factory):
    """After the last test: the kept test database (every text and blob column), the
    session's logs, the workers' log files and every task's arguments must hold no phone
    or ID number in clear text (issue #13). Fails the session with a report otherwise."""
    pii_scan.SESSION.worker_log_dir = tmp_path_factory.mktemp("worker-logs")
    uses_db = any(_uses_database(item) for item in request.session.items)
    if uses_db:
        request.getfixturevalue("django_db_setup")
    yield
    if uses_db:
        with django_db_blocker.unblock():
            pii_scan.scan_database(connection, pii_scan.SESSION)
    pii_scan.scan_worker_logs(pii_scan.SESSION)
    if pii_scan.SESSION.findings:
        pytest.fail(pii_scan.SESSION.report(), pytrace=False)


def _redis_db_per_xdist_worker() -> None:
    """Under pytest-xdist each worker clears the cache between tests (a Redis FLUSHDB): give
    every worker after the first its own database, below the one configured, in this
    process and in the workers and servers its tests start."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    url = os.environ.get("REDIS_URL", "")
    index = int(worker.removeprefix("gw") or 0)
    if not url or index == 0:
        return
    base, _, db = url.rpartition("/")
    url = f"{base}/{int(db or 0) - 2 * index}"
    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = url
    override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": url}}).enable()


@pytest.fixture(scope="session")
def _session_media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, _session_media_root):
    """Stored files (the demo seed's certificate PDF, among others) never land in the
    checkout's media/ folder."""
    settings.MEDIA_ROOT = _session_media_root


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The sign-in limiter counts failures in the cache; one test's failed logins must not
    # limit the next test's.
    cache.clear()


@pytest.fixture(autouse=True)
def reference_data(request):
    """Skills and credential types come from a data migration; a transactional test's
    flush removes them, so reload them for any test that uses the database."""
    if request.node.get_closest_marker("django_db") is None and not (
            {"db", "transactional_db"} & set(request.fixturenames)):
        return
    request.getfixturevalue("db" if "transactional_db" not in request.fixturenames
                            else "transactional_db")

    if not Skill.objects.exists():
        reference_data_load()


@pytest.fixture
def gql():
    return _gql


# --- The organisation and one user per role ------------------------------------------------
@pytest.fixture
def street(db):
    return StreetFactory(name="八大关街道")


@pytest.fixture
def community(street):
    return CommunityFactory(street=street, name="金口路社区")


@pytest.fixture
def other_street(db):
    return StreetFactory(name="湛山街道")


@pytest.fixture
def other_community(other_street):
    return CommunityFactory(street=other_street, name="湛山第1社区")


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def resident(community):
    return user_with_role(Role.RESIDENT, community=community)


@pytest.fixture
def volunteer_user(community):
    return user_with_role(Role.VOLUNTEER, community=community)


@pytest.fixture
def community_staff(community):
    return user_with_role(Role.COMMUNITY_STAFF, community=community)


@pytest.fixture
def coordinator(street, community):
    return user_with_role(Role.STREET_COORDINATOR, street=street, community=community)


@pytest.fixture
def other_coordinator(other_street, other_community):
    """A street coordinator of another street: staff, but of another unit."""
    return user_with_role(Role.STREET_COORDINATOR, street=other_street, community=other_community)


@pytest.fixture
def district_admin(community):
    return user_with_role(Role.DISTRICT_ADMIN, community=community)


@pytest.fixture
def role_users(anonymous, resident, volunteer_user, community_staff, other_coordinator,
               coordinator, district_admin):
    """The access matrix's rows, by name."""
    return {
        "anonymous": anonymous,
        "resident": resident,
        "volunteer": volunteer_user,
        "community_staff": community_staff,
        "other_coordinator": other_coordinator,
        "coordinator": coordinator,
        "district_admin": district_admin,
    }


@pytest.fixture
def user_factory(db):
    return UserFactory


# --- A real Celery worker over a real broker ----------------------------------------------
def _require_broker() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        message = "needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) and a reachable broker"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing service is a failure, never a skip
        pytest.skip(message)
    return url


@pytest.fixture
def celery_worker(transactional_db):
    """Start `celery -A backend worker` in its own process against the test database,
    consuming a queue of its own; yields the queue name."""
    broker = _require_broker()
    # Celery keeps "a task is running here, don't block on results" in a process-global
    # flag; eager tasks run on several test threads at once can leave it set. This test
    # process is a client, never a worker.
    _set_task_join_will_block(False)
    queue = f"linli-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker,
           "DJANGO_SETTINGS_MODULE": "backend.settings"}
    # The worker's log goes to a file: an unread pipe would fill up and stall the worker.
    # Kept for the end-of-suite personal-data scan.
    log = tempfile.NamedTemporaryFile(prefix=f"{queue}-", suffix=".log", delete=False,  # noqa: SIM115
                                      dir=pii_scan.SESSION.worker_log_dir)
    pii_scan.SESSION.worker_logs.append(Path(log.name))
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "backend", "worker", "-P", "solo", "-Q", queue,
         "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("Celery worker exited:\n" + Path(log.name).read_text())
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"],
                                       timeout=1.0)
            if replies:
                break
        else:
            pytest.fail("Celery worker did not answer a ping within 60 s")
        yield queue
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        worker_log = Path(log.name).read_text(errors="replace")
        if "Traceback" in worker_log:
            # Shown with the test's output when it fails: what the worker itself reported.
            print(f"--- Celery worker log ({queue}) ---\n{worker_log[-6000:]}")


@pytest.fixture
def roomy_cost_limits(settings):
    """For tests that query 50 rows with nested lists to prove there is no N+1: the query
    cost limit (tests/frontend_api/test_query_cost.py) would refuse those documents first."""
    settings.GRAPHQL_COST_LIMIT_ANONYMOUS = 10**7
    settings.GRAPHQL_COST_LIMIT_SIGNED_IN = 10**7
