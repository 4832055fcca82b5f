"""The webhooks pages: add an endpoint, see its secret, test it, read its log, redeliver."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.api.hooks import delivery
from porch.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from porch.core import events
from porch.core.events import EventType, emit
from porch.core.fetch import PRIVATE
from porch.workspaces.models import Role, Workspace
from tests.api.test_webhooks_delivery import (  # noqa: F401 (a fixture)
    Answer,
    Receiver,
    receiver_fixture,
)
from tests.conftest import add_member

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def event_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        events.EVENT_TYPES, "post.published", EventType("post.published", "A post went out")
    )


def add(client: Client, workspace: Workspace, url: str) -> Any:
    return client.post(
        reverse("api:webhook_new", args=[workspace.slug]),
        {"url": url, "description": "Till", "event_types": ["post.published", "webhook.test"]},
    )


def test_add_an_endpoint_show_its_secret_and_send_a_test(
    signed_in: Client, workspace: Workspace, receiver: Receiver
) -> None:
    listing = signed_in.get(reverse("api:webhooks", args=[workspace.slug]))
    assert listing.status_code == 200
    assert b"A post went out" in listing.content and b"webhook.test" in listing.content
    answer = add(signed_in, workspace, receiver.url)
    endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/webhooks/{endpoint.pk}/")
    page = signed_in.get(answer["Location"])
    assert endpoint.secret().encode() not in page.content
    action = reverse("api:webhook_action", args=[workspace.slug, endpoint.pk])
    shown = signed_in.post(action, {"do": "reveal"})
    assert endpoint.secret().encode() in shown.content and "no-store" in shown["Cache-Control"]
    rotated = signed_in.post(action, {"do": "rotate"})
    endpoint.refresh_from_db()
    assert endpoint.secret().encode() in rotated.content and endpoint.previous_secret()
    signed_in.post(action, {"do": "test"})
    delivery.deliver_due()
    assert [h["webhook-id"] for h, _ in receiver.got] == [
        WebhookDelivery.objects.get().event.msg_id
    ]
    log = signed_in.get(reverse("api:webhook", args=[workspace.slug, endpoint.pk]))
    assert b"webhook.test" in log.content and b"HTTP 200" in log.content


def test_a_private_address_is_refused_in_words(
    signed_in: Client, workspace: Workspace, settings: Any
) -> None:
    settings.FETCH_ALLOW_PRIVATE = False
    answer = add(signed_in, workspace, "http://127.0.0.1:8000/hook")
    assert answer.status_code == 200 and PRIVATE.replace("'", "&#x27;").encode() in answer.content
    assert not WebhookEndpoint.objects.exists()


def test_the_log_filters_by_status_and_redelivers(
    signed_in: Client, workspace: Workspace, receiver: Receiver
) -> None:
    add(signed_in, workspace, receiver.url)
    endpoint = WebhookEndpoint.objects.get()
    receiver.script[:] = [Answer(200), Answer(500)]
    emit(workspace.pk, "post.published", {"post": 1}, NOW)
    emit(workspace.pk, "post.published", {"post": 2}, NOW)
    delivery.deliver_due()
    url = reverse("api:webhook", args=[workspace.slug, endpoint.pk])
    failing = signed_in.get(url, {"status": "queued"})
    assert (
        failing.content.count(b'data-testid="delivery-row"') == 1 and b"HTTP 500" in failing.content
    )
    sent = WebhookDelivery.objects.get(status=DeliveryStatus.SENT)
    back = signed_in.post(reverse("api:delivery_redeliver", args=[workspace.slug, sent.pk]))
    assert back.status_code == 302
    assert WebhookDelivery.objects.filter(event=sent.event).count() == 2


def test_a_helper_cannot_open_the_webhooks_pages(
    client: Client, owner: User, workspace: Workspace
) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert client.get(reverse("api:webhooks", args=[workspace.slug])).status_code == 403
