"""A Jetstream v1 server on loopback, for the stream's tests and benchmark: real WebSockets,
one JSON event per text message at /subscribe, as bluesky-social/jetstream documents them.

    JetstreamServer(events, rate, drop_after)  serves in a thread: `with ... as server:`
                                               server.url, server.push(event), .connections
    start_process(events, rate)                the same in another process: (process, url)
    post_event(did, rkey, text, time_us, ...)  a post create in Jetstream's shape
    like_event, identity_event                 events that are no post
    garbage, unknown_kind, not_a_post, big_post   the faults a consumer must survive
    tid(time_us)                               a record key (TID) for a moment

`events` is the recording, oldest first: a list of JSON strings, or a function returning a
fresh iterable of them for each connection (for streams too big to hold). Each connection
gets the recording from `?cursor=` on (the first event whose time_us is at least the cursor;
an older cursor starts at the oldest event, as the real server does, without an error; no
cursor starts at the beginning), then whatever `push` adds, and is held open until the
client leaves. `rate` paces it (events a second; None: as fast as the client reads);
`drop_after` cuts each connection, without a close frame, after that many events.

Run on its own: `python -m porch.bench.jetstream --posts 100000 --port 8765 [--rate 360]`.
"""

import argparse
import functools
import hashlib
import json
import multiprocessing
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import libipld  # type: ignore[import-untyped, unused-ignore]
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.server import Server, ServerConnection, serve

POST = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
START_US = 1_796_515_200_000_000  # 2026-12-06T00:00:00Z, where generated streams begin
Events = Sequence[str] | Callable[[], Iterable[str]]
_TIME_US = re.compile(r'"time_us":(\d+)')


class JetstreamServer:
    def __init__(
        self, events: Events = (), *, rate: float | None = None, drop_after: int | None = None
    ) -> None:
        self.events = events
        self.rate = rate
        self.drop_after = drop_after
        self.connections = 0  # opened so far
        self.url = ""  # ws://127.0.0.1:PORT/subscribe, once listening
        self._pushed: list[str] = []
        self._changed = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def listen(self, port: int = 0) -> Server:
        self._server = serve(self._handle, "127.0.0.1", port, compression=None, max_size=2**20)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/subscribe"
        return self._server

    def start(self, port: int = 0) -> Self:
        """Serve in a thread of this process, on `port` (0: any free one; see .url)."""
        self.listen(port)
        assert self._server is not None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self._changed:
                self._changed.notify_all()
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def push(self, *events: str) -> None:
        """Send `events` to every connection, after the recording (a live post)."""
        with self._changed:
            self._pushed.extend(events)
            self._changed.notify_all()

    def _recording(self) -> Iterable[str]:
        return self.events() if callable(self.events) else self.events

    def _handle(self, connection: ServerConnection) -> None:
        request = connection.request
        parts = urlsplit(request.path if request else "")
        if parts.path != "/subscribe":
            connection.close(1008, "not found")
            return
        self.connections += 1
        cursor = parse_qs(parts.query).get("cursor", [""])[0]
        sender = _Sender(connection, self.rate, self.drop_after, int(cursor) if cursor else None)
        try:
            for event in self._recording():
                sender.send(event)
            self._tail(connection, sender)
        except (ConnectionClosed, _Dropped, OSError):
            return

    def _tail(self, connection: ServerConnection, sender: "_Sender") -> None:
        """Pushed events, as they come, until the client leaves or the server stops."""
        sent = 0
        while connection.state is State.OPEN:
            with self._changed:
                if len(self._pushed) <= sent:
                    self._changed.wait(timeout=0.5)
                pending = self._pushed[sent:]
            sent += len(pending)
            for event in pending:
                sender.send(event)


class _Dropped(Exception):
    pass


class _Sender:
    """One connection's sending: from the cursor on, at the rate, until the drop."""

    def __init__(
        self, connection: ServerConnection, rate: float | None, drop: int | None, cursor: int | None
    ) -> None:
        self.connection = connection
        self.interval = 1 / rate if rate else 0.0
        self.drop = drop
        self.cursor = cursor
        self.sent = 0
        self.next_at = time.monotonic()

    def send(self, event: str) -> None:
        if self.cursor is not None:
            found = _TIME_US.search(event)
            if found is None or int(found[1]) < self.cursor:
                return
            self.cursor = None  # past the cursor: everything from here on
        if self.drop is not None and self.sent >= self.drop:
            self.connection.socket.shutdown(socket.SHUT_RDWR)
            raise _Dropped()
        if self.interval:
            self.next_at += self.interval
            time.sleep(max(self.next_at - time.monotonic(), 0.0))
        self.connection.send(event)
        self.sent += 1


# Events, in Jetstream v1's documented shape (compact JSON, as its Go server writes it).


def post_event(
    did: str,
    rkey: str,
    text: str,
    time_us: int,
    *,
    langs: Sequence[str] = ("en",),
    mentions: Sequence[tuple[str, str]] = (),
    reply_parent: str = "",
    reply_root: str = "",
    quote: str = "",
    created_at: str = "",
) -> str:
    """A post create. `mentions`: (handle, DID) pairs, each "@handle" found in `text` and
    made a mention facet over its UTF-8 bytes; `reply_root` defaults to `reply_parent`;
    `quote`: the URI of a post it embeds."""
    record: dict[str, Any] = {
        "$type": POST,
        "createdAt": created_at or iso(time_us),
        "langs": list(langs),
        "text": text,
    }
    if mentions:
        record["facets"] = [_mention(text, handle, mentioned) for handle, mentioned in mentions]
    if reply_parent:
        record["reply"] = {
            "parent": _ref(reply_parent),
            "root": _ref(reply_root or reply_parent),
        }
    if quote:
        record["embed"] = {"$type": "app.bsky.embed.record", "record": _ref(quote)}
    return commit_event(did, time_us, POST, rkey, record)


def commit_event(
    did: str, time_us: int, collection: str, rkey: str, record: Any, operation: str = "create"
) -> str:
    commit: dict[str, Any] = {
        "rev": tid(time_us),
        "operation": operation,
        "collection": collection,
        "rkey": rkey,
    }
    if operation != "delete":
        commit["record"] = record
        commit["cid"] = cid(f"{did}/{collection}/{rkey}/{time_us}".encode())  # unique enough
    event = {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def like_event(did: str, rkey: str, time_us: int, subject: str) -> str:
    record = {"$type": "app.bsky.feed.like", "createdAt": iso(time_us), "subject": _ref(subject)}
    return commit_event(did, time_us, "app.bsky.feed.like", rkey, record)


def identity_event(did: str, handle: str, time_us: int, seq: int = 1) -> str:
    identity = {"did": did, "handle": handle, "seq": seq, "time": iso(time_us)}
    event = {"did": did, "time_us": time_us, "kind": "identity", "identity": identity}
    return json.dumps(event, separators=(",", ":"))


def garbage() -> str:
    return '{"did":"did:plc:garbage","time_us":'


def unknown_kind(did: str, time_us: int) -> str:
    return json.dumps({"did": did, "time_us": time_us, "kind": "mystery", "mystery": {}})


def not_a_post(did: str, rkey: str, time_us: int) -> str:
    """A create in the post collection whose record is something else (a like)."""
    record = {"$type": "app.bsky.feed.like", "createdAt": iso(time_us), "subject": {}}
    return commit_event(did, time_us, POST, rkey, record)


def big_post(did: str, rkey: str, time_us: int, size: int = 1_000_000) -> str:
    return post_event(did, rkey, "a" * size, time_us)


def _mention(text: str, handle: str, did: str) -> dict[str, Any]:
    encoded, tag = text.encode(), f"@{handle}".encode()
    start = encoded.find(tag)
    if start < 0:
        raise ValueError(f"@{handle} is not in the text")
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": start + len(tag)},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
    }


def _ref(uri: str) -> dict[str, str]:
    return {"uri": uri, "cid": cid(uri.encode())}


def cid(data: bytes) -> str:
    """A DAG-CBOR CIDv1 (sha-256) string, as records are named."""
    return str(libipld.encode_cid(b"\x01\x71\x12\x20" + hashlib.sha256(data).digest()))


def tid(time_us: int, clock: int = 0) -> str:
    """The record key (TID) of a record made at `time_us`: 13 characters of base32-sort."""
    value = (time_us << 10) | (clock & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * shift)) & 31] for shift in range(12, -1, -1))


def iso(time_us: int) -> str:
    at = datetime.fromtimestamp(time_us // 1_000_000, UTC).replace(microsecond=time_us % 1_000_000)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A generated stream, and the server in a process of its own.


def generated(
    count: int, texts: Sequence[str] = ("hello from the stream",), start_us: int = START_US
) -> Iterable[str]:
    """`count` post creates by 1,000 made-up authors, a millisecond apart, `texts` in turn."""
    for n in range(count):
        time_us = start_us + n * 1_000
        did = f"did:plc:bench{n % 1000:019d}"
        yield post_event(did, tid(time_us, n), texts[n % len(texts)], time_us)


def start_process(
    events: Callable[[], Iterable[str]], rate: float | None = None, port: int = 0
) -> tuple[BaseProcess, str]:
    """The server in another process (spawned: `events` must be picklable, such as a
    functools.partial of a module-level function); its URL once it listens."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(sending, events, rate, port), daemon=True)
    process.start()
    if not receiving.poll(60):
        process.kill()
        raise RuntimeError("the Jetstream server did not start")
    url: str = receiving.recv()
    return process, url


def _serve(
    started: Connection | None, events: Callable[[], Iterable[str]], rate: float | None, port: int
) -> None:
    server = JetstreamServer(events, rate=rate)
    listening = server.listen(port)
    if started is not None:
        started.send(server.url)
    print(server.url, flush=True)
    listening.serve_forever()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m porch.bench.jetstream", description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate", type=float, default=None, help="events a second")
    args = parser.parse_args(argv)
    _serve(None, functools.partial(generated, args.posts), args.rate, args.port)


if __name__ == "__main__":
    main()
