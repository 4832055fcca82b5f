"""Storing what a sync fetched: each message once, in its conversation."""

from collections.abc import Sequence

from django.db import transaction

from porch.inbox.models import Conversation, Message
from porch.networks.base import Incoming
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


@transaction.atomic
def store_incoming(account: ConnectedAccount, items: Sequence[Incoming]) -> list[Message]:
    """Store new items (those already stored are skipped); returns the new messages."""
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
    return created
