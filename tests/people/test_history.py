"""A person's history: every message, the business's replies in their conversations, hits,
notes and label corrections, across networks, newest first, a page at a time (no entry
lost or shown twice, even at the same instant), found by the author indexes in a few
queries; and how they felt, by month."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.inbox.models import Conversation, Message, MessageKind, Note
from porch.listening.models import Hit
from porch.people import history
from porch.people.history import Mark, feeling_by_month, history_page
from porch.people.models import Identity, Person
from porch.people.services import identify
from porch.triage.models import TriageCorrection
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
_ids = count(1)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


def account_on(workspace: Workspace, network: str) -> ConnectedAccount:
    found, _ = ConnectedAccount.objects.get_or_create(
        workspace=workspace, network=network, handle="shop"
    )
    return found


def conversation(account: ConnectedAccount, handle: str, author_id: str = "") -> Conversation:
    return Conversation.objects.create(
        workspace=account.workspace,
        account=account,
        root_external_id=f"root-{next(_ids)}",
        contact_handle=handle,
        contact_id=author_id,
        first_message_at=AT,
        last_message_at=AT,
    )


def wrote(
    convo: Conversation,
    handle: str,
    text: str,
    minutes_ago: float,
    author_id: str = "",
    kind: str = MessageKind.MENTION,
    sentiment: str = "neutral",
) -> Message:
    return Message.objects.create(
        workspace=convo.workspace,
        account=convo.account,
        conversation=convo,
        network=convo.account.network,
        external_id=f"m-{next(_ids)}",
        kind=kind,
        author_handle=handle,
        author_id=author_id,
        text=text,
        sent_at=AT - timedelta(minutes=minutes_ago),
        sentiment=sentiment,
    )


def posted(
    workspace: Workspace,
    network: str,
    handle: str,
    text: str,
    minutes_ago: float,
    author_id: str = "",
    sentiment: str = "neutral",
) -> Hit:
    return Hit.objects.create(
        workspace=workspace,
        network=network,
        external_id=f"h-{next(_ids)}",
        author_handle=handle,
        author_id=author_id,
        text=text,
        sent_at=AT - timedelta(minutes=minutes_ago),
        sentiment=sentiment,
    )


def two_networks(workspace: Workspace) -> Person:
    """Ana, known on bluesky by her DID and on mastodon by her handle only: one person."""
    blue = identify(workspace, "bluesky", "did:plc:ana", "ana.example.com", "Ana")
    masto = identify(workspace, "mastodon", "", "ana@toot.example")
    Identity.objects.filter(pk=masto.pk).update(person=blue.person)
    Person.objects.filter(pk=masto.person_id).delete()
    return blue.person


def kinds(page: history.Page) -> list[tuple[str, str]]:
    return [(entry.kind, entry.text) for entry in page.entries]


def test_everything_they_did_on_both_networks_newest_first(
    workspace: Workspace, owner: User
) -> None:
    ana = two_networks(workspace)
    blue, masto = account_on(workspace, "bluesky"), account_on(workspace, "mastodon")
    complaint = conversation(blue, "ana.example.com", "did:plc:ana")
    wrote(
        complaint, "ana.example.com", "my cake never came", 60, "did:plc:ana", sentiment="negative"
    )
    wrote(complaint, "shop", "so sorry, on its way", 50, kind=MessageKind.OURS)
    Note.objects.create(conversation=complaint, author=owner, text="refund sent")
    TriageCorrection.objects.create(
        workspace=workspace, text="my cake never came", intent="complaint"
    )
    toot = conversation(masto, "ana@toot.example")
    wrote(toot, "ana@toot.example", "the rye is back!", 30, sentiment="positive")
    posted(workspace, "bluesky", "ana.example.com", "best bakery in town", 10, "did:plc:ana")
    # Not hers: another author, another workspace, the same handle on another network.
    wrote(complaint, "ben.example.com", "me too", 40, "did:plc:ben")
    posted(workspace, "x", "ana.example.com", "someone else", 5, "999")
    elsewhere = workspaces.create_workspace(owner, "Other shop", "UTC")
    posted(elsewhere, "bluesky", "ana.example.com", "other workspace", 1, "did:plc:ana")

    page = history_page(ana)

    assert kinds(page) == [
        ("note", "refund sent"),  # the note and the correction were made now
        ("correction", "my cake never came"),
        ("hit", "best bakery in town"),
        ("message", "the rye is back!"),
        ("ours", "so sorry, on its way"),
        ("message", "my cake never came"),
    ]
    assert page.next is None
    networks = {entry.text: entry.network for entry in page.entries}
    assert (
        networks["the rye is back!"] == "mastodon" and networks["best bakery in town"] == "bluesky"
    )
    first = page.entries[-1]
    assert first.conversation_id == complaint.pk and first.sentiment == "negative"


def test_an_identity_with_an_id_also_finds_the_rows_stored_before_ids_were_kept(
    workspace: Workspace,
) -> None:
    ana = identify(workspace, "bluesky", "did:plc:ana", "ana.example.com").person
    convo = conversation(account_on(workspace, "bluesky"), "ana.example.com")
    wrote(convo, "ana.example.com", "old message without an id", 90)
    wrote(convo, "ana.example.com", "new message with an id", 10, "did:plc:ana")
    # A different account that now shows the same handle, by its own id: not hers.
    wrote(convo, "ana.example.com", "an impostor", 5, "did:plc:other")

    texts = [entry.text for entry in history_page(ana).entries]

    assert texts == ["new message with an id", "old message without an id"]


def test_pages_of_fifty_lose_nothing_and_repeat_nothing_at_the_same_instant(
    workspace: Workspace,
) -> None:
    ana = identify(workspace, "bluesky", "did:plc:ana", "ana.example.com").person
    convo = conversation(account_on(workspace, "bluesky"), "ana.example.com")
    for n in range(70):  # many at one instant, of two kinds
        wrote(convo, "ana.example.com", f"message {n}", 20, "did:plc:ana")
        posted(workspace, "bluesky", "ana.example.com", f"post {n}", 20, "did:plc:ana")
    wrote(convo, "ana.example.com", "the oldest", 500, "did:plc:ana")

    seen: list[str] = []
    mark = None
    for _ in range(10):
        page = history_page(ana, mark)
        assert len(page.entries) <= history.PAGE
        seen += [entry.text for entry in page.entries]
        if page.next is None:
            break
        mark = Mark.parse(page.next.text)  # as the "older" link carries it
    assert len(seen) == 141 and len(set(seen)) == 141
    assert seen[-1] == "the oldest"


def test_a_page_costs_a_few_queries_whatever_the_history(
    workspace: Workspace, django_assert_max_num_queries: object
) -> None:
    ana = two_networks(workspace)
    convo = conversation(account_on(workspace, "bluesky"), "ana.example.com")
    for n in range(80):
        wrote(convo, "ana.example.com", f"message {n}", n, "did:plc:ana")
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        page = history_page(ana)
    assert len(page.entries) == 50 and page.next is not None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "nonsense",
        "1_2",
        "x_5_1",
        "1.5_9_1",
        "1.5_5_0",
        "1e400_5_1",
        "1.5_5_99999999999999999999",
    ],
)
def test_a_bad_older_mark_is_the_first_page(raw: str) -> None:
    assert Mark.parse(raw) is None


def test_feeling_by_month_counts_messages_and_posts(workspace: Workspace) -> None:
    ana = identify(workspace, "bluesky", "did:plc:ana", "ana.example.com").person
    convo = conversation(account_on(workspace, "bluesky"), "ana.example.com")
    wrote(convo, "ana.example.com", "angry", 60, "did:plc:ana", sentiment="negative")
    wrote(convo, "ana.example.com", "last month", 60 * 24 * 30, "did:plc:ana", sentiment="positive")
    posted(
        workspace, "bluesky", "ana.example.com", "happy", 30, "did:plc:ana", sentiment="positive"
    )
    posted(workspace, "bluesky", "ana.example.com", "too old", 60 * 24 * 400, "did:plc:ana")

    months = feeling_by_month(ana, AT)

    assert len(months) == 12 and months[-1].month == datetime(2026, 11, 1, tzinfo=UTC)
    assert (months[-1].negative, months[-1].positive, months[-1].neutral) == (1, 1, 0)
    assert (months[-2].month.month, months[-2].positive) == (10, 1)
    assert sum(month.total for month in months) == 3


def test_two_identities_with_one_handle_show_each_row_once(workspace: Workspace) -> None:
    ana = identify(workspace, "bluesky", "did:plc:ana", "ana.example.com").person
    Identity.objects.create(  # a handle-only identity of the same handle, merged into her
        workspace=workspace, person=ana, network="bluesky", handle="ana.example.com"
    )
    convo = conversation(account_on(workspace, "bluesky"), "ana.example.com")
    wrote(convo, "ana.example.com", "before ids were kept", 90, sentiment="negative")
    wrote(convo, "ana.example.com", "with her id", 10, "did:plc:ana", sentiment="negative")

    texts = [entry.text for entry in history_page(ana).entries]

    assert texts == ["with her id", "before ids were kept"]
    assert sum(month.negative for month in feeling_by_month(ana, AT)) == 2
