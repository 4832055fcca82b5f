"""Sending webhooks: each endpoint's queue, oldest first, one at a time, retried for a day.

    claim     the ENDPOINT, by a conditional UPDATE of claimed_by/claimed_at (a lease of
              PORCH_PUBLISH_LEASE, as alerts and replies use): one sender per endpoint, so
              its receiver sees events in the order they happened
    send      the head delivery: the exact bytes signed (signing.py), the event's webhook-id
              on every try; success is a 2xx answer within SECONDS
    failure   the head waits RETRY_WAITS[n] (a 429/503's Retry-After may lengthen it, up to
              the longest wait) and holds the queue behind it until it is sent or given up,
              about a day after its first try; an address Porch refuses fails at once
    disable   an endpoint that answers 410 Gone, or whose deliveries have all failed for
              DISABLE_AFTER, is turned off, and the owner is told with a Notice
    death     a claim whose sender died is taken over once the lease ran out

Every try is logged (DeliveryAttempt). Functions take `now`, so tests step a frozen clock.
"""

import json
import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from porch.api.hooks import signing
from porch.api.models import (
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
)
from porch.core.fetch import AddressRefused, Fetched, FetchError, post_bytes
from porch.workspaces.models import Notice
from porch.workspaces.secrets import SecretError

log = logging.getLogger(__name__)

# Seconds to wait after each failed try (Standard Webhooks / Svix: 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h); the last makes the final try about 24 h after the first. Then Porch gives up.
RETRY_WAITS = (5, 300, 1800, 7200, 18000, 36000, 23095)
SECONDS = 10.0  # an answer later than this is a failure
DISABLE_AFTER = timedelta(days=5)
BATCH = 100  # deliveries one claim sends at most before giving others their turn
EXCERPT = 1000


def sender_id() -> str:
    return f"webhooks-{uuid.uuid4().hex[:12]}"


def body_of(event: Event) -> bytes:
    """The request body, the exact bytes that are signed."""
    envelope = {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": event.data}
    return json.dumps(envelope, separators=(",", ":")).encode()


def _head(endpoint_id: int) -> WebhookDelivery | None:
    queued = WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.QUEUED)
    return queued.select_related("event").order_by("pk").first()


def due_endpoints(now: datetime) -> list[int]:
    """Active endpoints whose oldest queued delivery may be tried at `now`."""
    heads = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.QUEUED, endpoint__active=True)
        .values("endpoint_id")
        .annotate(head=Min("pk"))
    )
    head_ids = [row["head"] for row in heads]
    ready = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    due = WebhookDelivery.objects.filter(ready, pk__in=head_ids)
    return sorted(due.values_list("endpoint_id", flat=True))


def deliver_due(now: datetime | None = None) -> int:
    """The periodic job: send every endpoint's due queue; how many deliveries were sent."""
    sent = 0
    for endpoint_id in due_endpoints(now or timezone.now()):
        try:
            sent += deliver_endpoint(endpoint_id, now)
        except Exception:  # one endpoint's trouble (its secret unreadable) stops no other
            log.exception("Webhook endpoint %s could not be served", endpoint_id)
    return sent


def claim(endpoint_id: int, sender: str, now: datetime) -> bool:
    """Hold the endpoint's queue, unless another sender holds it within its lease."""
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lte=stale)
    found = WebhookEndpoint.objects.filter(free, pk=endpoint_id, active=True)
    return found.update(claimed_by=sender, claimed_at=now) == 1


def release(endpoint_id: int, sender: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, claimed_by=sender).update(
        claimed_by="", claimed_at=None
    )


def deliver_endpoint(endpoint_id: int, now: datetime | None = None) -> int:
    """Send the endpoint's due deliveries in order, stopping at one that must wait; how
    many were sent. Nothing when another sender holds the endpoint. Without `now`, each
    try reads the clock."""
    sender = sender_id()
    if not claim(endpoint_id, sender, now or timezone.now()):
        return 0
    sent, started = 0, time.monotonic()
    try:
        for _ in range(BATCH):
            if time.monotonic() - started > settings.PUBLISH_LEASE / 2:
                break  # well inside the lease: no other sender can have taken it over
            at = now or timezone.now()
            endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, claimed_by=sender).first()
            head = _head(endpoint_id)
            if endpoint is None or not endpoint.active or head is None:
                break
            if head.retry_at is not None and head.retry_at > at:
                break
            status = attempt(endpoint, head, at)
            sent += status == DeliveryStatus.SENT
            if status == DeliveryStatus.QUEUED:
                break
    finally:
        release(endpoint_id, sender)
    return sent


def attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> str:
    """One try of `delivery`, logged and settled; the delivery's status after it."""
    body = body_of(delivery.event)
    started = time.monotonic()
    answer: Fetched | None = None
    refused = False
    try:
        sent_headers = signing.headers(endpoint, delivery.event, body, now)
        answer = post_bytes(endpoint.url, body, sent_headers, seconds=SECONDS)
        error = "" if 200 <= answer.status_code < 300 else f"Answered HTTP {answer.status_code}."
    except FetchError as exc:  # AddressRefused too: then trying again cannot help
        error, refused = exc.message, isinstance(exc, AddressRefused)
    except SecretError:  # PORCH_SECRET_KEY changed: no try can sign it again
        error, refused = "The signing secret cannot be read: make a new secret.", True
    DeliveryAttempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=answer.status_code if answer is not None else None,
        error=error[:500],
        response_excerpt=answer.text[:EXCERPT] if answer is not None else "",
        milliseconds=int((time.monotonic() - started) * 1000),
    )
    if not error:
        return _mark(delivery, now, DeliveryStatus.SENT, None, "", endpoint_ok=endpoint)
    code = answer.status_code if answer is not None else None
    tries = delivery.attempts + 1
    if refused or code == 410 or tries > len(RETRY_WAITS):
        status, retry_at = DeliveryStatus.FAILED, None
    else:
        status, retry_at = DeliveryStatus.QUEUED, now + timedelta(seconds=wait(tries, answer))
    settled = _mark(delivery, now, status, retry_at, error, code=code)
    _failing(endpoint, now, gone=code == 410)
    return settled


def wait(tries: int, answer: Fetched | None) -> int:
    """Seconds before the next try after `tries` failed ones: the schedule's, or longer
    when a 429/503 asked for it with Retry-After (at most the schedule's longest wait)."""
    scheduled = RETRY_WAITS[tries - 1]
    if answer is None or answer.status_code not in (429, 503):
        return scheduled
    asked = answer.headers.get("retry-after", "").strip()
    if not asked.isdigit():
        return scheduled
    return max(scheduled, min(int(asked), max(RETRY_WAITS)))


def _mark(
    delivery: WebhookDelivery,
    now: datetime,
    status: str,
    retry_at: datetime | None,
    error: str,
    code: int | None = None,
    endpoint_ok: WebhookEndpoint | None = None,
) -> str:
    """Record the try on the delivery, only if nobody else did meanwhile (the same count)."""
    as_read = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.QUEUED, attempts=delivery.attempts
    )
    changes: dict[str, object] = {
        "status": status,
        "attempts": delivery.attempts + 1,
        "retry_at": retry_at,
        "last_error": error[:500],
        "last_status_code": code,
    }
    if status == DeliveryStatus.SENT:
        changes["sent_at"] = now
    as_read.update(**changes)
    if endpoint_ok is not None:
        WebhookEndpoint.objects.filter(pk=endpoint_ok.pk).update(failing_since=None)
    return status


def _failing(endpoint: WebhookEndpoint, now: datetime, gone: bool) -> None:
    """Note when the endpoint began failing; turn it off once it answered 410 Gone or has
    failed for DISABLE_AFTER."""
    since = endpoint.failing_since or now
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )
    if gone:
        disable(endpoint, "It answered 410 Gone: the receiver says this address is no more.")
    elif now - since >= DISABLE_AFTER:
        disable(endpoint, f"Every delivery failed for {DISABLE_AFTER.days} days.")


def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Turn the endpoint off, fail what it still had queued, and tell the owner."""
    turned_off = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_reason=reason
    )
    if turned_off != 1:
        return
    WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.FAILED, last_error="The endpoint was turned off.", retry_at=None
    )
    log.warning("webhook endpoint %s turned off: %s", endpoint.pk, reason)
    Notice.objects.get_or_create(
        workspace_id=endpoint.workspace_id,
        account=None,
        key=f"webhook-off-{endpoint.pk}",
        dismissed_at=None,
        defaults={
            "text": f"Porch stopped sending webhooks to {endpoint.url[:300]}. {reason}"[:500]
        },
    )


def prune(now: datetime | None = None, days: int = 30) -> int:
    """Forget events older than `days` (the delivery log's span) and their deliveries,
    except those still queued; how many events went."""
    old = Event.objects.filter(occurred_at__lt=(now or timezone.now()) - timedelta(days=days))
    settled = old.exclude(deliveries__status=DeliveryStatus.QUEUED)
    _, by_model = settled.delete()
    return by_model.get(Event._meta.label, 0)
