"""Admin pages in the access matrix: every registered model's changelist and add page,
requested as each role, must answer the status declared in tests/access/admin_matrix.py
(LOGIN = a redirect to the admin's login page; 200; 403). A model registered without a
declared line fails, and the failure prints the observed lines.
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from .admin_matrix import ADMIN_MATRIX
from .matrix import ROLE_ORDER
from .world import build_world

pytestmark = pytest.mark.django_db


def admin_pages() -> list[tuple[str, str, str]]:
    """(model label, "changelist" | "add", url) for every registered model."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        for page in ("changelist", "add"):
            try:
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
            except NoReverseMatch:  # pragma: no cover — every ModelAdmin has both
                continue
            pages.append((label, page, url))
    return sorted(pages)


def status(client: Client, url: str) -> str:
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        return "LOGIN"
    return str(response.status_code)


@pytest.mark.heavy  # ~800 admin pages rendered
def test_every_admin_page_as_every_role_gives_the_declared_status():
    world = build_world()
    clients = {}
    for role in ROLE_ORDER:
        clients[role] = Client()
        if world.users[role] is not None:
            clients[role].force_login(world.users[role])
    problems, observed = [], {}
    pages = admin_pages()
    assert len(pages) >= 40, "the admin registers the domain's models"
    for label, page, url in pages:
        key = f"{label} {page}"
        seen = " ".join(status(clients[role], url) for role in ROLE_ORDER)
        observed[key] = seen
        if ADMIN_MATRIX.get(key) != seen:
            problems.append(f"{key}: declared {ADMIN_MATRIX.get(key)!r}, got {seen!r}")
    stale = set(ADMIN_MATRIX) - set(observed)
    problems += [f"{key}: declared but not registered" for key in sorted(stale)]
    if problems:
        pytest.fail("\n".join(problems) + "\n\nobserved (paste after review):\n" + "\n".join(
            f'    "{key}": "{seen}",' for key, seen in observed.items()))
