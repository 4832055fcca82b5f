"""What the inbox tells the API's webhooks (porch.core.events), from the sink's transaction.

message.received    each inbound message stored (not our own replies, not the demo's)
complaint.arrived   a conversation became a complaint, or a complaint became urgent (its
                    urgency reached the inbox settings' alert urgency); `urgent` says which
                    side of that line it is on, for endpoints that want only urgent ones
"""

from typing import Any

from porch.core.events import EventType, emit, register_event_type
from porch.inbox.alerts import conversation_link
from porch.inbox.models import Conversation, Intent, Message, MessageKind

MESSAGE_RECEIVED = EventType(
    "message.received",
    "A customer's message, mention or reply arrived in the inbox.",
    {
        "conversation": 12,
        "message": 345,
        "network": "<the account's network>",
        "account": 2,
        "kind": "mention",
        "author_handle": "maria@bakers.social",
        "text": "Is the rye back today?",
        "url": "https://bakers.social/@maria/1100",
        "sent_at": "2026-11-16T09:12:00+00:00",
        "intent": "question",
        "sentiment": "neutral",
        "urgency": 0.2,
    },
)

COMPLAINT_ARRIVED = EventType(
    "complaint.arrived",
    "A conversation became a complaint, or a complaint became urgent.",
    {
        "conversation": 12,
        "message": 346,
        "network": "<the account's network>",
        "account": 2,
        "author_handle": "maria@bakers.social",
        "text": "My cake never came and the party is at 3!",
        "urgency": 0.9,
        "urgent": True,
        "url": "https://porch.example/w/corner-bakery/inbox/12/",
    },
)


def register() -> None:
    register_event_type(MESSAGE_RECEIVED)
    register_event_type(COMPLAINT_ARRIVED)


def message_received(message: Message) -> None:
    """Tell of a stored inbound message (the demo's made-up ones stay in Porch)."""
    if message.is_demo or message.kind == MessageKind.OURS:
        return
    data: dict[str, Any] = {
        "conversation": message.conversation_id,
        "message": message.pk,
        "network": message.network,
        "account": message.account_id,
        "kind": message.kind,
        "author_handle": message.author_handle,
        "text": message.text,
        "url": message.url,
        "sent_at": message.sent_at.isoformat(),
        "intent": message.intent,
        "sentiment": message.sentiment,
        "urgency": message.urgency,
    }
    emit(message.workspace_id, MESSAGE_RECEIVED.name, data)


def arrived(was: tuple[str, float], conversation: Conversation, threshold: float) -> bool:
    """Whether the conversation, which was (intent, urgency) before this batch, is a complaint
    that arrived now: it became one, or it crossed the alert urgency."""
    if conversation.intent != Intent.COMPLAINT:
        return False
    intent, urgency = was
    return intent != Intent.COMPLAINT or (urgency < threshold <= conversation.urgency)


def complaint_arrived(conversation: Conversation, message: Message, threshold: float) -> None:
    """Tell of a complaint that arrived, with the message that made it one."""
    if conversation.is_demo:
        return
    data: dict[str, Any] = {
        "conversation": conversation.pk,
        "message": message.pk,
        "network": message.network,
        "account": conversation.account_id,
        "author_handle": message.author_handle,
        "text": message.text,
        "urgency": conversation.urgency,
        "urgent": conversation.urgency >= threshold,
        "url": conversation_link(conversation),
    }
    emit(conversation.workspace_id, COMPLAINT_ARRIVED.name, data)
