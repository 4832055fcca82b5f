"""The inbox's sink for the poller: each synced message stored once, in its conversation.

prepare(batch)          no transaction held: which items are new, and their triage
                        (classifying may be slow; the database is not locked meanwhile)
store(batch, prepared)  inside the poller's transaction with the cursor: messages and
                        conversations written, and the events told in it (inbox/events.py);
                        an urgent complaint's alert is enqueued once it commits
                        (inbox/alerts.py)
"""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import transaction

from porch.inbox import events
from porch.inbox.alerts import alert_soon
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    InboxSettings,
    Intent,
    Message,
)
from porch.networks.base import Incoming
from porch.networks.poller import Batch, Sink
from porch.triage.base import Triage
from porch.triage.services import classifier_for
from porch.workspaces.models import ConnectedAccount


class Triaged(NamedTuple):
    item: Incoming
    triage: Triage


def _known(account: ConnectedAccount, items: Sequence[Incoming]) -> set[str]:
    ids = [item.external_id for item in items]
    found = Message.objects.filter(account=account, external_id__in=ids)
    return set(found.values_list("external_id", flat=True))


def prepare(batch: Batch) -> list[Triaged]:
    """The items not stored yet (each once), classified in one batch."""
    known, fresh = _known(batch.account, batch.items), []
    for item in batch.items:
        if item.external_id not in known:
            known.add(item.external_id)
            fresh.append(item)
    if not fresh:
        return []
    results = classifier_for(batch.account.workspace).classify([i.text for i in fresh])
    return [Triaged(item, result) for item, result in zip(fresh, results, strict=True)]


def store(batch: Batch, prepared: list[Triaged]) -> int:
    return len(store_triaged(batch.account, prepared))


INBOX_SINK: Sink[list[Triaged]] = Sink(prepare, store)


def _conversation(
    account: ConnectedAccount, item: Incoming, seen: dict[int, Conversation]
) -> Conversation:
    """The item's conversation (its parent's, else its thread's), one object per row."""
    parent = Message.objects.filter(account=account, external_id=item.in_reply_to).first()
    if parent is not None:
        return seen.setdefault(parent.conversation_id, parent.conversation)
    conversation, _ = Conversation.objects.get_or_create(
        account=account,
        root_external_id=item.root_id or item.external_id,
        defaults={
            "workspace": account.workspace,
            "contact_handle": item.author_handle,
            "contact_id": item.author_id,
            "is_demo": account.is_demo,
            "first_message_at": item.sent_at,
            "last_message_at": item.sent_at,
        },
    )
    return seen.setdefault(conversation.pk, conversation)


def _message(account: ConnectedAccount, conversation: Conversation, entry: Triaged) -> Message:
    item, result = entry
    return Message.objects.create(
        workspace=account.workspace,
        account=account,
        conversation=conversation,
        network=account.network,
        external_id=item.external_id,
        in_reply_to=item.in_reply_to,
        kind=item.kind,
        author_handle=item.author_handle,
        author_name=item.author_name,
        author_id=item.author_id,
        text=item.text,
        url=item.url,
        sent_at=item.sent_at,
        intent=result.intent,
        intent_scores=result.intent_scores,
        sentiment=result.sentiment,
        sentiment_score=result.sentiment_score,
        urgency=result.urgency,
        is_demo=account.is_demo,
    )


def _follow(conversation: Conversation, entry: Triaged) -> None:
    """A conversation takes its latest time and its most pressing intent; one stored
    before authors' ids were kept learns its contact's id from the contact's next message."""
    item, result = entry
    conversation.last_message_at = max(conversation.last_message_at, item.sent_at)
    if not conversation.contact_id and item.author_handle == conversation.contact_handle:
        conversation.contact_id = item.author_id
    if conversation.intent != Intent.COMPLAINT or result.intent == Intent.COMPLAINT:
        conversation.intent = result.intent
    conversation.urgency = max(conversation.urgency, result.urgency)
    if conversation.status != ConversationStatus.OPEN:
        # someone wrote again after it was resolved (or while it waited on them; our own
        # replies are stored when sent and never come in here): it is back in the open
        # queue, the home page's counts and the tab's notices
        conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None


def _cause(before: Message | None, message: Message) -> Message:
    """The message a complaint arrives with: the batch's latest complaint, else its latest."""
    complaint = Intent.COMPLAINT
    if before is not None and before.intent == complaint and message.intent != complaint:
        return before
    return message


@transaction.atomic
def store_triaged(account: ConnectedAccount, prepared: Sequence[Triaged]) -> list[Message]:
    """Store the prepared items not stored meanwhile (one of our replies, say); returns
    the new messages."""
    known = _known(account, [entry.item for entry in prepared])
    seen: dict[int, Conversation] = {}
    was: dict[int, tuple[str, float]] = {}  # each conversation's (intent, urgency) before
    cause: dict[int, Message] = {}  # its latest new complaint, else its latest new message
    created = []
    for entry in prepared:
        if entry.item.external_id in known:
            continue
        conversation = _conversation(account, entry.item, seen)
        was.setdefault(conversation.pk, (conversation.intent, conversation.urgency))
        message = _message(account, conversation, entry)
        created.append(message)
        events.message_received(message)
        cause[conversation.pk] = _cause(cause.get(conversation.pk), message)
        _follow(conversation, entry)
    threshold = InboxSettings.of(account.workspace).alert_urgency if seen else 0.0
    for conversation in seen.values():
        conversation.save(
            update_fields=[
                "last_message_at",
                "intent",
                "urgency",
                "contact_id",
                "status",
                "resolved_at",
            ]
        )
        if events.arrived(was[conversation.pk], conversation, threshold):
            events.complaint_arrived(conversation, cause[conversation.pk], threshold)
        alert_soon(conversation)
    return created
