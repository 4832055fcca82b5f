"""The inbox queue: complaints first by urgency, filters, and the conversation view."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from porch.inbox.models import Conversation, ConversationStatus, Message, SavedReply
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.conftest import PASSWORD

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="shop.test"
    )


def conversation(
    account: ConnectedAccount, n: int, intent: str, arrived: datetime, **fields: object
) -> Conversation:
    """A conversation with one mention from person<n> (Pat <n>), arrived at `arrived`."""
    convo = Conversation.objects.create(
        workspace=account.workspace,
        account=account,
        root_external_id=f"r{n}",
        contact_handle=f"person{n}",
        intent=intent,
        first_message_at=arrived,
        last_message_at=arrived,
        **fields,
    )
    Message.objects.create(
        workspace=account.workspace,
        account=account,
        conversation=convo,
        network=account.network,
        external_id=f"r{n}",
        kind="mention",
        author_handle=f"person{n}",
        author_name=f"Pat {n}",
        text=f"text {n} {intent}",
        sent_at=arrived,
        intent=intent,
    )
    return convo


def add(
    account: ConnectedAccount, n: int, intent: str, urgency: float = 0.0, minutes: int = 0
) -> Conversation:
    return conversation(account, n, intent, T0 + timedelta(minutes=minutes), urgency=urgency)


def handles(client: Client, workspace: Workspace, query: str = "") -> list[str]:
    page = client.get(reverse("inbox", args=[workspace.slug]) + query).content.decode()
    return [
        line.split("<b>")[1].split("</b>")[0]
        for line in page.split("\n")
        if "open-conversation" in line
    ]


def test_complaints_come_first_by_urgency_then_questions_and_leads_oldest_first(
    signed_in: Client, account: ConnectedAccount
) -> None:
    add(account, 1, "praise", minutes=0)
    add(account, 2, "question", minutes=5)
    add(account, 3, "complaint", urgency=0.4, minutes=1)
    add(account, 4, "lead", minutes=2)
    add(account, 5, "complaint", urgency=0.9, minutes=10)
    add(account, 6, "spam", minutes=3)
    assert handles(signed_in, account.workspace) == [
        "person5",
        "person3",
        "person4",
        "person2",
        "person1",
        "person6",
    ]


def test_filters_by_intent_and_search(signed_in: Client, account: ConnectedAccount) -> None:
    add(account, 1, "praise")
    add(account, 2, "complaint", urgency=0.5)
    assert handles(signed_in, account.workspace, "?intent=praise") == ["person1"]
    assert handles(signed_in, account.workspace, "?q=complaint") == ["person2"]


def test_resolved_conversations_leave_the_open_queue(
    signed_in: Client, account: ConnectedAccount
) -> None:
    convo = add(account, 1, "complaint", urgency=0.5)
    signed_in.post(
        reverse("conversation_update", args=[account.workspace.slug, convo.pk]),
        {"status": "resolved", "intent": "complaint", "assigned_to": ""},
    )
    convo.refresh_from_db()
    assert convo.status == ConversationStatus.RESOLVED and convo.resolved_at is not None
    assert handles(signed_in, account.workspace) == []
    assert handles(signed_in, account.workspace, "?status=all") == ["person1"]


def test_another_workspaces_conversation_is_not_found(signed_in: Client, db: None) -> None:
    stranger = services.create_user("x@other.example", PASSWORD)
    theirs = services.create_workspace(stranger, "Other")
    acct = ConnectedAccount.objects.create(workspace=theirs, network="x", handle="other")
    convo = add(acct, 1, "complaint")
    mine = signed_in.get(reverse("home"))["Location"].split("/")[2]
    assert signed_in.get(reverse("conversation", args=[mine, convo.pk])).status_code == 404


def test_saved_reply_fills_the_name_and_notes_are_kept(
    signed_in: Client, account: ConnectedAccount
) -> None:
    convo = add(account, 1, "complaint", urgency=0.7)
    SavedReply.objects.create(
        workspace=account.workspace, title="Sorry", text="Sorry {name}, we're on it, {handle}!"
    )
    url = reverse("conversation", args=[account.workspace.slug, convo.pk])
    page = signed_in.get(url).content.decode()
    assert "Sorry%20Pat%2C%20we%27re%20on%20it%2C%20%40person1%21" in page
    signed_in.post(
        reverse("conversation_note", args=[account.workspace.slug, convo.pk]),
        {"text": "Called her"},
    )
    assert "Called her" in signed_in.get(url).content.decode()


def test_correcting_a_label_records_a_correction_and_resorts(
    signed_in: Client, account: ConnectedAccount
) -> None:
    from porch.triage.models import TriageCorrection

    add(account, 1, "question", minutes=0)
    misread = add(account, 2, "praise", minutes=1)
    signed_in.post(
        reverse("conversation_update", args=[account.workspace.slug, misread.pk]),
        {"status": "open", "intent": "complaint", "assigned_to": ""},
    )
    correction = TriageCorrection.objects.get()
    assert (correction.text, correction.intent) == ("text 2 praise", "complaint")
    assert handles(signed_in, account.workspace) == ["person2", "person1"]
