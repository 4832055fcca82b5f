"""Alerts: an urgent complaint reaches the right person at once, once per conversation."""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from porch.core.fetch import FetchError, post_json
from porch.core.mail import header, message
from porch.inbox.models import Conversation, InboxSettings, Intent
from porch.workspaces.models import Role

log = logging.getLogger(__name__)

# Seconds before each retry of an alert that could not be sent; then Porch gives up.
RETRY_WAITS = (60, 300, 1800, 7200, 21600)


def in_quiet_hours(config: InboxSettings, now: datetime) -> bool:
    start, end = config.quiet_from, config.quiet_until
    if start is None or end is None:
        return False
    local: time = now.astimezone(ZoneInfo(config.zone())).time()
    return start <= local < end if start < end else local >= start or local < end


def recipients(conversation: Conversation, config: InboxSettings) -> list[str]:
    if conversation.assigned_to is not None and conversation.assigned_to.email:
        return [conversation.assigned_to.email]
    listed = [e.strip() for e in config.alert_emails.split(",") if e.strip()]
    if listed:
        return listed
    leads = conversation.workspace.members.filter(role__in=[Role.OWNER, Role.MANAGER])
    return [m.user.email for m in leads.select_related("user") if m.user.email]


def maybe_alert(conversation: Conversation, attempt: int = 0) -> bool:
    """Alert about an urgent complaint unless already alerted or in quiet hours.

    The conversation is claimed (`alerted_at`) while its alert goes out; when sending
    fails the claim is given back, the failure logged and a retry enqueued with backoff
    (RETRY_WAITS). So a complaint counts as alerted only once its alert went, and one
    bad record never raises into the batch of complaints that found it."""
    try:
        return _alert(conversation)
    except Exception as exc:  # a bad record or a mail server down: retry, never stop the batch
        log.warning(
            "alert for conversation %s not sent (try %d): %s: %s",
            conversation.pk,
            attempt + 1,
            type(exc).__name__,
            header(str(exc)),
        )
        retry_later(conversation.pk, attempt)
        return False


def _alert(conversation: Conversation) -> bool:
    config = InboxSettings.of(conversation.workspace)
    if conversation.intent != Intent.COMPLAINT or conversation.urgency < config.alert_urgency:
        return False
    now = timezone.now()
    if in_quiet_hours(config, now):
        return False
    mine = Conversation.objects.filter(pk=conversation.pk, alerted_at__isnull=True)
    if not mine.update(alerted_at=now):
        return False
    try:
        send(conversation, config)
    except BaseException:
        Conversation.objects.filter(pk=conversation.pk, alerted_at=now).update(alerted_at=None)
        raise
    return True


def retry_later(conversation_id: int, attempt: int) -> None:
    """Enqueue the next try of a failed alert, or give up after the last wait."""
    if attempt >= len(RETRY_WAITS):
        log.error("alert for conversation %s given up after %d tries", conversation_id, attempt + 1)
        return
    from porch.inbox.tasks import retry_alert  # the task module imports this one

    try:
        run_after = timezone.now() + timedelta(seconds=RETRY_WAITS[attempt])
        retry_alert.using(run_after=run_after).enqueue(conversation_id, attempt + 1)
    except Exception as exc:  # the queue itself is down: say so, the batch goes on
        log.error("alert retry for conversation %s not queued: %s", conversation_id, exc)


def send(conversation: Conversation, config: InboxSettings) -> None:
    """Email the alert (a failure raises, so it is retried), then post the webhook once."""
    latest = conversation.messages.order_by("-sent_at").first()
    text = latest.text if latest else ""
    link = f"{settings.BASE_URL}/w/{conversation.workspace.slug}/inbox/{conversation.pk}/"
    network = conversation.account.get_network_display()
    who = header(conversation.contact_handle)
    subject = f"Complaint from {who} on {network}"
    body = f"{who} wrote:\n\n{text}\n\nAnswer it in Porch: {link}\n"
    to = recipients(conversation, config)
    if to:
        message(subject, body, to).send()
    if config.alert_webhook:
        payload = {"subject": subject, "text": text, "url": link, "urgency": conversation.urgency}
        try:
            post_json(config.alert_webhook, payload)  # the guarded fetcher: no private hosts
        except FetchError as exc:
            log.warning("alert webhook for conversation %s failed: %s", conversation.pk, exc)
