"""The firehose consumer (porch/networks/firehose.py): one worker of the install reads a
network's whole stream under a lease, each batch stored with its cursor in one
transaction, so a sink that breaks, a dropped connection or a worker that dies loses and
doubles nothing; a mention of a connected account reaches the inbox at once.

The stream is scripted (tests/networks/scripted_firehose.py), patched in as the fake
network's firehose; the database and the inbox's sink are the real ones. "Now" is frozen
and moved by the test, waits included (firehose.pause).
"""

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from porch.cli import main
from porch.core import worker
from porch.inbox.models import Conversation, Message
from porch.networks import firehose, registry
from porch.networks.base import NetworkDescriptor, NetworkError
from porch.networks.firehose import Arrivals, FirehoseSink, claim, consume, renew
from porch.networks.models import INCOMING, FirehoseState, SyncState
from porch.networks.poller import follow
from porch.workspaces.models import ConnectedAccount, Notice, Workspace
from tests.networks import scripted_firehose as stream
from tests.networks.scripted_firehose import post, script

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
SHOP = "did:plc:cornerbakery"
FIREHOSE = "tests.networks.scripted_firehose"


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(AT, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def streaming(monkeypatch: pytest.MonkeyPatch, settings: Any) -> NetworkDescriptor:
    """The fake network with the scripted firehose, the only one (no test reaches a real
    stream); no sink but the tests' own."""
    installed, described = registry.descriptors, registry.descriptor
    fake = replace(described("fake"), firehose=FIREHOSE)
    monkeypatch.setattr(
        registry,
        "descriptors",
        lambda: [fake if n.name == "fake" else replace(n, firehose="") for n in installed()],
    )
    monkeypatch.setattr(
        registry, "descriptor", lambda name: fake if name == "fake" else described(name)
    )
    monkeypatch.setattr(firehose, "_sinks", [])
    monkeypatch.setattr(firehose, "_authors", {})
    settings.SCRIPTED_FIREHOSE_URL = "wss://stream.example/subscribe"
    stream.reset()
    return fake


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch, clock: time_machine.Traveller) -> list[float]:
    """Every wait of the consumer, in seconds: each moves "now" on instead of sleeping."""
    waited: list[float] = []

    def pause(stop: threading.Event, seconds: float) -> bool:
        waited.append(seconds)
        clock.shift(seconds)
        return stop.is_set()

    monkeypatch.setattr(firehose, "pause", pause)
    return waited


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="fake", handle="cornerbakery", external_id=SHOP
    )


def noting(account: ConnectedAccount, breaks_on: set[str] | None = None) -> list[list[str]]:
    """Register a sink that writes a Notice per post (not idempotent: a double store would
    show), then one that breaks once on each post id in `breaks_on`; what was prepared."""
    prepared: list[list[str]] = []
    breaks = set(breaks_on or ())

    def prepare(arrivals: Arrivals) -> list[str]:
        ids = [p.item.external_id for p in arrivals.posts]
        prepared.append(ids)
        return ids

    def ids(arrivals: Arrivals) -> list[str]:
        return [p.item.external_id for p in arrivals.posts]

    def store(arrivals: Arrivals, ids: list[str]) -> int:
        for external_id in ids:
            Notice.objects.create(workspace=account.workspace, key=external_id, text="kept")
        return len(ids)

    def break_once(arrivals: Arrivals, ids: list[str]) -> int:
        for external_id in breaks.intersection(ids):
            breaks.discard(external_id)
            raise RuntimeError(f"a sink broke on {external_id}")
        return 0

    firehose.register_firehose_sink(FirehoseSink(prepare, store))
    firehose.register_firehose_sink(FirehoseSink(ids, break_once))
    return prepared


def noted() -> list[str]:
    return list(Notice.objects.order_by("pk").values_list("key", flat=True))


def state() -> FirehoseState:
    return FirehoseState.objects.get(network="fake")


def read(holder: str = "worker-a", **kwargs: Any) -> None:
    consume("fake", threading.Event(), holder, **kwargs)


def test_each_batch_is_stored_with_its_cursor(
    db: None, account: ConnectedAccount, waits: list[float], clock: time_machine.Traveller
) -> None:
    prepared = noting(account)
    first, second = [post(1, "good bread"), post(2, "rye?")], [post(3, "open today?")]
    script(first, second)
    read()

    assert prepared == [[p.item.external_id for p in first], [second[0].item.external_id]]
    assert noted() == [p.item.external_id for p in first + second]
    row = state()
    assert (row.cursor, row.events, row.posts, row.kept) == ("2", 3, 3, 3)
    assert (row.last_event_at, row.lag_seconds) == (AT - timedelta(seconds=1), 1.0)
    assert stream.SCRIPT.urls == ["wss://stream.example/subscribe"]  # its setting's address
    assert row.leased_until is None  # stopped: given up for a standby to take at once
    assert waits == []


def test_a_sink_that_breaks_stores_nothing_and_its_batch_comes_again_once(
    db: None,
    account: ConnectedAccount,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    second = post(2, "a complaint", mentions=(SHOP,))
    noting(account, breaks_on={second.item.external_id})
    script([post(1, "fine")], [second])
    at_the_failure: list[tuple[str, list[str], int]] = []
    original = firehose.pause

    def look(stop: threading.Event, seconds: float) -> bool:
        at_the_failure.append((state().cursor, noted(), Message.objects.count()))
        return original(stop, seconds)

    monkeypatch.setattr(firehose, "pause", look)
    read()

    first_id = stream.SCRIPT.batches[0].posts[0].item.external_id
    assert at_the_failure == [("1", [first_id], 0)]  # its notes and mention rolled back
    assert stream.SCRIPT.connected == ["", "1"]  # again from the saved cursor
    assert noted() == [first_id, second.item.external_id]  # each once
    assert Message.objects.get().external_id == second.item.external_id
    assert state().cursor == "2"
    assert "a sink broke on" in state().last_error
    assert caplog.text.count("(retrying from its cursor): RuntimeError: a sink broke") == 1


def test_a_standby_takes_over_within_the_lease_once_the_holder_stops_renewing(
    db: None, clock: time_machine.Traveller
) -> None:
    assert claim("fake", "worker-a")
    assert not claim("fake", "worker-b")
    clock.shift(10)
    assert renew("fake", "worker-a") and not claim("fake", "worker-b")
    clock.shift(firehose.LEASE - 1)  # worker-a stops renewing: a lease still runs
    assert not claim("fake", "worker-b")
    clock.shift(1)
    assert claim("fake", "worker-b")
    assert not renew("fake", "worker-a")  # it knows it lost
    assert state().holder == "worker-b"


def test_a_second_consumer_stands_by_then_reads(
    db: None, account: ConnectedAccount, waits: list[float]
) -> None:
    noting(account)
    script([post(1, "hello")])
    assert claim("fake", "worker-a")  # then it dies: it never renews
    told: list[str] = []
    read("worker-b", standing_by=told.append)

    assert told == ["worker-a"]  # once, however long it waits
    assert sum(waits) <= firehose.LEASE + firehose.CLAIM_EVERY
    assert len(noted()) == 1
    assert state().holder == "worker-b"


def test_a_consumer_that_lost_its_lease_stores_nothing_more(
    db: None, account: ConnectedAccount, waits: list[float], clock: time_machine.Traveller
) -> None:
    noting(account)
    script([post(1, "one")], [post(2, "two")], [post(3, "three")])
    stop = threading.Event()

    def stall_then_lose(index: int) -> None:
        if index == 1:  # worker-a stalls past its lease; worker-b takes over
            clock.shift(firehose.LEASE + 1)
            assert claim("fake", "worker-b")

    stream.SCRIPT.before = stall_then_lose
    consume("fake", stop, "worker-a", standing_by=lambda holder: stop.set())

    assert noted() == [stream.SCRIPT.batches[0].posts[0].item.external_id]
    assert (state().cursor, state().holder) == ("1", "worker-b")
    assert stream.SCRIPT.connected == [""]


def test_a_mention_of_a_connected_account_reaches_the_inbox_as_a_conversation(
    db: None, account: ConnectedAccount, waits: list[float]
) -> None:
    mention = post(1, "@cornerbakery my order never came!", "did:plc:maya", mentions=(SHOP,))
    reply = post(2, "thanks, it's here now", "did:plc:dan", reply_to_author=SHOP)
    own = post(3, "we open at 8", SHOP, mentions=(SHOP,))
    other = post(4, "nothing about you", "did:plc:olly")
    script([mention, reply, own, other])
    follow(account, INCOMING)  # what connecting the account does
    read()

    messages = Message.objects.filter(account=account).order_by("sent_at", "pk")
    assert [(m.kind, m.author_handle, m.author_id, m.text) for m in messages] == [
        ("mention", "maya.example", "did:plc:maya", mention.item.text),
        ("reply", "dan.example", "did:plc:dan", reply.item.text),
    ]
    contacts = Conversation.objects.filter(account=account).order_by("first_message_at", "pk")
    assert [c.contact_id for c in contacts] == ["did:plc:maya", "did:plc:dan"]
    assert stream.SCRIPT.asked == [["did:plc:maya", "did:plc:dan"]]  # only who matters
    incoming = SyncState.objects.get(account=account, source=INCOMING)
    assert incoming.woken  # a worker's next claim polls its notifications to reconcile
    assert incoming.last_synced_at is None  # not from the stream's own thread
    assert state().kept == 2


def test_a_mention_whose_author_the_network_would_not_name_is_left_to_the_poll(
    db: None, account: ConnectedAccount, waits: list[float]
) -> None:
    unnamed = post(1, "@cornerbakery hello?", "did:plc:nobody-knows", mentions=(SHOP,))
    script([unnamed])
    follow(account, INCOMING)
    read()

    assert not Message.objects.filter(account=account).exists()  # no DID as a name
    assert SyncState.objects.get(account=account, source=INCOMING).woken


def test_a_dropped_connection_backs_off_then_resumes_from_the_saved_cursor(
    db: None,
    account: ConnectedAccount,
    waits: list[float],
    clock: time_machine.Traveller,
    caplog: pytest.LogCaptureFixture,
) -> None:
    noting(account)
    script([post(1, "one")], [post(2, "two")], [post(3, "three")])
    dropped = NetworkError("the connection dropped", permanent=False)
    drops = [1, 2]

    def drop(index: int) -> None:
        if index in drops:
            drops.remove(index)
            if index == 2:
                clock.shift(firehose.STEADY)  # this connection lived a minute
            raise dropped

    stream.SCRIPT.before = drop
    stream.SCRIPT.failures = [None, dropped, dropped, None, None]
    read()

    # 1 s after the first drop, 2 and 4 while it cannot connect; 1 s again after a connection
    # that lived a minute
    assert waits == [1, 2, 4, 1]
    assert stream.SCRIPT.connected == ["", "1", "1", "1", "2"]
    assert len(noted()) == 3 and state().cursor == "3"
    assert "the connection dropped" in state().last_error
    assert caplog.text.count("(reconnecting): the connection dropped") == 1  # logged once


def test_a_stream_that_keeps_failing_waits_up_to_a_minute_and_keeps_its_lease(
    db: None,
    account: ConnectedAccount,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script([post(1, "at last")])
    refused = NetworkError("connection refused", permanent=False)
    stream.SCRIPT.failures = [refused] * 9
    taken: list[bool] = []
    original = firehose.pause

    def try_to_take(stop: threading.Event, seconds: float) -> bool:
        taken.append(claim("fake", "worker-b"))
        return original(stop, seconds)

    monkeypatch.setattr(firehose, "pause", try_to_take)
    read()

    assert max(waits) <= firehose.RENEW  # renewing the lease between waits
    assert sum(waits) == 1 + 2 + 4 + 8 + 16 + 32 + 64 + 64 + 64
    assert not any(taken)
    assert len(stream.SCRIPT.connected) == 10
    assert state().cursor == "1"
    assert caplog.text.count("(reconnecting): connection refused") == 1


def test_the_status_command_prints_the_figures(
    db: None, account: ConnectedAccount, waits: list[float]
) -> None:
    noting(account)
    script(
        [post(1, "one")],
        [post(2, "two")],
        gap="could not replay from 2026-11-17 09:00; the searches fill the gap",
        skipped={"malformed": 2},
    )
    read()
    assert claim("fake", "worker-a")
    FirehoseState.objects.update(
        connected_at=AT, rate=31.5, last_error="2026-11-18 09:00:00 UTC: connection refused"
    )

    result = CliRunner().invoke(main, ["stream", "--network", "fake", "--status"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "read by     worker-a, connected since 2026-11-18 09:00:00 UTC" in out
    assert "lag         1.0 s" in out
    assert "rate        31.5 events/s" in out
    assert "read        2 events, 2 posts, 2 kept" in out
    assert "skipped     malformed 4" in out
    assert "could not replay from 2026-11-17 09:00" in out
    assert "last error  2026-11-18 09:00:00 UTC: connection refused" in out


def test_the_health_page_shows_who_reads_the_stream(signed_in: Client, owner: User) -> None:
    User.objects.filter(pk=owner.pk).update(is_staff=True)
    page = signed_in.get(reverse("health")).content.decode()
    assert "stream-fake" not in page  # PORCH_FIREHOSE off and never read: nothing to say
    assert claim("fake", "worker-a")
    FirehoseState.objects.update(
        connected_at=timezone.now(), lag_seconds=0.4, rate=28.0, gap="", last_error=""
    )
    page = signed_in.get(reverse("health")).content.decode()
    assert 'data-testid="stream-fake"' in page
    assert "worker-a since" in page and "0.4 s" in page and "28.0" in page


def test_every_worker_stands_by_for_the_firehose_when_enabled(
    transactional_db: None, settings: Any
) -> None:
    assert firehose.start_firehoses in worker.CONSUMERS  # registered by porch/networks/apps.py
    settings.FIREHOSE = False
    assert firehose.start_firehoses() is None
    settings.FIREHOSE = True
    script([post(1, "one")])
    started = firehose.start_firehoses()
    assert started is not None
    fake_reader = [t for t in started.threads if t.name == "porch-firehose-fake"]
    fake_reader[0].join(timeout=30)  # the scripted stream ends by stopping them all
    started.stop()
    assert not any(thread.is_alive() for thread in started.threads)
    assert (state().cursor, state().leased_until) == ("1", None)
