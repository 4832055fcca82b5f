"""The offers' background work: per-person codes queued by the owner are sent by direct
message (and retried with backoff) every few seconds by the scheduler (offers/sending.py)."""

from django_tasks import task

from porch.offers.sending import send_due


@task()
def send_offer_codes() -> int:
    """Send every queued code that is due (retries with backoff included); how many went."""
    return send_due()
