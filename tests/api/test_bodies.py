"""What no operation can take: a body that is not JSON, a NUL character in a text or in
the address. Each is a JSON error that says what is wrong, never a 500 (PostgreSQL cannot
store NUL)."""

from django.contrib.auth.models import User

from porch.workspaces.models import Workspace
from tests.api.helpers import Api, member_of, token_text


def test_a_body_that_is_not_json_is_a_400_saying_so(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner)))
    answer = api.client.post(
        "/api/v1/triage",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": "invalid_input", "message": "The body is not JSON."}


def test_a_nul_in_a_text_is_a_422(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner)))
    answer = api.post("/triage", {"texts": ["cold coffee\x00again"]})
    assert answer.status_code == 422
    assert "NUL" in answer.json()["error"]["message"]


def test_a_nul_in_the_query_is_a_json_400(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner)))
    answer = api.get("/people", q="ana\x00")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"


def test_a_body_that_is_not_an_object_is_a_422(owner: User, workspace: Workspace) -> None:
    api = Api(token_text(member_of(workspace, owner)))
    answer = api.call("PATCH", "/conversations/1", [None, None])
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "The body must be a JSON object."
