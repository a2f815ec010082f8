"""Probe row 10 (tokens): a new token per sign-in, earlier ones valid, idle expiry,
tokenRevoke; an expired or revoked token is UNAUTHENTICATED (HTTP 401)."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import ApiToken
from tests.helpers.graphql import gql

pytestmark = pytest.mark.django_db

CREATE = 'mutation { tokenCreate(username: "%s", password: "test-pass-123") { token } }'


def _as(key, query="{ me { username } }"):
    return Client().post("/graphql/", data=json.dumps({"query": query}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")


def test_each_token_create_issues_a_new_token_and_keeps_the_old(resident):
    first = gql(CREATE % resident.username).data["tokenCreate"]["token"]
    second = gql(CREATE % resident.username).data["tokenCreate"]["token"]
    assert first and second and first != second
    for key in (first, second):
        assert _as(key).json()["data"]["me"]["username"] == resident.username


def test_token_revoke_ends_only_that_token(resident):
    first = gql(CREATE % resident.username).data["tokenCreate"]["token"]
    second = gql(CREATE % resident.username).data["tokenCreate"]["token"]
    revoked = _as(first, "mutation { tokenRevoke { revoked errors { code } } }").json()
    assert revoked["data"]["tokenRevoke"] == {"revoked": True, "errors": []}
    response = _as(first)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert _as(second).json()["data"]["me"]["username"] == resident.username
    # By key, and someone else's key is not found.
    other = _as(second, 'mutation { tokenRevoke(token: "%s") { revoked errors { code } } }'
                % first).json()["data"]["tokenRevoke"]
    assert other["errors"][0]["code"] == "NOT_FOUND"


def test_an_idle_token_expires(resident, settings):
    settings.LINLI_TOKEN_IDLE_DAYS = 30
    key = gql(CREATE % resident.username).data["tokenCreate"]["token"]
    ApiToken.objects.filter(key=key).update(last_used=timezone.now() - timedelta(days=29))
    assert _as(key).status_code == 200  # used: the idle clock restarts
    assert ApiToken.objects.get(key=key).last_used > timezone.now() - timedelta(minutes=1)
    ApiToken.objects.filter(key=key).update(last_used=timezone.now() - timedelta(days=31))
    response = _as(key)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    rest = Client().get("/api/certificates/nope.pdf", HTTP_AUTHORIZATION=f"Token {key}")
    assert rest.status_code == 401
