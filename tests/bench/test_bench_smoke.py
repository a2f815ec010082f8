"""The benchmark suite at a tiny scale, so it cannot rot: the generator's SQL against the
current models, the bench gunicorn with its reference URLs, every benchmark and the table.
It takes the test database (already migrated) instead of making its own."""

import os
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from backend.accounts.models import Community
from bench import cases, reference_match, suite
from tests.helpers.database import database_url
from volunteers import matching
from volunteers.demo import reference_data_load
from volunteers.models import Skill

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def test_every_benchmark_runs_and_prints_its_row(capsys, monkeypatch):
    # The bench's server reads the rows this test process wrote: the same field keys.
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", ",".join(settings.FIELD_ENCRYPTION_KEYS))
    monkeypatch.setenv("FIELD_HASH_KEY", settings.FIELD_HASH_KEY)
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("the benchmark suite needs PostgreSQL")
        pytest.skip("the benchmark suite needs PostgreSQL (DATABASE_URL=postgres://…)")
    # given the reference data a transactional test's flush may have removed
    reference_data_load()
    args = suite.parse_args(["--scale", "tiny", "--no-create", "--database-url", database_url(),
                             "--redis-url", os.environ.get("REDIS_URL", ""), "--workers", "1"])

    # when the whole suite runs
    rows = suite.run(args)

    # then every benchmark gave a row with a number for the ratio, and the table was printed
    names = " ".join(row.operation for row in rows)
    for label in ("courses", "courseRuns", "`me`", "myEnrollments", "tutoringSlots",
                  "volunteerMatches", "enrolment burst", "certificate", "broadcast",
                  "WeChat callback", "/admin/dashboard/", "`stats`"):
        assert label in names
    assert len(rows) == len(cases.BENCHMARKS) + 1  # dashboards give two rows
    for row in rows:
        assert float(row.ratio) > 0, row
        assert row.met in {"yes", "no", "—"}, row
    out = capsys.readouterr().out
    assert "| operation" in out and "| `volunteerMatches`" in out

    # and the matching reference answers what volunteerMatches answers (a yardstick that
    # computed less would flatter the ratio): same exclusion counts, same top 10 and scores
    rng, tz = random.Random(5), ZoneInfo("Asia/Shanghai")
    communities = list(Community.objects.filter(street__name__startswith="基准"))
    for skill in Skill.objects.all():
        day = datetime.now(tz).date() + timedelta(days=rng.randint(1, 20))
        start = datetime(day.year, day.month, day.day, rng.randint(8, 18), 0, tzinfo=tz)
        community = rng.choice(communities)
        ours = matching.match_volunteers(skill=skill, starts_at=start,
                                         ends_at=start + timedelta(minutes=60),
                                         community=community)
        ref = reference_match.match(skill_id=skill.pk, community_id=community.pk,
                                    street_id=community.street_id, starts_at=start, minutes=60)
        assert {code: n for code, n in ours.excluded if n} == ref["excluded"]
        assert [(c.volunteer.pk, c.score) for c in ours.candidates] == [
            (c["volunteer"], c["score"]) for c in ref["candidates"]]


def test_only_runs_the_named_benchmarks_and_refuses_unknown_ones():
    assert suite.parse_args(["--only", "me,burst"]).names == ["me", "burst"]
    with pytest.raises(SystemExit):
        suite.parse_args(["--only", "nonsense"])
