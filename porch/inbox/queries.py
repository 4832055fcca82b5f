"""The inbox's order and filters: open complaints first by urgency, then questions and
leads, then the rest, oldest first within each.

The order is stored: `Conversation.rank` and `rank_urgency` are computed by the database
from intent, status and urgency, and the indexes in `Conversation.Meta` hold the queue in
that order for each filter the page offers, so the first page of a workspace with a million
messages is read from an index, not sorted (`make bench` measures it).
"""

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from porch.core.params import parse_id
from porch.inbox.models import QUEUE_ORDER, Conversation, ConversationStatus, Message
from porch.workspaces.models import Workspace

FILTERS = ("intent", "network", "account", "status", "assignee", "q")
NOBODY = "nobody"  # the assignee filter's value for conversations nobody handles yet


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
    rows = _assignee(rows, filters.get("assignee") or "", filters.get("user"))
    if filters.get("q"):
        words = filters["q"]
        rows = rows.filter(Q(messages__text__icontains=words) | Q(contact_handle__icontains=words))
        rows = rows.distinct()
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-sent_at")
    rows = rows.annotate(preview=Subquery(latest.values("text")[:1]))
    return rows.order_by(*QUEUE_ORDER)


def _assignee(rows: QuerySet[Conversation], assignee: str, user: Any) -> QuerySet[Conversation]:
    """Assigned to "me" (the `user` filter: who asks), to "nobody", or to a user id."""
    if assignee == "me":
        return rows.filter(assigned_to=user) if user is not None else rows
    if assignee == NOBODY:
        return rows.filter(assigned_to__isnull=True)
    if (pk := parse_id(assignee)) is not None:
        return rows.filter(assigned_to_id=pk)
    return rows
