"""The inbox's order and filters: open complaints first by urgency, then questions and
leads, then the rest, oldest first within each.

The order is stored: `Conversation.rank` and `rank_urgency` are computed by the database
from intent, status and urgency, and the indexes in `Conversation.Meta` hold the queue in
that order for each filter the page offers, so the first page of a workspace with a million
messages is read from an index, not sorted (`make bench` measures it).
"""

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from porch.inbox.models import QUEUE_ORDER, Conversation, ConversationStatus, Message
from porch.workspaces.models import Workspace

FILTERS = ("intent", "network", "account", "status", "assignee", "q")


def inbox(workspace: Workspace, filters: dict[str, Any]) -> QuerySet[Conversation]:
    rows = Conversation.objects.filter(workspace=workspace).select_related("account", "assigned_to")
    status = filters.get("status") or ConversationStatus.OPEN
    if status != "all":
        rows = rows.filter(status=status)
    if filters.get("intent"):
        rows = rows.filter(intent=filters["intent"])
    if filters.get("network"):
        rows = rows.filter(account__network=filters["network"])
    if filters.get("account"):
        rows = rows.filter(account_id=filters["account"])
    if filters.get("assignee") == "me" and filters.get("user") is not None:
        rows = rows.filter(assigned_to=filters["user"])
    if filters.get("q"):
        words = filters["q"]
        rows = rows.filter(Q(messages__text__icontains=words) | Q(contact_handle__icontains=words))
        rows = rows.distinct()
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-sent_at")
    rows = rows.annotate(preview=Subquery(latest.values("text")[:1]))
    return rows.order_by(*QUEUE_ORDER)
