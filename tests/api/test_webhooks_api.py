"""The webhooks through the API: owner or manager, write to change, the secret shown once."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User

from porch.api.hooks import delivery
from porch.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from porch.core import events
from porch.core.events import EventType, emit
from porch.core.fetch import PRIVATE
from porch.workspaces import services as workspace_services
from porch.workspaces.models import Role, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.api.test_webhooks_delivery import (  # noqa: F401 (a fixture)
    Answer,
    Receiver,
    receiver_fixture,
)
from tests.conftest import add_member

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def event_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(events.EVENT_TYPES, "post.published", EventType("post.published", "x"))


@pytest.fixture
def api(owner: User, workspace: Workspace) -> Api:
    return Api(token_text(member_of(workspace, owner)))


def made(api: Api, url: str) -> dict[str, Any]:
    answer = api.post("/webhooks", {"url": url, "event_types": ["post.published"]})
    assert answer.status_code == 201, answer.json()
    return dict(answer.json())


def test_create_answers_the_secret_once_then_read_change_delete(
    api: Api, receiver: Receiver
) -> None:
    body = made(api, receiver.url)
    assert body["secret"].startswith("whsec_") and body["active"] is True
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.secret() == body["secret"]
    listed = api.get("/webhooks").json()
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert "secret" not in api.get(f"/webhooks/{body['id']}").json()
    changed = api.patch(f"/webhooks/{body['id']}", {"description": "Till", "active": False})
    assert changed.status_code == 200 and changed.json()["description"] == "Till"
    assert changed.json()["active"] is False
    assert api.delete(f"/webhooks/{body['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_private_address_or_an_unknown_event_is_a_422(api: Api, settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE = False
    answer = api.post(
        "/webhooks", {"url": "http://127.0.0.1:9/x", "event_types": ["post.published"]}
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == {"code": "address_refused", "message": PRIVATE}
    answer = api.post("/webhooks", {"url": "ftp://hooks.example/", "event_types": []})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "address_refused"
    settings.FETCH_ALLOW_PRIVATE = True
    answer = api.post("/webhooks", {"url": "http://127.0.0.1:9/x", "event_types": ["no.such"]})
    assert answer.status_code == 422 and "no.such" in answer.json()["error"]["message"]


def test_a_helper_or_a_read_token_cannot_change_webhooks(
    owner: User, workspace: Workspace, api: Api, receiver: Receiver
) -> None:
    helper = member_of(workspace, add_member(workspace, "helper@bakery.example", Role.HELPER))
    as_helper = Api(token_text(helper))
    answer = as_helper.post("/webhooks", {"url": receiver.url, "event_types": ["post.published"]})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    assert as_helper.get("/webhooks").status_code == 403
    reader = Api(token_text(member_of(workspace, owner), ["read"]))
    answer = reader.post("/webhooks", {"url": receiver.url, "event_types": ["post.published"]})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope_missing"


def test_another_workspaces_endpoint_is_not_found(api: Api, receiver: Receiver) -> None:
    body = made(api, receiver.url)
    stranger = workspace_services.create_user("other@shop.example", "correct horse battery")
    theirs = workspace_services.create_workspace(stranger, "Other Shop", "Europe/London")
    other = Api(token_text(member_of(theirs, stranger)))
    for answer in (
        other.get(f"/webhooks/{body['id']}"),
        other.get(f"/webhooks/{body['id']}/deliveries"),
        other.patch(f"/webhooks/{body['id']}", {"description": "mine"}),
        other.post(f"/webhooks/{body['id']}/test"),
        other.delete(f"/webhooks/{body['id']}"),
    ):
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert WebhookEndpoint.objects.get(pk=body["id"]).description == ""


def test_test_event_deliveries_page_and_redeliver(
    api: Api, workspace: Workspace, receiver: Receiver
) -> None:
    body = made(api, receiver.url)
    tested = api.post(f"/webhooks/{body['id']}/test", Idempotency_Key="t1")
    assert tested.status_code == 201 and tested.json()["event_type"] == "webhook.test"
    for n in range(3):
        emit(workspace.pk, "post.published", {"post": n}, NOW)
    receiver.script[:] = [Answer(200), Answer(200), Answer(500)]
    delivery.deliver_due()
    first = api.get(f"/webhooks/{body['id']}/deliveries", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(
        f"/webhooks/{body['id']}/deliveries", limit=2, cursor=first["next_cursor"]
    ).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    queued = api.get(f"/webhooks/{body['id']}/deliveries", status="queued").json()["items"]
    assert [d["status"] for d in queued] == ["queued", "queued"]  # behind a failing head
    sent = WebhookDelivery.objects.filter(status=DeliveryStatus.SENT).order_by("pk").first()
    assert sent is not None
    again = api.post(f"/webhooks/deliveries/{sent.pk}/redeliver")
    assert again.status_code == 201 and again.json()["webhook_id"] == sent.event.msg_id
    not_yet = api.post(f"/webhooks/deliveries/{queued[0]['id']}/redeliver")
    assert not_yet.status_code == 422
