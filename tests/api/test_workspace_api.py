"""The workspace and its members, read with a token; no token, a wrong one, a missing scope."""

from django.contrib.auth.models import User
from django.test import Client

from porch.workspaces.models import Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import add_member


def test_a_token_reads_its_workspace_and_members(owner: User, workspace: Workspace) -> None:
    add_member(workspace, "helper@bakery.example", Role.HELPER)
    api = Api(token_text(member_of(workspace, owner), ["read"]))
    answer = api.get("/workspace")
    assert answer.status_code == 200
    assert answer.json() | {"id": 0} == {
        "id": 0,
        "name": "Corner Bakery",
        "slug": workspace.slug,
        "timezone": "Europe/London",
        "role": "owner",
        "scopes": ["read"],
    }
    members = api.get("/members").json()
    assert [(m["email"], m["role"]) for m in members] == [
        ("owner@bakery.example", "owner"),
        ("helper@bakery.example", "helper"),
    ]


def test_no_token_or_a_wrong_one_is_a_401_with_a_code(owner: User, workspace: Workspace) -> None:
    answer = Client().get("/api/v1/workspace")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"
    wrong = Api("porch_0123456789ab_not-the-secret").get("/workspace")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthenticated"


def test_a_token_without_the_scope_is_refused(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner), ["write"]))
    answer = api.get("/workspace")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "scope_missing"
