"""The events listener: what happened, kept for each endpoint that wants it.

porch.core.events calls `record` inside the emitter's transaction (ApiConfig.ready registers
it), so an event whose write is rolled back leaves nothing, and one that is written always
has its deliveries. They are sent once the transaction commits (a task enqueued then, for
speed); the periodic `deliver-webhooks` job sends what that task did not (delivery.py).
"""

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction

from porch.api.models import Event, WebhookDelivery, WebhookEndpoint
from porch.core.events import EventType

log = logging.getLogger(__name__)

TEST = EventType(
    "webhook.test",
    "A test event, sent when you press Send test event",
    {"endpoint": 1, "text": "Hello from Porch: this endpoint gets its events."},
)


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def wants(endpoint: WebhookEndpoint, type_name: str, data: dict[str, Any]) -> bool:
    """Whether the endpoint is subscribed to this event (urgent ones only, if it says so)."""
    if type_name not in endpoint.event_types:
        return False
    return not endpoint.only_urgent or bool(data.get("urgent"))


def record(workspace_id: int, type_name: str, data: dict[str, Any], at: datetime) -> None:
    """Keep the event and one queued delivery per active endpoint that wants it; nothing
    when none does. Call inside the transaction of the write it reports."""
    active = WebhookEndpoint.objects.filter(workspace_id=workspace_id, active=True)
    endpoints = [e for e in active.order_by("pk") if wants(e, type_name, data)]
    if endpoints:
        queue(
            Event.objects.create(
                workspace_id=workspace_id,
                type=type_name,
                data=data,
                occurred_at=at,
                msg_id=new_msg_id(),
            ),
            endpoints,
            at,
        )


def queue(event: Event, endpoints: list[WebhookEndpoint], at: datetime) -> list[WebhookDelivery]:
    """Queue `event` for each endpoint, and their sending once the transaction commits."""
    made = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=event, created_at=at) for e in endpoints]
    )
    ids = [e.pk for e in endpoints]
    transaction.on_commit(lambda: enqueue(ids))
    return made


def enqueue(endpoint_ids: list[int]) -> None:
    from porch.api.tasks import deliver_endpoint  # the task module imports delivery

    for endpoint_id in endpoint_ids:
        try:
            deliver_endpoint.enqueue(endpoint_id)
        except Exception as exc:  # the queue is down: the periodic job sends it
            log.error("webhooks of endpoint %s not queued: %s", endpoint_id, exc)
