"""The inbox's background work: queued replies are sent (and retried with backoff) every
few seconds by the scheduler; an urgent complaint's alert is sent, and tried again later
with backoff when it could not go out (inbox/alerts.py)."""

from django_tasks import task

from porch.inbox import alerts
from porch.inbox.alerts import maybe_alert
from porch.inbox.models import Conversation
from porch.inbox.replies import send_due


@task()
def send_due_replies() -> int:
    """Send every queued reply that is due (retries with backoff included); how many went."""
    return send_due()


def _alert(conversation_id: int, attempt: int) -> bool:
    conversation = (
        Conversation.objects.select_related("workspace", "account")
        .filter(pk=conversation_id)
        .first()
    )
    return conversation is not None and maybe_alert(conversation, attempt)


@task()
def send_due_alerts() -> int:
    """The alerts' sweep: send what no task sent in time; how many conversations it alerted."""
    return alerts.send_due()


@task()
def send_alert(conversation_id: int) -> bool:
    """Alert about an urgent complaint just stored (the inbox's sink enqueues this)."""
    return _alert(conversation_id, 0)


@task()
def retry_alert(conversation_id: int, attempt: int) -> bool:
    """Try a failed alert again (alerts.retry_later enqueues this with backoff)."""
    return _alert(conversation_id, attempt)
