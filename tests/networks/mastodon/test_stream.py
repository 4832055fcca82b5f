"""Mastodon's notification stream wakes Porch: a mention reaches the inbox in seconds, not
at the next poll; a dropped stream reconnects, a revoked token asks the owner to reconnect,
and stopping is prompt. The stream is mastodon-mock's own (Server-Sent Events over real
HTTP) for the whole path, and sse_server.py for drops, refusals and idle streams."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpcore
import pytest
from django.utils import timezone
from mastodon import Mastodon

from porch.core.fetch import Network
from porch.inbox.models import Message
from porch.networks.base import NetworkError
from porch.networks.mastodon.errors import RECONNECT
from porch.networks.mastodon.stream import NotificationStream, sse_events
from porch.networks.models import SyncState
from porch.networks.poller import sync_account
from porch.networks.streams import Streams
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace

from .conftest import DOMAIN, Mock
from .sse_server import FAVOURITE, MENTION, Script, event, serving

FAST = (0.05, 0.1, 0.2)
UNEXPECTED: list[object] = []  # calls no test expects; checked after each test


@pytest.fixture(autouse=True)
def nothing_unexpected() -> Iterator[None]:
    UNEXPECTED.clear()
    yield
    assert UNEXPECTED == []


def unexpected(*args: object) -> None:
    UNEXPECTED.append(args)


def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def bakery(workspace: Workspace, server_url: str, token: str = "bakery") -> ConnectedAccount:  # noqa: S107
    account = ConnectedAccount(
        workspace=workspace,
        network="mastodon",
        handle=f"cornerbakery@{DOMAIN}",
        server_url=server_url,
    )
    account.set_credentials({"access_token": token})
    account.save()
    return account


@pytest.fixture
def streams() -> Iterator[Streams]:
    running = Streams(refresh=0.1)
    yield running
    running.stop()
    running.join(timeout=5)
    assert not running.is_alive()


def listening(streams: Streams, account: ConnectedAccount) -> NotificationStream:
    assert wait_for(lambda: account.pk in streams.listening)
    stream = streams.listening[account.pk][1]
    assert isinstance(stream, NotificationStream)
    assert stream.connected.wait(5)
    return stream


@pytest.mark.django_db(transaction=True)
def test_a_mention_reaches_the_inbox_in_seconds_without_waiting_for_the_poll(
    mock: Mock, pat: Mastodon, workspace: Workspace, streams: Streams
) -> None:
    account = bakery(workspace, mock.base_url)
    sync_account(account)  # connected: the cursor starts here
    an_hour = timezone.now() + timedelta(hours=1)
    SyncState.objects.filter(account=account).update(next_sync_at=an_hour, interval=3600)
    streams.start()
    listening(streams, account)

    posted = time.monotonic()
    pat.status_post("@cornerbakery the cake for Saturday is squashed, please call me")
    arrived = wait_for(lambda: Message.objects.filter(account=account).exists())
    assert arrived and time.monotonic() - posted < 5  # the poll was an hour away
    [message] = Message.objects.filter(account=account)
    assert "cake for Saturday is squashed" in message.text
    pat.status_post("@cornerbakery and the candles are missing")
    assert wait_for(lambda: Message.objects.filter(account=account).count() == 2)
    assert Message.objects.filter(account=account).count() == 2  # each stored once
    assert wait_for(lambda: SyncState.objects.filter(account=account, woken=False).exists())
    assert SyncState.objects.get(account=account).next_sync_at > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_disconnected_account_stops_being_listened_to(
    mock: Mock, workspace: Workspace, streams: Streams
) -> None:
    account = bakery(workspace, mock.base_url)
    streams.start()
    stream = listening(streams, account)
    account.delete()
    assert wait_for(lambda: streams.listening == {})
    stream.join(timeout=5)
    assert not stream.is_alive()


def test_server_sent_events_are_read_as_the_streaming_api_writes_them() -> None:
    lines = [":)", "event: update", 'data: {"id": 1}', "", ":thump", "event: notification"]
    lines += ['data: {"type":', 'data: "mention"}', "", "event: delete", "data: 109", ""]
    assert list(sse_events(lines)) == [
        ("update", '{"id": 1}'),
        ("notification", '{"type":\n"mention"}'),
        ("delete", "109"),
    ]


def test_a_dropped_stream_reconnects_and_only_mentions_wake() -> None:
    mentions: list[int] = []
    drops = Script(events=[event("notification", MENTION), event("notification", FAVOURITE)])
    with serving(drops, Script(events=[event("notification", MENTION)], hold=True)) as sse:
        stream = NotificationStream(
            sse.base_url, "bakery", lambda: mentions.append(1), unexpected, backoff=FAST
        )
        stream.start()
        assert wait_for(lambda: len(mentions) == 2)
        assert stream.connections == 2 and stream.connected.is_set()
        assert sse.paths.count("/api/v1/streaming/user/notification") == 2
        started = time.monotonic()
        stream.stop()
        stream.join(timeout=5)
        assert not stream.is_alive() and time.monotonic() - started < 1  # no wait for data


def test_a_server_that_keeps_failing_is_retried_with_growing_waits() -> None:
    backoff = (0.1, 0.3, 0.6)
    with serving(Script(status=502)) as sse:
        stream = NotificationStream(sse.base_url, "t", lambda: None, unexpected, backoff=backoff)
        stream.start()
        assert wait_for(lambda: len(sse.connected_at) >= 4, seconds=15)
        stream.stop()
        stream.join(timeout=5)
    first, second, third, fourth = sse.connected_at[:4]
    assert second - first >= 0.3 and third - second >= 0.6  # backing off, not hammering
    assert fourth - third >= 0.6  # then stays at the longest wait


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_asks_the_owner_to_reconnect_and_stops_listening(
    workspace: Workspace, streams: Streams
) -> None:
    with serving(Script(status=401)) as sse:
        account = bakery(workspace, sse.base_url, token="revoked")
        streams.start()
        assert wait_for(lambda: Notice.objects.filter(account=account, key="reconnect").exists())
        account.refresh_from_db()
        assert account.status == AccountStatus.NEEDS_RECONNECT
        assert Notice.objects.get(account=account, key="reconnect").text == RECONNECT
        assert wait_for(lambda: streams.listening == {})
        assert sse.paths.count("/api/v1/streaming/user/notification") == 1  # no retry loop


def test_an_instance_without_streaming_is_left_to_polling() -> None:
    revoked: list[NetworkError] = []
    with serving(Script(status=404)) as sse:
        stream = NotificationStream(sse.base_url, "t", unexpected, revoked.append, backoff=FAST)
        stream.start()
        stream.join(timeout=5)
    assert not stream.is_alive() and revoked == []


@pytest.mark.django_db(transaction=True)
def test_a_mention_during_a_sync_is_fetched_right_after_it(workspace: Workspace) -> None:
    from porch.networks.poller import claim_due, wake

    account = bakery(workspace, "http://127.0.0.1:9")
    SyncState.objects.create(account=account, next_sync_at=timezone.now())
    [held] = claim_due()  # a worker is syncing it
    assert wake(account.pk) is None  # not a second sync at once
    assert SyncState.objects.get(account=account).woken
    SyncState.objects.filter(pk=held.pk).update(leased_until=None)  # that sync finished
    assert [state.account_id for state in claim_due()] == [account.pk]  # due at once
    assert not SyncState.objects.get(account=account).woken


def test_stop_is_safe_before_start_and_twice() -> None:
    stream = NotificationStream("http://127.0.0.1:9", "t", unexpected, unexpected)
    stream.stop()
    stream.stop()
    stream.start()
    stream.join(timeout=5)
    assert not stream.is_alive() and threading.active_count() >= 1


class PublicInstance(Network):
    """ "social.example" resolves to a public address; connecting there reaches `port` on
    loopback (the instance's server). Any other name or address is this machine's own."""

    PUBLIC = "93.184.215.14"

    def __init__(self, port: int) -> None:
        self.port = port

    def resolve(self, host: str, port: int) -> list[str]:
        return [self.PUBLIC] if host == "social.example" else super().resolve(host, port)

    def connect(
        self, address: str, port: int, timeout: float | None, options: Any
    ) -> httpcore.NetworkStream:
        if address == self.PUBLIC:
            address, port = "127.0.0.1", self.port
        return super().connect(address, port, timeout, options)


def test_a_streaming_address_on_a_private_network_is_refused(settings: Any) -> None:
    """A public instance may name any streaming address: one on loopback is not dialled."""
    settings.FETCH_ALLOW_PRIVATE = False
    mention = Script(events=[event("notification", MENTION)])
    with serving(mention) as private, serving(Script()) as instance:
        instance.streaming = private.base_url.replace("http://", "ws://")
        network = PublicInstance(int(instance.base_url.rsplit(":", 1)[1]))
        stream = NotificationStream(
            "http://social.example", "t", unexpected, unexpected, network=network
        )
        stream.start()
        stream.join(timeout=5)
    assert not stream.is_alive() and stream.connections == 0
    assert instance.paths == ["/api/v2/instance"] and private.paths == []


def test_an_instance_on_a_private_network_is_not_streamed_from(settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE = False
    with serving(Script(events=[event("notification", MENTION)], hold=True)) as sse:
        stream = NotificationStream(sse.base_url, "t", unexpected, unexpected, backoff=FAST)
        stream.start()
        stream.join(timeout=5)
        assert not stream.is_alive() and stream.connections == 0 and sse.paths == []
