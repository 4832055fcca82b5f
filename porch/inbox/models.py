"""Incoming messages (mentions, replies, direct messages) and the conversations they form."""

import re
import uuid
from datetime import time

from django.conf import settings
from django.db import models

from porch.inbox.clock import BusinessHours
from porch.triage.base import Intent as Intent  # defined once, by triage; used from here too
from porch.triage.base import Sentiment as Sentiment
from porch.workspaces.models import ConnectedAccount, Workspace, network_choices, validate_timezone


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    WAITING = "waiting", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"


# Open complaints first, then questions and leads, then the rest (inbox/queries.py).
QUEUE_RANK = models.Case(
    models.When(intent=Intent.COMPLAINT, status=ConversationStatus.OPEN, then=models.Value(0)),
    models.When(intent__in=[Intent.QUESTION, Intent.LEAD], then=models.Value(1)),
    default=models.Value(2),
)
# Complaints by urgency, most urgent first; the rest only by age.
QUEUE_URGENCY = models.Case(
    models.When(intent=Intent.COMPLAINT, then=models.F("urgency")),
    default=models.Value(0.0),
)
QUEUE_ORDER = ["rank", "-rank_urgency", "first_message_at"]


class Conversation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE)
    # The network id of the first message of the thread, as this account saw it.
    root_external_id = models.CharField(max_length=255)
    contact_handle = models.CharField(max_length=255)
    # The contact's stable network id (as Message.author_id): a renamed account keeps it.
    contact_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    intent = models.CharField(max_length=10, choices=Intent.choices, default=Intent.OTHER)
    urgency = models.FloatField(default=0.0)
    first_message_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    # The inbox's order, computed by the database from intent, status and urgency so that
    # every way of changing those keeps it right and an index can serve the queue.
    rank = models.GeneratedField(
        expression=QUEUE_RANK, output_field=models.SmallIntegerField(), db_persist=True
    )
    rank_urgency = models.GeneratedField(
        expression=QUEUE_URGENCY, output_field=models.FloatField(), db_persist=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "root_external_id"], name="one_conversation_per_thread"
            )
        ]
        # One index per shape of the queue query, so the first page is read in order
        # instead of sorting every conversation of the workspace (see inbox/queries.py).
        indexes = [
            models.Index(
                fields=["workspace", "status", *QUEUE_ORDER], name="inbox_queue_by_status"
            ),
            models.Index(fields=["workspace", *QUEUE_ORDER], name="inbox_queue_all"),
            models.Index(
                fields=["workspace", "intent", "status", *QUEUE_ORDER], name="inbox_queue_by_intent"
            ),
            models.Index(fields=["account", "status", *QUEUE_ORDER], name="inbox_queue_by_account"),
            models.Index(
                fields=["assigned_to", "status", *QUEUE_ORDER], name="inbox_queue_by_assignee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_handle} ({self.get_intent_display()})"


class MessageKind(models.TextChoices):
    MENTION = "mention", "Mention"
    REPLY = "reply", "Reply"
    DIRECT = "direct", "Direct message"
    OURS = "ours", "Our reply"


class Message(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="messages")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    network = models.CharField(max_length=16, choices=network_choices)
    external_id = models.CharField(max_length=255)
    in_reply_to = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author_handle = models.CharField(max_length=255)
    author_name = models.CharField(max_length=255, blank=True)
    # The author's network id, as the network's client gives it (Incoming.author_id);
    # "" where it did not say (our replies, older rows).
    author_id = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    sent_at = models.DateTimeField()
    fetched_at = models.DateTimeField(auto_now_add=True)
    intent = models.CharField(max_length=10, choices=Intent.choices, default=Intent.OTHER)
    intent_scores = models.JSONField(default=dict)
    sentiment = models.CharField(
        max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    sentiment_score = models.FloatField(default=0.0)
    urgency = models.FloatField(default=0.0)
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="one_copy_per_message")
        ]
        indexes = [
            models.Index(fields=["workspace", "-sent_at"]),
            # The inbox preview: each conversation's latest message, one index probe.
            models.Index(fields=["conversation", "-sent_at"], name="inbox_latest_in_conversation"),
            # A person's history (porch.people): their messages by network id, or by handle.
            models.Index(
                fields=["workspace", "network", "author_id", "-sent_at"], name="inbox_by_author_id"
            ),
            models.Index(
                fields=["workspace", "network", "author_handle", "-sent_at"],
                name="inbox_by_author_handle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_handle}: {self.text[:40]}"


class Note(models.Model):
    """A private note on a conversation, for the team."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.text[:40]


class SavedReply(models.Model):
    """A reply the team uses often; {name}, {handle} and {business} are filled in."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=80)
    text = models.TextField()

    def __str__(self) -> str:
        return self.title

    def fill(self, message: "Message") -> str:
        """The text for this message's author: {name} is their first name; without a real
        name "Hi {name}," becomes "Hi there," and "Thanks {name}!" becomes "Thanks!"."""
        name = first_name(message.author_name, message.author_handle)
        text = self.text
        if not name:
            text = GREETING.sub(_greeting_without_name, text)
            # "{name}, your order is ready" opens the line: the next word does, capitalised
            text = LEADING_NAME.sub(lambda m: m.group(1).upper(), text)
            text = re.sub(r"[ \t]*,?[ \t]*\{name\}", "", text)
        filled = text.replace("{name}", name).replace("{handle}", f"@{message.author_handle}")
        return filled.replace("{business}", message.workspace.name)


# A greeting before {name} keeps a word after it when there is no name: "Hi there,".
GREETING = re.compile(
    r"\b(hi|hello|hey|hiya|dear|morning|good morning|good afternoon|good evening)[ \t]+\{name\}",
    re.IGNORECASE,
)


def _greeting_without_name(found: re.Match[str]) -> str:
    """ "Hi there"; but "Dear there" reads wrong: "Dear {name}," becomes "Hello,"."""
    word = found.group(1)
    if word.casefold() == "dear":
        return "Hello" if word[0].isupper() else "hello"
    return f"{word} there"


LEADING_NAME = re.compile(r"(?m)^[ \t]*\{name\}[ \t]*[,;:!.]?[ \t]*(\w)")


def first_name(author_name: str, handle: str) -> str:
    """The first word of a real name; "" when the name is missing or only the handle."""
    name, plain = author_name.strip().lstrip("@"), handle.strip().lstrip("@")
    if not name or name.casefold() == plain.casefold():
        return ""
    return name.split()[0]


class HoursFrom(models.TextChoices):
    """Where the business hours came from, as the settings page says it."""

    DEFAULT = "default", "Porch's starting guess: check them"
    WORKSHOP = "workshop", "your opening hours in the plan's workshop"
    SETTINGS = "settings", "set on this page"


class InboxSettings(models.Model):
    """Business hours, the first-response target and who hears about urgent complaints."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="inbox")
    opens = models.TimeField(default=time(9, 0))
    closes = models.TimeField(default=time(17, 0))
    # Monday to Saturday: a shop is often open on Saturdays.
    days = models.CharField(max_length=20, default="0,1,2,3,4,5", help_text="0 = Monday")
    hours_from = models.CharField(
        max_length=10, choices=HoursFrom.choices, default=HoursFrom.DEFAULT
    )
    first_response_target = models.PositiveIntegerField(default=60, help_text="minutes")
    alert_urgency = models.FloatField(default=0.7, help_text="alert for complaints at or above")
    alert_emails = models.CharField(max_length=500, blank=True, help_text="comma-separated")
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    # Empty: the workspace's own time zone.
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    # What the Members page says: a helper's replies wait for an owner or manager.
    helpers_need_approval = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"inbox settings of {self.workspace}"

    def zone(self) -> str:
        return self.timezone or self.workspace.timezone

    def day_numbers(self) -> list[int]:
        return sorted(int(d) for d in self.days.split(",") if d.strip().isdigit())

    def hours(self) -> BusinessHours:
        return BusinessHours(self.zone(), self.opens, self.closes, frozenset(self.day_numbers()))

    @classmethod
    def of(cls, workspace: Workspace) -> "InboxSettings":
        return cls.objects.get_or_create(workspace=workspace)[0]


class ReplyStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    RETURNED = "returned", "Sent back"
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class Reply(models.Model):
    """A reply written in Porch, stored before any network call so the words are never lost.

    A helper's reply waits for approval (pending; returned with a comment); an approved
    reply, and anyone else's, is queued and sent exactly once by inbox/replies.py: claimed
    under a lease, sent with its idempotency key, looked for on the network before it is
    sent again after an unknown outcome, and retried with backoff while failures are
    temporary. `error` says why it is not sent yet and what to do.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    # The customer's message it answers (the network's id), fixed when it was written.
    in_reply_to = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.QUEUED
    )
    comment = models.TextField(blank=True, help_text="why an owner or manager sent it back")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The claim: who is sending it since when; a claim older than the lease is taken over.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Set before each network call: the next attempt first asks the network what went out.
    check_first = models.BooleanField(default=False)
    # Sent with "Send and resolve": the conversation is resolved once the reply goes out
    # to be sent (for a helper's reply: once it is approved).
    resolves = models.BooleanField(default=False)
    retry_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    sent = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="from_reply"
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "conversation"], name="inbox_reply_by_status"),
            models.Index(fields=["status", "retry_at"], name="inbox_reply_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.text[:40]}"


class AlertChannel(models.TextChoices):
    EMAIL = "email", "E-mail"


class AlertStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class AlertDelivery(models.Model):
    """One way an urgent complaint's alert goes out (e-mail; rows of the alert webhook that
    was, before the API's webhooks, stay as history), sent by inbox/alerts.py: claimed under
    a lease, never sent again once it went, retried with backoff when it failed; `key` goes
    with every send (the e-mail's Message-ID)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    channel = models.CharField(max_length=10, choices=AlertChannel.choices)
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.QUEUED
    )
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the periodic sweep sends it, if no task did by then (a queued task that was lost,
    # the next try after a failure).
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "channel"], name="one_alert_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} alert: {self.get_status_display()}"
