"""The API's background work: webhooks are sent (and retried with backoff) every few
seconds by the scheduler, and at once when an event is recorded (porch/api/hooks/delivery.py)."""

from django_tasks import task

from porch.api import idempotency
from porch.api.hooks import delivery


@task()
def deliver_webhooks() -> int:
    """Send every endpoint's due deliveries (retries included); how many went."""
    return delivery.deliver_due()


@task()
def deliver_endpoint(endpoint_id: int) -> int:
    """Send one endpoint's due deliveries (the events listener enqueues this on commit)."""
    return delivery.deliver_endpoint(endpoint_id)


@task()
def prune_idempotency_keys() -> int:
    """Forget Idempotency-Keys older than 24 hours (porch/api/idempotency.py)."""
    return idempotency.prune() + delivery.prune()  # and webhook events older than 30 days
