"""The inbox queue's order is stored and index-served: the product rule holds on a realistic
mix, it follows every change of intent or status, and the page's query never sorts."""

from typing import Any

import pytest
from django.db import connection, transaction

from porch.bench.generate_inbox import fill
from porch.inbox.models import Conversation, ConversationStatus, Intent
from porch.inbox.queries import inbox
from porch.workspaces.models import Workspace

FILTERS = [
    {},
    {"status": "all"},
    {"status": "resolved"},
    {"intent": "complaint"},
    {"intent": "praise", "status": "all"},
    {"network": "bluesky"},
]


def product_rule(convo: Conversation) -> tuple[int, float, object]:
    """Open complaints first by urgency, then questions and leads, then the rest, oldest first."""
    complaint = convo.intent == Intent.COMPLAINT
    if complaint and convo.status == ConversationStatus.OPEN:
        rank = 0
    elif convo.intent in (Intent.QUESTION, Intent.LEAD):
        rank = 1
    else:
        rank = 2
    return (rank, -convo.urgency if complaint else 0.0, convo.first_message_at)


@pytest.mark.parametrize("filters", FILTERS)
def test_queue_follows_the_product_rule_on_generated_history(
    workspace: Workspace, filters: dict[str, str]
) -> None:
    fill(workspace, 1500)
    rows = list(inbox(workspace, filters))
    assert rows, "the generated history has conversations for every filter"
    assert [product_rule(c) for c in rows] == sorted(product_rule(c) for c in rows)
    every = Conversation.objects.filter(workspace=workspace)
    if not filters:
        assert len(rows) == every.filter(status=ConversationStatus.OPEN).count()
    previews = {c.pk: c.preview for c in rows[:20]}  # type: ignore[attr-defined]
    latest = {c.pk: c.messages.order_by("-sent_at")[0].text for c in rows[:20]}
    assert previews == latest


def test_order_follows_status_and_intent_changes_however_they_are_made(
    workspace: Workspace,
) -> None:
    fill(workspace, 1500)
    top = inbox(workspace, {})[0]
    assert (top.intent, top.rank) == (Intent.COMPLAINT, 0)
    Conversation.objects.filter(pk=top.pk).update(status=ConversationStatus.RESOLVED)
    assert Conversation.objects.get(pk=top.pk).rank == 2
    question = Conversation.objects.filter(
        workspace=workspace, intent=Intent.QUESTION, status=ConversationStatus.OPEN
    ).first()
    assert question is not None
    question.intent, question.urgency = Intent.COMPLAINT, 2.0
    question.save()
    assert inbox(workspace, {})[0].pk == question.pk
    assert inbox(workspace, {"status": "all"})[0].pk == question.pk
    question.status = ConversationStatus.WAITING
    question.save(update_fields=["status"])
    everything = [c.pk for c in inbox(workspace, {"status": "all"})]
    assert everything[0] != question.pk
    ranks = dict(Conversation.objects.values_list("pk", "rank"))
    assert all(ranks[pk] == 2 for pk in everything[everything.index(question.pk) :])


def plan(sql: str, params: tuple[Any, ...]) -> str:
    """The query plan, as text; PostgreSQL is told to avoid sorting and table scans where
    it can, so that a plan that still sorts shows that no index serves the order (on tiny
    tables it would otherwise sort anyway, being cheaper)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " / ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize("filters", FILTERS)
def test_the_page_query_reads_an_index_in_order_instead_of_sorting(
    workspace: Workspace, filters: dict[str, str]
) -> None:
    fill(workspace, 200)
    sql, params = inbox(workspace, filters)[:50].query.sql_with_params()
    with transaction.atomic():
        steps = plan(sql, params)
    assert "TEMP B-TREE" not in steps and "Sort" not in steps
    assert "inbox_queue_" in steps
    assert "inbox_latest_in_conversation" in steps
