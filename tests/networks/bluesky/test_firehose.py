"""The Bluesky stream (porch/networks/bluesky/firehose.py) over real WebSockets on loopback:
Jetstream's JSON from the loopback server (porch/bench/jetstream.py), and the firehose's
CBOR frames recorded from the local AT Protocol stack (recorded/firehose/, replayed here).

Nothing sleeps for an outcome: each read runs until what it waits for has come, or fails
after a generous timeout."""

import base64
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import libipld  # type: ignore[import-untyped, unused-ignore]
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from porch.bench import jetstream as js
from porch.networks.base import NetworkError, StreamBatch, StreamPost
from porch.networks.bluesky import firehose
from tests.conftest import free_port

T = js.START_US
SECOND = 1_000_000
SHOP, FAN = "did:plc:shop000000000000000000", "did:plc:fan0000000000000000000"
RECORDED = Path(__file__).parent / "recorded" / "firehose"
TIMEOUT = 20.0  # seconds: generous, for a busy machine


def read(
    url: str, cursor: str = "", *, until: Callable[[list[StreamBatch]], bool]
) -> list[StreamBatch]:
    """Batches from `url` until `until(batches)` holds (or TIMEOUT passes)."""
    batches: list[StreamBatch] = []
    deadline = time.monotonic() + TIMEOUT
    for batch in firehose.events(url, cursor, threading.Event()):
        batches.append(batch)
        if until(batches) or time.monotonic() > deadline:
            break
    return batches


def posts(batches: list[StreamBatch]) -> list[StreamPost]:
    return [post for batch in batches for post in batch.posts]


def events(batches: list[StreamBatch]) -> int:
    return sum(batch.events for batch in batches)


def skipped(batches: list[StreamBatch]) -> dict[str, int]:
    total: dict[str, int] = {}
    for batch in batches:
        for kind, count in batch.skipped.items():
            total[kind] = total.get(kind, 0) + count
    return total


def uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def numbered_posts(count: int, step_us: int) -> list[str]:
    return [
        js.post_event(FAN, js.tid(T + n * step_us), f"post {n}", T + n * step_us)
        for n in range(count)
    ]


# Jetstream


def test_posts_arrive_with_their_text_language_mentions_reply_and_quote() -> None:
    parent, quoted = uri(SHOP, js.tid(T - SECOND)), uri(SHOP, js.tid(T - 2 * SECOND))
    stream = [
        js.post_event(
            FAN, "3mention", "@shop.test your café is the best", T, langs=("fr", "en"),
            mentions=[("shop.test", SHOP)], created_at="2026-12-05T23:59:58.5Z",
        ),
        js.post_event(FAN, "3reply", "agreed", T + 1, reply_parent=parent, quote=quoted),
    ]  # fmt: skip
    with js.JetstreamServer(stream) as server:
        batches = read(server.url, until=lambda b: len(posts(b)) == 2)

    mention, reply = posts(batches)
    assert mention.item.external_id == uri(FAN, "3mention")
    assert mention.item.text == "@shop.test your café is the best"
    assert (mention.item.author_id, mention.item.author_handle, mention.item.kind) == (
        FAN,
        "",
        "mention",
    )
    assert mention.item.lang == "fr"
    assert mention.mentions == (SHOP,)
    assert mention.item.sent_at.isoformat() == "2026-12-05T23:59:58.500000+00:00"
    assert mention.item.url == f"https://bsky.app/profile/{FAN}/post/3mention"
    assert (mention.reply_to_author, mention.item.in_reply_to, mention.item.quote_of) == (
        "",
        "",
        "",
    )
    assert reply.reply_to_author == SHOP
    assert (reply.item.in_reply_to, reply.item.root_id, reply.item.quote_of) == (
        parent,
        parent,
        quoted,
    )
    assert batches[-1].cursor == str(T + 1)
    assert batches[-1].event_time is not None
    assert batches[-1].event_time.timestamp() * SECOND == pytest.approx(T + 1, abs=2)


def test_a_post_dated_after_the_stream_saw_it_or_undated_is_dated_when_seen() -> None:
    stream = [
        js.post_event(FAN, "3future", "from the future", T, created_at="2099-01-01T00:00:00Z"),
        js.post_event(FAN, "3garbled", "garbled date", T + 1, created_at="yesterday"),
    ]
    with js.JetstreamServer(stream) as server:
        future, garbled = posts(read(server.url, until=lambda b: len(posts(b)) == 2))
    assert future.item.sent_at.timestamp() == T / SECOND
    assert garbled.item.sent_at.timestamp() == (T + 1) / SECOND


def test_events_that_are_no_post_create_are_counted_and_move_the_cursor() -> None:
    post = uri(SHOP, "3post")
    stream = [
        js.like_event(FAN, "3like", T, post),
        js.commit_event(FAN, T + 1, "app.bsky.feed.post", "3post", None, operation="delete"),
        js.commit_event(FAN, T + 2, "app.bsky.feed.post", "3post", {"text": "edited"}, "update"),
        js.identity_event(FAN, "fan.test", T + 3),
        json.dumps({"did": FAN, "time_us": T + 4, "kind": "account", "account": {"active": True}}),
        json.dumps({"kind": "heartbeat", "payload": ""}),
    ]
    with js.JetstreamServer(stream) as server:
        batches = read(server.url, until=lambda b: events(b) == 6)
    assert posts(batches) == []
    assert skipped(batches) == {}
    assert batches[-1].cursor == str(T + 4)


def test_each_bad_event_is_skipped_counted_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = [
        js.garbage(),
        js.unknown_kind(FAN, T),
        js.not_a_post(FAN, "3notpost", T),
        js.commit_event(FAN, T, "app.bsky.feed.post", "3string", "a string, not a record"),
        js.big_post(FAN, "3big", T),
        js.post_event(FAN, "3long", "b" * 3_001, T),
        json.dumps(
            {
                "did": FAN,
                "time_us": T,
                "kind": "commit",
                "commit": {"operation": "create", "collection": js.POST},
            }
        ),
        json.dumps({"did": FAN, "kind": "commit"}),
    ]
    kept = js.post_event(FAN, "3kept", "c" * 3_000, T + 1)
    with caplog.at_level(logging.WARNING), js.JetstreamServer([*bad, *bad, kept]) as server:
        batches = read(server.url, until=lambda b: len(posts(b)) == 1)

    assert [post.item.external_id for post in posts(batches)] == [uri(FAN, "3kept")]
    expected = {
        "undecodable": 2,
        "unknown_kind": 2,
        "not_a_post": 4,
        "too_big": 4,
        "missing_fields": 4,
    }
    assert skipped(batches) == expected
    warnings = [r.getMessage() for r in caplog.records if r.name == firehose.__name__]
    assert sorted(warnings) == sorted(
        f"Bluesky stream {urlsplit(server.url).netloc}: skipped a bad event ({kind})"
        for kind in expected
    )
    assert all(record.exc_info is None for record in caplog.records)
    assert batches[-1].cursor == str(T + 1)


def test_a_dropped_connection_raises_and_resuming_from_the_cursor_loses_nothing() -> None:
    total = 2 * firehose.BATCH_EVENTS + 500
    stream = numbered_posts(total, step_us=SECOND // 10)
    all_texts = {f"post {n}" for n in range(total)}
    batches: list[StreamBatch] = []
    with js.JetstreamServer(stream, drop_after=total - 50) as server:
        with pytest.raises(NetworkError) as dropped:
            for batch in firehose.events(server.url, "", threading.Event()):
                batches.append(batch)
        cursor = batches[-1].cursor  # what the caller saved with the last batch it stored
        server.drop_after = None
        seen = {post.item.text for post in posts(batches)}
        resumed = read(
            server.url, cursor, until=lambda b: seen | {p.item.text for p in posts(b)} >= all_texts
        )

    assert not dropped.value.permanent
    assert len(seen) >= firehose.BATCH_EVENTS  # at least one whole batch came before the drop
    assert seen | {post.item.text for post in posts(resumed)} == all_texts
    assert resumed[0].gap == ""


def test_a_reconnection_asks_for_five_seconds_before_its_cursor() -> None:
    stream = numbered_posts(30, step_us=SECOND)
    with js.JetstreamServer(stream) as server:
        batches = read(server.url, str(T + 20 * SECOND), until=lambda b: len(posts(b)) > 0)
    assert posts(batches)[0].item.text == "post 15"
    assert batches[0].gap == ""


def test_a_cursor_older_than_the_stream_holds_is_a_gap() -> None:
    with js.JetstreamServer(numbered_posts(3, step_us=SECOND)) as server:
        old = read(server.url, str(T - 60 * SECOND), until=lambda b: len(posts(b)) == 3)
        held = read(server.url, str(T + SECOND), until=lambda b: len(posts(b)) > 0)
    assert (
        old[0].gap
        == "The Bluesky stream could not replay from 05 Dec 23:59 UTC; the searches fill the gap."
    )
    assert [post.item.text for post in posts(old)] == ["post 0", "post 1", "post 2"]
    assert [batch.gap for batch in held] == [""] * len(held)


def test_a_cursor_it_did_not_write_starts_at_the_live_end_with_a_gap() -> None:
    with js.JetstreamServer(numbered_posts(1, step_us=1)) as server:
        batches = read(server.url, "not-a-cursor", until=lambda b: len(posts(b)) == 1)
    assert batches[0].gap.startswith("The Bluesky stream could not replay from where it stopped")


def test_batches_hold_at_most_batch_events() -> None:
    total = 2 * firehose.BATCH_EVENTS + 250
    with js.JetstreamServer(numbered_posts(total, step_us=1)) as server:
        batches = read(server.url, until=lambda b: events(b) == total)
    assert max(batch.events for batch in batches) <= firehose.BATCH_EVENTS
    assert [post.item.text for post in posts(batches)] == [f"post {n}" for n in range(total)]


def test_an_idle_stream_still_yields_batches_with_its_cursor() -> None:
    with js.JetstreamServer(numbered_posts(1, step_us=1)) as server:
        batches = read(server.url, until=lambda b: len(b) >= 3)
    assert [batch.events for batch in batches] == [1, 0, 0]
    assert [batch.cursor for batch in batches] == [str(T)] * 3


def test_a_pushed_post_arrives_while_the_stream_is_connected() -> None:
    stop, batches = threading.Event(), list[StreamBatch]()
    deadline = time.monotonic() + TIMEOUT
    with js.JetstreamServer() as server:
        for batch in firehose.events(server.url, "", stop):
            if not batches:  # connected, nothing yet
                server.push(js.post_event(FAN, "3live", "live", T))
            batches.append(batch)
            if posts(batches) or time.monotonic() > deadline:
                stop.set()
    assert batches[0].events == 0
    assert [post.item.text for post in posts(batches)] == ["live"]


def test_the_server_runs_in_a_process_of_its_own() -> None:
    process, url = js.start_process(functools.partial(js.generated, 300))
    try:
        batches = read(url, until=lambda b: len(posts(b)) == 300)
    finally:
        process.kill()
        process.join()
    assert len({post.item.external_id for post in posts(batches)}) == 300
    assert batches[-1].cursor == str(T + 299 * 1_000)


def test_setting_stop_ends_the_stream() -> None:
    stop = threading.Event()
    with js.JetstreamServer(numbered_posts(1, step_us=1)) as server:
        stream = firehose.events(server.url, "", stop)
        next(stream)
        stop.set()
        assert list(stream) == []


def test_an_address_that_is_no_stream_or_does_not_answer_raises() -> None:
    with pytest.raises(NetworkError) as wrong:
        next(
            firehose.events(
                "wss://example.invalid/xrpc/app.bsky.feed.getTimeline", "", threading.Event()
            )
        )
    with pytest.raises(NetworkError) as closed:
        next(firehose.events(f"ws://127.0.0.1:{free_port()}/subscribe", "", threading.Event()))
    assert wrong.value.permanent
    assert not closed.value.permanent


def test_profiles_are_best_effort(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.BLUESKY_APPVIEW_URL = f"http://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING):
        assert firehose.profiles([FAN, SHOP]) == {}
        assert firehose.profiles([FAN]) == {}  # not asked again for a minute: no second wait
    assert len([r for r in caplog.records if r.name == firehose.__name__]) == 1


# The firehose: frames recorded from the local stack's PDS (seq 14 to 27): a shop's and a
# fan's accounts made, the shop's first post, the fan's mention of the shop and reply to
# its post, a like, a post and its deletion.


def recorded(name: str) -> bytes:
    return base64.b64decode((RECORDED / f"{name}.b64").read_text())


FRAMES = [
    recorded(name)
    for name in ("000", "001", "002", "003", "008", "009", "010", "011", "012", "013")
]
DIDS = json.loads((RECORDED / "dids.json").read_text())


def frame(header: dict[str, Any], body: dict[str, Any]) -> bytes:
    return bytes(libipld.encode_dag_cbor(header)) + bytes(libipld.encode_dag_cbor(body))


class FirehoseReplay:
    """The PDS's subscribeRepos, replaying recorded frames: `cursor` exclusive, a cursor past
    the last seq refused with FutureCursor, `before` sent first on every connection."""

    def __init__(self, frames: list[bytes], before: tuple[bytes, ...] = ()) -> None:
        self.frames = [(libipld.decode_dag_cbor_multi(f)[1]["seq"], f) for f in frames]
        self.before = before
        self.server = serve(self.handle, "127.0.0.1", 0, compression=None)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/xrpc/com.atproto.sync.subscribeRepos"

    def handle(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        if cursor is not None and cursor > self.frames[-1][0]:
            connection.send(recorded("error_futurecursor"))
            connection.close(1008, "FutureCursor")
            return
        for message in self.before:
            connection.send(message)
        for seq, message in self.frames:
            if cursor is None or seq > cursor:
                connection.send(message)
        try:
            while True:
                connection.recv()  # until the client leaves
        except ConnectionClosed:
            return


@pytest.fixture
def replay() -> Iterator[Callable[..., FirehoseReplay]]:
    started: list[FirehoseReplay] = []

    def start(frames: list[bytes] = FRAMES, before: tuple[bytes, ...] = ()) -> FirehoseReplay:
        started.append(FirehoseReplay(frames, before))
        return started[-1]

    yield start
    for server in started:
        server.server.shutdown()


def test_firehose_posts_are_read_from_the_commits_blocks(
    replay: Callable[..., FirehoseReplay],
) -> None:
    batches = read(replay().url, until=lambda b: events(b) == len(FRAMES))
    first, mention, reply, oops = posts(batches)

    shop_post = DIDS["post"]
    assert first.item.external_id == shop_post
    assert (first.item.author_id, first.item.text) == (
        DIDS["shop"],
        "Hello from the shop! #smallbiz",
    )
    assert (mention.item.author_id, mention.mentions) == (DIDS["fan"], (DIDS["shop"],))
    assert mention.item.text == "@acme4e2380.test love your croissants, café au lait"
    assert mention.item.lang == "en"
    assert mention.item.sent_at.isoformat() == "2026-12-06T07:44:49.491425+00:00"
    assert (reply.reply_to_author, reply.item.in_reply_to, reply.item.root_id) == (
        DIDS["shop"],
        shop_post,
        shop_post,
    )
    assert oops.item.text == "oops"  # deleted by the last frame: that is no post
    assert skipped(batches) == {}
    assert batches[-1].cursor == "27"
    assert batches[-1].event_time is not None


def test_firehose_cursor_is_exclusive_and_a_future_one_restarts_at_the_live_end_with_a_gap(
    replay: Callable[..., FirehoseReplay],
) -> None:
    server = replay()
    resumed = read(server.url, "23", until=lambda b: events(b) == 4)
    future = read(server.url, "999", until=lambda b: events(b) == len(FRAMES))

    assert [post.item.text for post in posts(resumed)] == ["great shop", "oops"]
    assert resumed[0].gap == ""
    assert (
        future[0].gap
        == "The Bluesky stream could not replay from where it stopped; the searches fill the gap."
    )
    assert len(posts(future)) == 4


def test_firehose_outdated_cursor_is_a_gap(replay: Callable[..., FirehoseReplay]) -> None:
    info = frame(
        {"op": 1, "t": "#info"}, {"name": "OutdatedCursor", "message": "Possibly missing events"}
    )
    batches = read(replay(before=(info,)).url, "1", until=lambda b: events(b) == len(FRAMES) + 1)
    assert batches[0].gap.startswith("The Bluesky stream could not replay")
    assert batches[-1].cursor == "27"


def test_firehose_consumer_too_slow_raises(replay: Callable[..., FirehoseReplay]) -> None:
    too_slow = frame(
        {"op": -1}, {"error": "ConsumerTooSlow", "message": "Stream consumer too slow"}
    )
    with pytest.raises(NetworkError) as raised:
        read(replay(before=(too_slow,)).url, until=lambda b: False)
    assert raised.value.detail == "ConsumerTooSlow"
    assert not raised.value.permanent


def test_firehose_bad_frames_are_skipped(replay: Callable[..., FirehoseReplay]) -> None:
    unknown = frame({"op": 1, "t": "#mystery"}, {"seq": 13, "time": "2026-12-06T07:44:46.469Z"})
    garbage = b"\xa1\xff not cbor"
    batches = read(
        replay(before=(garbage, unknown)).url, until=lambda b: events(b) == len(FRAMES) + 2
    )
    assert skipped(batches) == {"undecodable": 1, "unknown_kind": 1}
    assert len(posts(batches)) == 4


def test_a_post_whose_fields_no_column_would_hold_is_skipped_or_trimmed() -> None:
    """Anyone can write any record: a language tag, a link or a character the database
    refuses must cost one post, never the stream (its batch would fail for ever)."""
    from datetime import UTC, datetime

    at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    did = "did:plc:maya"
    base = {
        "$type": "app.bsky.feed.post",
        "text": "bread\x00 please",
        "createdAt": "2026-12-06T08:59:00Z",
    }
    kept = firehose.stream_post(did, "3k", base | {"langs": ["en-US-x-abcdefghijklmnop"]}, at)
    assert (kept.item.lang, kept.item.text) == ("en", "bread please")
    long_uri = "at://did:plc:x/app.bsky.feed.post/" + "a" * 300
    for record in (
        base | {"reply": {"parent": {"uri": long_uri}, "root": {"uri": long_uri}}},
        base | {"embed": {"$type": "app.bsky.embed.record", "record": {"uri": long_uri}}},
    ):
        with pytest.raises(firehose.BadEvent, match="too_big"):
            firehose.stream_post(did, "3k", record, at)
    with pytest.raises(firehose.BadEvent, match="too_big"):
        firehose.stream_post(did, "k" * 300, base, at)


def test_an_event_time_past_any_calendar_is_a_bad_event_not_a_crash() -> None:
    late = js.post_event("did:plc:maya", "3k", "hi", 10**20, created_at="2026-12-06T09:00:00Z")
    with js.JetstreamServer([late]) as server:
        batch = next(firehose.events(server.url, "", threading.Event()))
    assert batch.posts == [] and batch.skipped == {"missing_fields": 1}
