import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"] in ("ok", "eager")


def test_committed_sdl_matches_the_code(tmp_path):
    out = tmp_path / "schema.graphql"
    subprocess.run([sys.executable, "manage.py", "graphql_schema", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    committed = (ROOT / "frontend_api" / "schema.graphql").read_text()
    assert out.read_text() == committed, (
        "frontend_api/schema.graphql is stale: run `make schema` and commit it.")


@pytest.mark.django_db
def test_the_root_url_is_a_landing_page_with_the_ways_in():
    response = Client().get("/")
    assert response.status_code == 200
    assert b"/graphql/" in response.content and b"/admin/" in response.content
