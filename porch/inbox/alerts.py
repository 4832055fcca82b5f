"""Alerts: an urgent complaint reaches the right person at once, once per conversation."""

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from porch.inbox.models import Conversation, InboxSettings, Intent
from porch.workspaces.models import Role

log = logging.getLogger(__name__)


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


def maybe_alert(conversation: Conversation) -> bool:
    """Alert about an urgent complaint unless already alerted or in quiet hours."""
    config = InboxSettings.of(conversation.workspace)
    if conversation.intent != Intent.COMPLAINT or conversation.urgency < config.alert_urgency:
        return False
    now = timezone.now()
    if in_quiet_hours(config, now):
        return False
    claimed = Conversation.objects.filter(pk=conversation.pk, alerted_at__isnull=True).update(
        alerted_at=now
    )
    if not claimed:
        return False
    send(conversation, config)
    return True


def send(conversation: Conversation, config: InboxSettings) -> None:
    latest = conversation.messages.order_by("-sent_at").first()
    text = latest.text if latest else ""
    link = f"{settings.PUBLIC_URL}/w/{conversation.workspace.slug}/inbox/{conversation.pk}/"
    network = conversation.account.get_network_display()
    subject = f"Complaint from {conversation.contact_handle} on {network}"
    body = f"{conversation.contact_handle} wrote:\n\n{text}\n\nAnswer it in Porch: {link}\n"
    try:
        send_mail(subject, body, None, recipients(conversation, config))
    except OSError as exc:
        log.warning("alert email for conversation %s failed: %s", conversation.pk, exc)
    if config.alert_webhook:
        payload = {"subject": subject, "text": text, "url": link, "urgency": conversation.urgency}
        try:
            httpx.post(config.alert_webhook, json=payload, timeout=10)
        except httpx.HTTPError as exc:
            log.warning("alert webhook for conversation %s failed: %s", conversation.pk, exc)
