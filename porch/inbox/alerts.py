"""Alerts: an urgent complaint reaches the right people at once, once per conversation.

The inbox's sink stores an urgent complaint and, in the same transaction, decides
(complaint, urgency, quiet hours; never for the demo's made-up conversations) and records
one AlertDelivery for each way the alert goes out: an e-mail to the recipients (machines
hear of complaints as events, inbox/events.py, through the API's webhooks, which keep no
quiet hours). It enqueues `send_alert` once the transaction commits; should that task be
lost (the queue refused it, the worker died), the periodic sweep (`send_due`) sends what
is still queued a minute later. Each delivery is sent the way replies are (inbox/replies.py):

    claim     a conditional UPDATE (status and claimed_at as read): one sender wins
    send      with the delivery's key (the e-mail's Message-ID)
    mark      sent, only while still holding the claim; a delivery that went out is
              never sent again
    failure   the claim is given back and the next try is enqueued with backoff
              (RETRY_WAITS; the sweep is its backstop), then Porch gives up (logged, and
              said on the delivery); a new urgent message queues a given-up alert again
    death     a claim whose worker died between send and mark is taken over once its lease
              (PORCH_PUBLISH_LEASE, as for replies) ran out, and sent again with the same
              key, so a receiver that got the first one can tell it is the same alert

The conversation's `alerted_at` is set once every delivery is settled and one went out.
"""

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from porch.core.fetch import AddressRefused
from porch.core.mail import header, message
from porch.inbox.models import (
    AlertChannel,
    AlertDelivery,
    AlertStatus,
    Conversation,
    InboxSettings,
    Intent,
)
from porch.workspaces.models import Role, Workspace

log = logging.getLogger(__name__)

# Seconds before each retry of an alert that could not be sent; then Porch gives up.
RETRY_WAITS = (60, 300, 1800, 7200, 21600)
# How long the task enqueued on commit has to send a delivery before the sweep does.
SWEEP_AFTER = 60


class GoneChannel(Exception):
    """A delivery recorded for a channel Porch no longer sends by (the alert webhook, now
    the API's webhooks): settled as not sent, never retried."""

    def __init__(self, channel: str) -> None:
        super().__init__(f"alerts no longer go out by {channel}: see the webhooks page")


def in_quiet_hours(config: InboxSettings, now: datetime) -> bool:
    start, end = config.quiet_from, config.quiet_until
    if start is None or end is None:
        return False
    local: time = now.astimezone(ZoneInfo(config.zone())).time()
    return start <= local < end if start < end else local >= start or local < end


def recipients(conversation: Conversation, config: InboxSettings) -> list[str]:
    if conversation.assigned_to is not None and conversation.assigned_to.email:
        return [conversation.assigned_to.email]
    return workspace_recipients(conversation.workspace, config)


def workspace_recipients(workspace: Workspace, config: InboxSettings) -> list[str]:
    """The alert e-mails of the inbox settings, else the owners' and managers'."""
    listed = [e.strip() for e in config.alert_emails.split(",") if e.strip()]
    if listed:
        return listed
    leads = workspace.members.filter(role__in=[Role.OWNER, Role.MANAGER])
    return [m.user.email for m in leads.select_related("user") if m.user.email]


def workspace_channels(workspace: Workspace, now: datetime | None = None) -> list[str]:
    """The ways a workspace-wide alert (not about one conversation) goes out at `now`
    (default: now): none in quiet hours; e-mail when someone is to be told."""
    config = InboxSettings.of(workspace)
    if in_quiet_hours(config, now or timezone.now()):
        return []
    return [AlertChannel.EMAIL] if workspace_recipients(workspace, config) else []


def send_notice(
    workspace: Workspace,
    channel: str,
    key: uuid.UUID,
    subject: str,
    body: str,
) -> None:
    """Send a workspace-wide alert (listening's spikes) by one channel, with `key` as the
    e-mail's Message-ID (the same on every try); raises what failed, a GoneChannel where
    trying again cannot help."""
    if channel != AlertChannel.EMAIL:
        raise GoneChannel(channel)
    config = InboxSettings.of(workspace)
    _mail(subject, body, workspace_recipients(workspace, config), key)


def wants_alert(conversation: Conversation, config: InboxSettings) -> bool:
    """An urgent complaint not alerted yet (the demo's made-up ones never alert)."""
    urgent = conversation.urgency >= config.alert_urgency
    complaint = conversation.intent == Intent.COMPLAINT and not conversation.is_demo
    return complaint and urgent and conversation.alerted_at is None


def alert_soon(conversation: Conversation) -> None:
    """From the inbox's sink, in its transaction: record the alert's deliveries, and
    enqueue their sending once it commits."""
    if _record(conversation, InboxSettings.of(conversation.workspace)) is not None:
        conversation_id = conversation.pk
        transaction.on_commit(lambda: _enqueue(conversation_id, 0, None))


def _record(conversation: Conversation, config: InboxSettings) -> list[AlertDelivery] | None:
    """The deliveries of the alert the conversation needs now (none: nobody to tell); None
    when it needs none. Deliveries an earlier alert gave up on are queued again."""
    now = timezone.now()
    if not wants_alert(conversation, config) or in_quiet_hours(config, now):
        return None
    channels = [AlertChannel.EMAIL] if recipients(conversation, config) else []
    sweep_at = now + timedelta(seconds=SWEEP_AFTER)
    for channel in channels:
        AlertDelivery.objects.get_or_create(
            conversation=conversation, channel=channel, defaults={"retry_at": sweep_at}
        )
    given_up = AlertDelivery.objects.filter(conversation=conversation, status=AlertStatus.FAILED)
    given_up.update(status=AlertStatus.QUEUED, attempts=0, error="", retry_at=sweep_at)
    return list(AlertDelivery.objects.filter(conversation=conversation).order_by("pk"))


def send_due() -> int:
    """The sweep: send the deliveries no task sent in time (still queued past their
    `retry_at`, or held by a worker that died); how many conversations it alerted."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    queued = Q(status=AlertStatus.QUEUED) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    held = Q(status=AlertStatus.SENDING, claimed_at__lte=stale)
    due = AlertDelivery.objects.filter(queued | held, conversation__alerted_at__isnull=True)
    tries = due.values("conversation_id").annotate(tries=Max("attempts"))
    alerted = 0
    for row in tries.order_by("conversation_id"):
        conversation = Conversation.objects.select_related("workspace", "account").get(
            pk=row["conversation_id"]
        )
        alerted += maybe_alert(conversation, row["tries"])
    return alerted


def _enqueue(conversation_id: int, attempt: int, run_after: datetime | None) -> None:
    from porch.inbox.tasks import retry_alert, send_alert  # the task module imports this one

    try:
        if attempt == 0:
            send_alert.enqueue(conversation_id)
        else:
            retry_alert.using(run_after=run_after).enqueue(conversation_id, attempt)
    except Exception as exc:  # the queue itself is down: say so, the batch goes on
        log.error("alert for conversation %s not queued: %s", conversation_id, exc)


def maybe_alert(conversation: Conversation, attempt: int = 0) -> bool:
    """Send the alert about an urgent complaint unless it went already or it is quiet
    hours; True when this call completed it. What fails is retried later with backoff,
    and one bad record never raises into the batch of complaints that found it."""
    try:
        return _alert(conversation, attempt)
    except Exception as exc:  # a bad record or the database: retry, never stop the batch
        log.warning(
            "alert for conversation %s not sent (try %d): %s: %s",
            conversation.pk,
            attempt + 1,
            type(exc).__name__,
            header(str(exc)),
        )
        retry_later(conversation.pk, attempt)
        return False


def _alert(conversation: Conversation, attempt: int) -> bool:
    deliveries = _decided(conversation)
    if deliveries is None:
        return False
    sender, unfinished = sender_id(), False
    for delivery in deliveries:
        if delivery.status in (AlertStatus.SENT, AlertStatus.FAILED):
            continue
        if not (_claim(delivery, sender) and _deliver(conversation, delivery, sender)):
            unfinished = True
    if unfinished:
        retry_later(conversation.pk, attempt)
    return _finish(conversation)


def _decided(conversation: Conversation) -> list[AlertDelivery] | None:
    """The alert's deliveries: those recorded by an earlier try, else made now if the
    conversation needs an alert now; None when it does not."""
    found = list(AlertDelivery.objects.filter(conversation=conversation).order_by("pk"))
    if found:
        return found
    if Conversation.objects.filter(pk=conversation.pk, alerted_at__isnull=False).exists():
        return None
    return _record(conversation, InboxSettings.of(conversation.workspace))


def sender_id() -> str:
    return f"alerts-{uuid.uuid4().hex[:12]}"


def _claim(delivery: AlertDelivery, sender: str) -> bool:
    """Take the delivery if nobody changed it since we read it; a claim older than the
    lease is taken over (its worker died, maybe after sending)."""
    now = timezone.now()
    if delivery.status == AlertStatus.SENDING:
        held_since = delivery.claimed_at or now
        if held_since > now - timedelta(seconds=settings.PUBLISH_LEASE):
            return False
    as_read = AlertDelivery.objects.filter(
        pk=delivery.pk, status=delivery.status, claimed_at=delivery.claimed_at
    )
    changed = as_read.update(
        status=AlertStatus.SENDING, claimed_by=sender, claimed_at=now, attempts=F("attempts") + 1
    )
    return changed == 1


def _held(delivery: AlertDelivery, sender: str) -> QuerySet[AlertDelivery]:
    return AlertDelivery.objects.filter(
        pk=delivery.pk, status=AlertStatus.SENDING, claimed_by=sender
    )


def _deliver(conversation: Conversation, delivery: AlertDelivery, sender: str) -> bool:
    """Send a delivery we hold and mark it; a failure gives the claim back (or, where
    trying again cannot help, marks it failed)."""
    config = InboxSettings.of(conversation.workspace)
    try:
        if delivery.channel not in SENDERS:
            raise GoneChannel(delivery.channel)
        SENDERS[delivery.channel](conversation, config, delivery.key)
    except Exception as exc:  # the mail server: try again later
        refused = isinstance(exc, AddressRefused | GoneChannel)
        status = AlertStatus.FAILED if refused else AlertStatus.QUEUED
        _held(delivery, sender).update(status=status, error=header(str(exc), 500))
        log.warning(
            "%s alert for conversation %s not sent: %s: %s",
            delivery.channel,
            conversation.pk,
            type(exc).__name__,
            header(str(exc)),
        )
        return refused
    mark_sent(delivery, sender)
    return True


def mark_sent(delivery: AlertDelivery, sender: str) -> None:
    _held(delivery, sender).update(status=AlertStatus.SENT, sent_at=timezone.now(), error="")


def _finish(conversation: Conversation) -> bool:
    """Mark the conversation alerted once every delivery is settled and one went out (or
    there was nobody to tell); True for the call that marked it."""
    statuses = set(
        AlertDelivery.objects.filter(conversation=conversation).values_list("status", flat=True)
    )
    if not statuses <= {AlertStatus.SENT, AlertStatus.FAILED}:
        return False
    if statuses and AlertStatus.SENT not in statuses:
        return False
    unmarked = Conversation.objects.filter(pk=conversation.pk, alerted_at__isnull=True)
    return unmarked.update(alerted_at=timezone.now()) == 1


def retry_later(conversation_id: int, attempt: int) -> None:
    """Enqueue the next try of an alert, or give up after the last wait."""
    if attempt >= len(RETRY_WAITS):
        log.error("alert for conversation %s given up after %d tries", conversation_id, attempt + 1)
        AlertDelivery.objects.filter(
            conversation_id=conversation_id, status=AlertStatus.QUEUED
        ).update(status=AlertStatus.FAILED)
        return
    run_after = timezone.now() + timedelta(seconds=RETRY_WAITS[attempt])
    AlertDelivery.objects.filter(conversation_id=conversation_id, status=AlertStatus.QUEUED).update(
        retry_at=run_after
    )
    _enqueue(conversation_id, attempt + 1, run_after)


def conversation_link(conversation: Conversation) -> str:
    """The conversation's page in Porch, as an absolute address (for e-mails and events)."""
    return f"{settings.BASE_URL}/w/{conversation.workspace.slug}/inbox/{conversation.pk}/"


def _content(conversation: Conversation) -> tuple[str, str, str]:
    """(subject, the latest message's text, the conversation's address in Porch)."""
    latest = conversation.messages.order_by("-sent_at").first()
    text = latest.text if latest else ""
    link = conversation_link(conversation)
    network = conversation.account.get_network_display()
    subject = f"Complaint from {header(conversation.contact_handle)} on {network}"
    return subject, text, link


def send_email(conversation: Conversation, config: InboxSettings, key: uuid.UUID) -> None:
    subject, text, link = _content(conversation)
    who = header(conversation.contact_handle)
    body = f"{who} wrote:\n\n{text}\n\nAnswer it in Porch: {link}\n"
    _mail(subject, body, recipients(conversation, config), key)


def _mail(subject: str, body: str, to: list[str], key: uuid.UUID) -> None:
    mail = message(subject, body, to)
    if mail.to:
        host = urlsplit(settings.BASE_URL).hostname or "porch.localhost"
        mail.extra_headers["Message-ID"] = f"<alert-{key}@{host}>"  # the same on every try
        mail.send()


SENDERS: dict[str, Callable[[Conversation, InboxSettings, uuid.UUID], None]] = {
    AlertChannel.EMAIL: send_email,
}
