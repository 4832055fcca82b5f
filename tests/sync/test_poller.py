"""The poller drives the features' sinks: triage runs before the write transaction, an
urgent complaint's alert is a task, and another source stores with a cursor of its own.

The network is the fake one (porch/networks/fake/): customers post into its SQLite file.
"""

from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.inbox import ingest
from porch.inbox.models import Conversation, Message
from porch.networks import poller
from porch.networks.fake import store as fake
from porch.networks.models import SyncState
from porch.networks.poller import (
    INCOMING,
    SEARCH,
    Batch,
    Sink,
    claim_due,
    follow,
    poll,
    register_sink,
    sync_account,
)
from porch.triage.base import Triage
from porch.workspaces.models import ConnectedAccount, Workspace


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="fake", handle="cornerbakery"
    )


class WatchedClassifier:
    """Calls every text an urgent complaint, noting whether a transaction was open."""

    def __init__(self) -> None:
        self.in_transaction: list[bool] = []

    def classify(self, texts: Sequence[str]) -> list[Triage]:
        self.in_transaction.append(connection.in_atomic_block)
        return [Triage("complaint", {"complaint": 0.95}, "negative", -0.8, 0.95) for _ in texts]


@pytest.mark.django_db(transaction=True)  # so that "no transaction open" can be seen
def test_messages_are_classified_before_the_write_transaction_and_alerts_are_queued(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    classifier = WatchedClassifier()
    monkeypatch.setattr(ingest, "classifier_for", lambda workspace: classifier)
    fake.customer_post("maria", "My cake never came and the party is at 3!", to="cornerbakery")

    report = sync_account(account)

    assert (report.fetched, report.new, report.error) == (1, 1, "")
    assert classifier.in_transaction == [False]  # the database was not locked meanwhile
    message = Message.objects.get(account=account)
    assert (message.intent, message.urgency) == ("complaint", 0.95)
    convo = Conversation.objects.get(account=account)
    assert (convo.intent, convo.urgency, convo.alerted_at) == ("complaint", 0.95, None)
    (queued,) = DBTaskResult.objects.filter(task_path="porch.inbox.tasks.send_alert")
    assert queued.args_kwargs["args"] == [convo.pk]  # sent by a worker, not by the poll
    assert SyncState.objects.get(account=account, source=INCOMING).cursor != ""


def test_items_already_stored_are_not_classified_again(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    classifier = WatchedClassifier()
    monkeypatch.setattr(ingest, "classifier_for", lambda workspace: classifier)
    first = fake.customer_post("maria", "Where is my order?", to="cornerbakery")
    sync_account(account)
    SyncState.objects.filter(account=account).update(cursor="")  # the network repeats itself
    fake.customer_post("jo", "And mine?", to="cornerbakery")
    assert sync_account(account).new == 1
    assert len(classifier.in_transaction) == 2  # one text each time: "And mine?" the second
    assert Message.objects.filter(external_id=first).count() == 1


def test_a_second_source_stores_through_the_same_poller_with_its_own_cursor(
    account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poller, "_sinks", {name: list(s) for name, s in poller._sinks.items()})
    stored: list[tuple[str, list[str], bool]] = []

    def prepare(batch: Batch) -> list[str]:
        return [item.external_id for item in batch.items]

    def keep(batch: Batch, ids: list[str]) -> int:
        stored.append((batch.key, ids, connection.in_atomic_block))
        return len(ids)

    mention = fake.customer_post("maria", "Where is my cake?", to="cornerbakery")
    public = fake.customer_post("jo", "The best cakes in town, truly")
    follow(account, SEARCH, "cakes")
    follow(account, INCOMING)
    SyncState.objects.update(next_sync_at=timezone.now() - timedelta(seconds=1))
    assert [s.source for s in claim_due()] == [INCOMING]  # no sink for searches yet
    SyncState.objects.update(next_sync_at=timezone.now() - timedelta(seconds=1), leased_until=None)

    register_sink(SEARCH, Sink(prepare, keep))
    claimed = claim_due()
    assert sorted(state.source for state in claimed) == [INCOMING, SEARCH]
    assert sum(poll(state).new for state in claimed) == 2

    assert stored == [("cakes", [public], True)]  # stored in the cursor's transaction
    assert list(Message.objects.values_list("external_id", flat=True)) == [mention]
    cursors = dict(SyncState.objects.values_list("source", "cursor"))
    assert cursors[SEARCH] != cursors[INCOMING] and "" not in cursors.values()
    search = SyncState.objects.get(account=account, source=SEARCH, key="cakes")
    more = fake.customer_post("ann", "More cakes please")
    assert poll(search).new == 1
    assert stored[-1] == ("cakes", [more], True)  # from its own cursor on


def test_a_sink_cannot_be_registered_for_an_unknown_source() -> None:
    with pytest.raises(ValueError, match="unknown source 'gossip'"):
        register_sink("gossip", Sink(lambda batch: None, lambda batch, ready: 0))
