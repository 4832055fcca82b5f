"""Signatures check out with the independent Standard Webhooks library, also while rotating."""

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from porch.api.hooks import signing
from porch.api.hooks.delivery import body_of
from porch.api.models import Event, WebhookEndpoint
from porch.workspaces.models import Workspace

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def endpoint_with(secret: str, workspace: Workspace) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(workspace=workspace, url="https://hooks.example/porch")
    endpoint.set_secret(secret)
    return endpoint


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and len(first) == len("whsec_") + 44 and first != second


def verified(secret: str, body: bytes, headers: dict[str, str], now: datetime) -> object:
    # The library checks the timestamp against its own clock: give it ours.
    import time_machine

    with time_machine.travel(now, tick=False):
        return Webhook(secret).verify(body, headers)


def test_the_signature_verifies_and_a_tampered_body_does_not(workspace: Workspace) -> None:
    secret = signing.new_secret()
    endpoint = endpoint_with(secret, workspace)
    event = Event(
        workspace=workspace,
        type="post.published",
        data={"post": 3, "text": "Crème"},
        occurred_at=NOW,
        msg_id="msg_0123",
    )
    body = body_of(event)
    headers = signing.headers(endpoint, event, body, NOW)
    assert headers["webhook-id"] == "msg_0123"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert headers["content-type"] == "application/json"
    assert verified(secret, body, headers, NOW) == {
        "type": "post.published",
        "timestamp": NOW.isoformat(),
        "data": {"post": 3, "text": "Crème"},
    }
    with pytest.raises(WebhookVerificationError):
        verified(secret, body.replace(b"3", b"4"), headers, NOW)
    with pytest.raises(WebhookVerificationError):
        verified(signing.new_secret(), body, headers, NOW)


def test_while_rotating_both_secrets_verify_then_only_the_new(workspace: Workspace) -> None:
    old, new = signing.new_secret(), signing.new_secret()
    endpoint = endpoint_with(new, workspace)
    endpoint.previous_secret_encrypted = endpoint_with(old, workspace).secret_encrypted
    endpoint.previous_until = NOW + timedelta(hours=24)
    event = Event(
        workspace=workspace, type="webhook.test", data={}, occurred_at=NOW, msg_id="msg_1"
    )
    body = body_of(event)
    during = signing.headers(endpoint, event, body, NOW)
    assert len(during["webhook-signature"].split(" ")) == 2
    verified(old, body, during, NOW)
    verified(new, body, during, NOW)
    later = NOW + timedelta(hours=25)
    after = signing.headers(endpoint, event, body, later)
    assert len(after["webhook-signature"].split(" ")) == 1
    verified(new, body, after, later)
    with pytest.raises(WebhookVerificationError):
        verified(old, body, after, later)
