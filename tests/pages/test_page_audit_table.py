"""Every page route is in the page audit's table (tests/browser/page_audit.py), so a new
page cannot skip the browser audit; and the table names no route that does not exist."""

from django.urls import reverse

from tests.browser import page_audit
from tests.browser.page_audit import AUDITS, ROLES, page_routes, unaudited_routes


def test_every_page_route_is_in_the_audit_table():
    missing = unaudited_routes()
    assert not missing, (
        "page routes missing from AUDITS in tests/browser/page_audit.py (add the roles that "
        "may see each, or skip= with the reason it has no screen):\n  " + "\n  ".join(missing))


def test_the_table_names_only_existing_routes_with_known_roles():
    routes = set(page_routes())
    assert {"page-home", "page-checkin", "page-desk", "certificate-verify"} <= routes
    assert sorted(set(AUDITS) - routes) == []
    for name, audit in AUDITS.items():
        assert audit.skip or audit.roles, name
        assert set(audit.roles) <= set(ROLES), name


def test_the_rule_finds_a_route_it_was_not_told_about(monkeypatch):
    assert reverse("page-teach") == "/teach/"
    monkeypatch.delitem(page_audit.AUDITS, "page-teach")
    assert page_audit.unaudited_routes() == ["page-teach"]
