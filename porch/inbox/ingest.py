"""Storing what a sync fetched: each message once, in its conversation."""

from collections.abc import Sequence

from django.db import transaction

from porch.inbox.alerts import maybe_alert
from porch.inbox.models import Conversation, Intent, Message
from porch.networks.base import Incoming
from porch.triage.services import classifier_for
from porch.workspaces.models import ConnectedAccount


def _conversation(account: ConnectedAccount, item: Incoming) -> Conversation:
    root = item.root_id or item.external_id
    parent = Message.objects.filter(account=account, external_id=item.in_reply_to).first()
    if parent is not None:
        return parent.conversation
    conversation, _ = Conversation.objects.get_or_create(
        account=account,
        root_external_id=root,
        defaults={
            "workspace": account.workspace,
            "contact_handle": item.author_handle,
            "first_message_at": item.sent_at,
            "last_message_at": item.sent_at,
        },
    )
    return conversation


def triage(messages: list[Message]) -> None:
    """Classify new messages in one batch; a conversation takes its most pressing intent."""
    if not messages:
        return
    results = classifier_for(messages[0].workspace).classify([m.text for m in messages])
    for message, result in zip(messages, results, strict=True):
        message.intent, message.intent_scores = result.intent, result.intent_scores
        message.sentiment, message.sentiment_score = result.sentiment, result.sentiment_score
        message.urgency = result.urgency
        message.save(
            update_fields=["intent", "intent_scores", "sentiment", "sentiment_score", "urgency"]
        )
        convo = message.conversation
        if convo.intent != Intent.COMPLAINT or result.intent == Intent.COMPLAINT:
            convo.intent = result.intent
        convo.urgency = max(convo.urgency, result.urgency)
        convo.save(update_fields=["intent", "urgency"])
    for convo in {m.conversation_id: m.conversation for m in messages}.values():
        transaction.on_commit(lambda convo=convo: maybe_alert(convo))  # type: ignore[misc]


@transaction.atomic
def store_incoming(account: ConnectedAccount, items: Sequence[Incoming]) -> list[Message]:
    """Store new items (those already stored are skipped), triaged; returns the new ones."""
    known = set(
        Message.objects.filter(
            account=account, external_id__in=[i.external_id for i in items]
        ).values_list("external_id", flat=True)
    )
    created = []
    for item in items:
        if item.external_id in known:
            continue
        known.add(item.external_id)
        conversation = _conversation(account, item)
        created.append(
            Message.objects.create(
                workspace=account.workspace,
                account=account,
                conversation=conversation,
                network=account.network,
                external_id=item.external_id,
                in_reply_to=item.in_reply_to,
                kind=item.kind,
                author_handle=item.author_handle,
                author_name=item.author_name,
                text=item.text,
                url=item.url,
                sent_at=item.sent_at,
            )
        )
        if item.sent_at > conversation.last_message_at:
            conversation.last_message_at = item.sent_at
            conversation.save(update_fields=["last_message_at"])
    triage(created)
    return created
