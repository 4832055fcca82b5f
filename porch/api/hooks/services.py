"""What the webhooks pages and the API do with endpoints; an owner or manager only.

Each function checks the member's role and that the endpoint (or delivery) is the member's
workspace's, then changes it. Addresses are vetted when saved (a private one is refused
unless PORCH_FETCH_ALLOW_PRIVATE) and again, by the guarded transport, on every send.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from porch.api.hooks import outbox, signing
from porch.api.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from porch.core.events import EVENT_TYPES
from porch.core.fetch import vet_url
from porch.errors import InputError, NotAllowed, NotFound
from porch.workspaces.models import Membership, Role

ROTATION_OVERLAP = timedelta(hours=24)  # the previous secret still signs this long
LOG_DAYS = 30  # the delivery log shows this long


@dataclass(frozen=True)
class Made:
    """A new endpoint and its secret (shown once by the API, any time on the page)."""

    endpoint: WebhookEndpoint
    secret: str


def _lead(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can change the webhooks.")


def list_endpoints(member: Membership) -> QuerySet[WebhookEndpoint]:
    _lead(member)
    return WebhookEndpoint.objects.filter(workspace=member.workspace).order_by("pk")


def deliveries(
    member: Membership, endpoint: WebhookEndpoint, status: str = "", days: int = LOG_DAYS
) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries of the last `days`, newest first, of one status if given."""
    endpoint = get_endpoint(member, endpoint.pk)
    since = timezone.now() - timedelta(days=days)
    found = WebhookDelivery.objects.filter(endpoint=endpoint, created_at__gte=since)
    if status:
        found = found.filter(status=status)
    return found.select_related("event").order_by("-created_at", "-pk")


def get_endpoint(member: Membership, pk: int) -> WebhookEndpoint:
    _lead(member)
    found = WebhookEndpoint.objects.filter(workspace=member.workspace, pk=pk).first()
    if found is None:
        raise NotFound("No such webhook endpoint in this workspace.")
    return found


def get_delivery(member: Membership, pk: int) -> WebhookDelivery:
    _lead(member)
    found = (
        WebhookDelivery.objects.select_related("event", "endpoint")
        .filter(endpoint__workspace=member.workspace, pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("No such webhook delivery in this workspace.")
    return found


MAX_URL = WebhookEndpoint._meta.get_field("url").max_length or 500


def _checked(url: str, event_types: list[str]) -> tuple[str, list[str]]:
    url = url.strip()
    if len(url) > MAX_URL:
        raise InputError(f"That address is too long: at most {MAX_URL} characters.")
    vet_url(url)  # AddressRefused (422 address_refused) for a private or non-web address
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InputError(f"Porch has no event called {', '.join(unknown)}.")
    if not event_types:
        raise InputError("Choose at least one event to send.")
    return url, sorted(set(event_types))


def create_endpoint(
    member: Membership, url: str, event_types: list[str], description: str = ""
) -> Made:
    _lead(member)
    url, types = _checked(url, event_types)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        workspace=member.workspace,
        url=url,
        event_types=types,
        description=description.strip()[:200],
        created_by=member.user,
    )
    endpoint.set_secret(secret)
    endpoint.save()
    return Made(endpoint, secret)


def update_endpoint(
    member: Membership,
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; turning an endpoint back on clears why it was turned off."""
    endpoint = get_endpoint(member, endpoint.pk)
    url, types = _checked(
        endpoint.url if url is None else url,
        endpoint.event_types if event_types is None else event_types,
    )
    endpoint.url, endpoint.event_types = url, types
    if description is not None:
        endpoint.description = description.strip()[:200]
    changed = ["url", "event_types", "description"]
    if active is not None and active != endpoint.active:
        endpoint.active = active
        endpoint.disabled_reason = "" if active else "Turned off by a member."
        endpoint.failing_since = None
        changed += ["active", "disabled_reason", "failing_since"]
    # Only what the member changed: a sender's claim or its turning the endpoint off
    # meanwhile (a 410) is not written back as it was read.
    endpoint.save(update_fields=changed)
    return endpoint


def delete_endpoint(member: Membership, endpoint: WebhookEndpoint) -> None:
    get_endpoint(member, endpoint.pk).delete()


def reveal_secret(member: Membership, endpoint: WebhookEndpoint) -> str:
    return get_endpoint(member, endpoint.pk).secret()


def rotate_secret(
    member: Membership, endpoint: WebhookEndpoint, now: datetime | None = None
) -> str:
    """A new secret; the old one still signs (beside it) for ROTATION_OVERLAP."""
    endpoint = get_endpoint(member, endpoint.pk)
    secret = signing.new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_until = (now or timezone.now()) + ROTATION_OVERLAP
    endpoint.set_secret(secret)
    endpoint.save(update_fields=["previous_secret_encrypted", "previous_until", "secret_encrypted"])
    return secret


def send_test(member: Membership, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` event to this endpoint alone (whatever it subscribes to)."""
    endpoint = get_endpoint(member, endpoint.pk)
    if not endpoint.active:
        raise InputError("This endpoint is turned off: turn it on to send it a test event.")
    now = timezone.now()
    data = {"endpoint": endpoint.pk, "text": "Hello from Porch: this endpoint gets its events."}
    with transaction.atomic():
        event = Event.objects.create(
            workspace=member.workspace,
            type=outbox.TEST.name,
            data=data,
            occurred_at=now,
            msg_id=outbox.new_msg_id(),
        )
        return outbox.queue(event, [endpoint], now)[0]


def redeliver(member: Membership, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same event (the same webhook-id) to the same endpoint, at the
    end of its queue; for one that was sent or given up."""
    delivery = get_delivery(member, delivery.pk)
    if delivery.status == DeliveryStatus.QUEUED:
        raise InputError("This delivery is still being tried: wait for it to be sent or given up.")
    if not delivery.endpoint.active:
        raise InputError("This endpoint is turned off: turn it on to redeliver.")
    with transaction.atomic():
        return outbox.queue(delivery.event, [delivery.endpoint], timezone.now())[0]
