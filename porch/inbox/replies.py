"""Sending a reply from Porch into the right thread on the right network."""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from porch.inbox.models import Conversation, ConversationStatus, Message, MessageKind
from porch.networks.base import NetworkError, Outgoing, TextRules
from porch.networks.sync import client_for, mark_reconnect
from porch.networks.sync import rules_for as network_rules
from porch.workspaces.models import ConnectedAccount


class ReplyError(Exception):
    """The reply was not sent: the message says why and what to do."""


def last_incoming(conversation: Conversation) -> Message:
    found = conversation.messages.exclude(kind=MessageKind.OURS).order_by("-sent_at").first()
    if found is None:
        raise ReplyError("There is no message from the customer to reply to.")
    return found


def check_length(account: ConnectedAccount, rules: TextRules, text: str) -> None:
    if not text.strip():
        raise ReplyError("The reply is empty: write something first.")
    if not rules.fits(text):
        over = rules.length(text) - rules.max_length
        name = account.get_network_display()
        raise ReplyError(f"Too long for {name} by {over}: shorten it to {rules.max_length}.")


@dataclass(frozen=True)
class LengthCheck:
    """The reply box's counter: how long the text is by the network's own count."""

    length: int
    limit: int
    network: str

    @property
    def over(self) -> int:
        return max(0, self.length - self.limit)


def rules_for(account: ConnectedAccount) -> TextRules:
    """The account's network rules (length counting, limits); asks the network if needed."""
    try:
        return network_rules(account)
    except NetworkError as exc:
        raise ReplyError(exc.message) from exc


def check_reply(account: ConnectedAccount, text: str) -> LengthCheck:
    rules = rules_for(account)
    return LengthCheck(rules.length(text), rules.max_length, account.get_network_display())


def send_reply(conversation: Conversation, text: str, idempotency_key: str = "") -> Message:
    """Publish `text` as a reply to the customer's latest message and record it.

    The same `idempotency_key` never posts twice (a retry after an approval whose sending
    was cut off); without one, each call is a new reply."""
    account = conversation.account
    parent = last_incoming(conversation)
    key = idempotency_key or str(uuid.uuid4())
    try:
        with client_for(account) as client:
            check_length(account, client.rules(), text)
            published = client.publish(
                Outgoing(text=text, idempotency_key=key, reply_to=parent.external_id)
            )
    except NetworkError as exc:
        mark_reconnect(account, exc)
        raise ReplyError(exc.message) from exc
    return _record(conversation, parent, text, published.external_id, published.url)


@transaction.atomic
def _record(
    conversation: Conversation, parent: Message, text: str, external_id: str, url: str
) -> Message:
    now = timezone.now()
    account = conversation.account
    ours = Message.objects.create(
        workspace=conversation.workspace,
        account=account,
        conversation=conversation,
        network=account.network,
        external_id=external_id,
        in_reply_to=parent.external_id,
        kind=MessageKind.OURS,
        author_handle=account.handle,
        text=text,
        url=url,
        sent_at=now,
    )
    conversation.first_response_at = conversation.first_response_at or now
    conversation.last_message_at = now
    if conversation.status == ConversationStatus.OPEN:
        conversation.status = ConversationStatus.WAITING
    conversation.save(update_fields=["first_response_at", "last_message_at", "status"])
    return ours
