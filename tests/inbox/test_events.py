"""The inbox tells what arrived (porch.core.events), in the sink's transaction: each inbound
message once, and a complaint when a conversation becomes one or a complaint becomes urgent
(`urgent` against the inbox's alert urgency, quiet hours or not); never the demo's."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings

from porch.core.events import EVENT_TYPES
from porch.inbox.ingest import Triaged, store_triaged
from porch.inbox.models import Conversation, InboxSettings, Message
from porch.networks.base import Incoming
from porch.triage.base import Triage
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.event_capture import Emitted, emitted

__all__ = ["emitted"]

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="shop.test"
    )


def item(n: int, text: str, intent: str = "question", urgency: float = 0.1, **more: str) -> Triaged:
    incoming = Incoming(
        external_id=f"m{n}",
        kind="mention",
        author_handle="maria",
        author_name="Maria",
        text=text,
        sent_at=AT + timedelta(minutes=n),
        url=f"https://bsky.example/m{n}",
        **more,
    )
    sentiment = "negative" if intent == "complaint" else "neutral"
    return Triaged(incoming, Triage(intent, {intent: 0.9}, sentiment, -0.5, urgency))


def test_the_types_are_registered_with_their_examples() -> None:
    for name in ("message.received", "complaint.arrived"):
        assert EVENT_TYPES[name].description and EVENT_TYPES[name].example
    assert EVENT_TYPES["complaint.arrived"].example["urgent"] is True


def test_each_new_message_is_told_once(account: ConnectedAccount, emitted: Emitted) -> None:
    batch = [item(1, "Is the rye back?"), item(2, "And the spelt?", in_reply_to="m1")]
    (first, second) = store_triaged(account, batch)
    assert [e.type for e in emitted] == ["message.received", "message.received"]
    data = emitted[0].data
    assert emitted[0].workspace_id == account.workspace_id
    assert data == {
        "conversation": first.conversation_id,
        "message": first.pk,
        "network": "bluesky",
        "account": account.pk,
        "kind": "mention",
        "author_handle": "maria",
        "text": "Is the rye back?",
        "url": "https://bsky.example/m1",
        "sent_at": "2026-11-20T09:01:00+00:00",
        "intent": "question",
        "sentiment": "neutral",
        "urgency": 0.1,
    }
    assert emitted[1].data["message"] == second.pk
    assert store_triaged(account, batch) == []  # the same messages again: nothing new
    assert len(emitted) == 2


def test_a_conversation_that_becomes_a_complaint_is_told_once(
    account: ConnectedAccount, emitted: Emitted
) -> None:
    store_triaged(account, [item(1, "Is my cake ready?")])
    assert emitted.of("complaint.arrived") == []
    store_triaged(account, [item(2, "It never came!", "complaint", 0.4, in_reply_to="m1")])
    (event,) = emitted.of("complaint.arrived")
    convo = Conversation.objects.get()
    message = Message.objects.get(external_id="m2")
    assert event.data == {
        "conversation": convo.pk,
        "message": message.pk,
        "network": "bluesky",
        "account": account.pk,
        "author_handle": "maria",
        "text": "It never came!",
        "urgency": 0.4,
        "urgent": False,  # below the inbox's alert urgency (0.7)
        "url": f"{settings.BASE_URL}/w/{account.workspace.slug}/inbox/{convo.pk}/",
    }
    # More of the same complaint, still not urgent: nothing new arrived.
    store_triaged(account, [item(3, "Hello??", "complaint", 0.5, in_reply_to="m2")])
    assert len(emitted.of("complaint.arrived")) == 1


def test_a_complaint_that_becomes_urgent_is_told_again_as_urgent(
    account: ConnectedAccount, emitted: Emitted
) -> None:
    store_triaged(account, [item(1, "Cake was late", "complaint", 0.3)])
    store_triaged(account, [item(2, "Thanks", "praise", 0.1, in_reply_to="m1")])
    batch = [
        item(3, "The party is at 3!!", "complaint", 0.9, in_reply_to="m2"),
        item(4, "ok", "other", 0.0, in_reply_to="m3"),
    ]
    store_triaged(account, batch)
    first, urgent = emitted.of("complaint.arrived")
    assert (first.data["urgent"], urgent.data["urgent"]) == (False, True)
    assert urgent.data["text"] == "The party is at 3!!"  # the complaint, not the last word
    assert urgent.data["urgency"] == 0.9
    store_triaged(account, [item(5, "Still waiting", "complaint", 0.95, in_reply_to="m4")])
    assert len(emitted.of("complaint.arrived")) == 2


def test_an_urgent_complaint_is_told_in_quiet_hours_and_by_its_own_threshold(
    account: ConnectedAccount, emitted: Emitted
) -> None:
    config = InboxSettings.of(account.workspace)
    config.quiet_from, config.quiet_until, config.alert_urgency = time(0, 0), time(23, 59), 0.5
    config.save()
    with time_machine.travel(AT, tick=False):
        store_triaged(account, [item(1, "Burnt bread", "complaint", 0.6)])
    (event,) = emitted.of("complaint.arrived")
    assert event.data["urgent"] is True  # machines do not sleep: no quiet hours for events


def test_a_rolled_back_batch_was_told_inside_its_transaction(
    account: ConnectedAccount, emitted: Emitted
) -> None:
    """The events are emitted inside the sink's transaction (the API's outbox is rolled
    back with it): a listener that fails fails the whole batch."""

    def breaks(*args: object) -> None:
        raise RuntimeError("the outbox is full")

    from porch.core import events

    events.LISTENERS.append(breaks)
    try:
        with pytest.raises(RuntimeError):
            store_triaged(account, [item(1, "Burnt bread", "complaint", 0.9)])
    finally:
        events.LISTENERS.remove(breaks)
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_the_demos_made_up_messages_are_never_told(
    account: ConnectedAccount, emitted: Emitted
) -> None:
    ConnectedAccount.objects.filter(pk=account.pk).update(is_demo=True)
    account.refresh_from_db()
    store_triaged(account, [item(1, "Burnt bread", "complaint", 0.99)])
    assert Message.objects.get().is_demo and emitted == []


def test_a_customer_writing_again_after_it_was_resolved_reopens_it(
    account: ConnectedAccount, emitted: Emitted
) -> None:
    store_triaged(account, [item(1, "Cake was late", "complaint", 0.3)])
    convo = Conversation.objects.get(account=account)
    Conversation.objects.filter(pk=convo.pk).update(status="resolved", resolved_at=AT)
    store_triaged(account, [item(3, "Still nothing here!", "complaint", 0.6, in_reply_to="m1")])
    convo.refresh_from_db()
    assert (convo.status, convo.resolved_at) == ("open", None)
