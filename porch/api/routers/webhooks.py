"""Webhook endpoints, their deliveries, a test event and redelivery (owner or manager).

The secret is answered once, when the endpoint is made; the webhooks page shows it again.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query

from porch.api.auth import Caller, needs
from porch.api.hooks import services
from porch.api.idempotency import idempotent, idempotent_send
from porch.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from porch.api.pagination import page
from porch.api.schemas import ERRORS
from porch.errors import NotFound

router = Router(tags=["webhooks"])


class EndpointIn(Schema):
    url: str = Field(..., max_length=500)
    event_types: list[str]
    description: str = ""


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=500)
    event_types: list[str] | None = None
    description: str | None = None
    active: bool | None = None


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    only_urgent: bool
    active: bool
    disabled_reason: str
    created_at: datetime


class EndpointMade(EndpointOut):
    secret: str  # shown this once: keep it where the receiver can read it


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_type: str
    webhook_id: str  # the webhook-id header: the same on every try and redelivery
    status: str
    attempts: int
    retry_at: datetime | None
    last_status_code: int | None
    last_error: str
    sent_at: datetime | None
    created_at: datetime


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


def _out(e: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(
        id=e.pk,
        url=e.url,
        description=e.description,
        event_types=list(e.event_types),
        only_urgent=e.only_urgent,
        active=e.active,
        disabled_reason=e.disabled_reason,
        created_at=e.created_at,
    )


def _delivery(d: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.pk,
        endpoint_id=d.endpoint_id,
        event_type=d.event.type,
        webhook_id=d.event.msg_id,
        status=d.status,
        attempts=d.attempts,
        retry_at=d.retry_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        sent_at=d.sent_at,
        created_at=d.created_at,
    )


def _endpoint(request: HttpRequest, scope: str, endpoint_id: int) -> tuple[Caller, WebhookEndpoint]:
    caller = needs(request, scope)
    found = WebhookEndpoint.objects.filter(workspace=caller.workspace, pk=endpoint_id).first()
    if found is None:
        raise NotFound("No such webhook endpoint in this workspace.")
    return caller, found


@router.get("/webhooks", response={200: list[EndpointOut], **ERRORS}, operation_id="list_webhooks")
def list_webhooks(request: HttpRequest) -> list[EndpointOut]:
    """The workspace's webhook endpoints (owner or manager)."""
    caller = needs(request, "read")
    return [_out(e) for e in services.list_endpoints(caller.member)]


@router.post("/webhooks", response={201: EndpointMade, **ERRORS}, operation_id="create_webhook")
@idempotent_send
def create_webhook(request: HttpRequest, body: EndpointIn) -> Status[EndpointMade]:
    """Add an endpoint for these event types. Its signing secret is in this answer only."""
    caller = needs(request, "write")
    made = services.create_endpoint(caller.member, body.url, body.event_types, body.description)
    return Status(201, EndpointMade(**_out(made.endpoint).dict(), secret=made.secret))


@router.get(
    "/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS}, operation_id="get_webhook"
)
def get_webhook(request: HttpRequest, endpoint_id: int) -> EndpointOut:
    """One endpoint."""
    caller, endpoint = _endpoint(request, "read", endpoint_id)
    return _out(services.get_endpoint(caller.member, endpoint.pk))


@router.patch(
    "/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS}, operation_id="update_webhook"
)
@idempotent_send
def update_webhook(request: HttpRequest, endpoint_id: int, body: EndpointPatch) -> EndpointOut:
    """Change the address, the event types, the description, or turn it on or off."""
    caller, endpoint = _endpoint(request, "write", endpoint_id)
    changes = body.dict(exclude_unset=True)
    return _out(services.update_endpoint(caller.member, endpoint, **changes))


@router.delete(
    "/webhooks/{endpoint_id}", response={204: None, **ERRORS}, operation_id="delete_webhook"
)
@idempotent
def delete_webhook(request: HttpRequest, endpoint_id: int) -> Status[None]:
    """Remove the endpoint and its delivery log."""
    caller, endpoint = _endpoint(request, "write", endpoint_id)
    services.delete_endpoint(caller.member, endpoint)
    return Status(204, None)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    operation_id="list_webhook_deliveries",
)
def list_webhook_deliveries(
    request: HttpRequest,
    endpoint_id: int,
    status: DeliveryStatus | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> DeliveryPage:
    """The endpoint's deliveries of the last 30 days, newest first (of one status if given)."""
    caller, endpoint = _endpoint(request, "read", endpoint_id)
    filters = {"status": status.value if status else ""}
    found = services.deliveries(caller.member, endpoint, filters["status"])
    items, next_cursor = page(
        found, order=("-created_at",), cursor=cursor, limit=limit, filters=filters
    )
    return DeliveryPage(items=[_delivery(d) for d in items], next_cursor=next_cursor)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response={201: DeliveryOut, **ERRORS},
    operation_id="redeliver_webhook",
)
@idempotent
def redeliver_webhook(request: HttpRequest, delivery_id: int) -> Status[DeliveryOut]:
    """Send a sent or given-up delivery's event again (the same webhook-id), as a new delivery."""
    caller = needs(request, "write")
    found = WebhookDelivery.objects.filter(
        endpoint__workspace=caller.workspace, pk=delivery_id
    ).first()
    if found is None:
        raise NotFound("No such webhook delivery in this workspace.")
    return Status(201, _delivery(services.redeliver(caller.member, found)))


@router.post(
    "/webhooks/{endpoint_id}/test",
    response={201: DeliveryOut, **ERRORS},
    operation_id="send_test_webhook",
)
@idempotent
def send_test_webhook(request: HttpRequest, endpoint_id: int) -> Status[DeliveryOut]:
    """Queue a `webhook.test` event to this endpoint."""
    caller, endpoint = _endpoint(request, "write", endpoint_id)
    return Status(201, _delivery(services.send_test(caller.member, endpoint)))
