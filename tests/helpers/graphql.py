"""Run GraphQL operations through the real HTTP endpoint, as a client would."""

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from backend.accounts.models import ApiToken
from backend.accounts.services import token_issue


@dataclass
class GQLResult:
    status: int
    data: Any
    errors: list | None
    raw: dict

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in (self.errors or [])]


def token_for(user) -> str:
    token = ApiToken.objects.filter(user=user, revoked_at__isnull=True).first()
    return (token or token_issue(user)).key


def gql(query: str, variables: dict | None = None, *, user=None, client: Client | None = None,
        operation_name: str | None = None) -> GQLResult:
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(user)}"} if user is not None else {}
    body = {"query": query, "variables": variables or {}}
    if operation_name:
        body["operationName"] = operation_name
    response = client.post("/graphql/", data=json.dumps(body), content_type="application/json",
                           **headers)
    raw = response.json()
    return GQLResult(response.status_code, raw.get("data"), raw.get("errors"), raw)


def mutation_errors(result: GQLResult, name: str) -> list[dict]:
    assert result.errors is None, result.errors
    return result.data[name]["errors"]
