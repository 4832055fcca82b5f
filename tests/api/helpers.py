"""Calling the API as a member would: a real token, Django's test client, JSON in and out."""

import json
from typing import Any

from django.test import Client

from porch.api.tokens import create_token
from porch.workspaces.models import Membership

ALL = ["read", "write", "publish"]


def token_text(member: Membership, scopes: list[str] | None = None, days: int = 90) -> str:
    return create_token(member, "test", scopes or ALL, days=days).text


class Api:
    """A client bound to one token: api.get("/conversations"), api.post("/posts", {...})."""

    def __init__(self, token: str, client: Client | None = None) -> None:
        self.token = token
        self.client = client or Client()

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        sent = {"Authorization": f"Bearer {self.token}"}
        sent |= {k.replace("_", "-"): v for k, v in headers.items()}
        data = json.dumps(body) if body is not None else ""
        return self.client.generic(
            method, f"/api/v1{path}", data, content_type="application/json", headers=sent
        )

    def get(self, path: str, **params: Any) -> Any:
        sent = {"Authorization": f"Bearer {self.token}"}
        return self.client.get(f"/api/v1{path}", params, headers=sent)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.call("POST", path, body if body is not None else {}, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.call("PATCH", path, body, **headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self.call("DELETE", path, None, **headers)


def member_of(workspace: Any, user: Any) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)
