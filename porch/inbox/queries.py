"""The inbox's order and filters: open complaints first by urgency, then questions and
leads, then the rest, oldest first within each."""

from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from porch.inbox.models import Conversation, ConversationStatus, Intent, Message
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
    rank = Case(
        When(intent=Intent.COMPLAINT, status=ConversationStatus.OPEN, then=Value(0)),
        When(intent__in=[Intent.QUESTION, Intent.LEAD], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    urgency = Case(When(intent=Intent.COMPLAINT, then="urgency"), default=Value(0.0))
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-sent_at")
    rows = rows.annotate(preview=Subquery(latest.values("text")[:1]))
    return rows.annotate(rank=rank, rank_urgency=urgency).order_by(
        "rank", "-rank_urgency", "first_message_at"
    )
