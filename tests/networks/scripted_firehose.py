"""A firehose for tests (a NetworkDescriptor.firehose module): a scripted stream of
StreamBatches that resumes from a cursor like a real one (batch i has cursor str(i + 1)),
fails connections on demand, and ends by setting `stop` once it has nothing more to give."""

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from porch.networks.base import Incoming, NetworkError, StreamBatch, StreamPost

URL = "SCRIPTED_FIREHOSE_URL"


@dataclass
class Script:
    batches: list[StreamBatch] = field(default_factory=list)
    failures: list[NetworkError | None] = field(default_factory=list)  # the next connections'
    connected: list[str] = field(default_factory=list)  # the cursor each connection began at
    urls: list[str] = field(default_factory=list)
    asked: list[list[str]] = field(default_factory=list)  # the ids profiles() was asked for
    # Called with each batch's index before it is given (a test's hook into the reading).
    before: Callable[[int], None] = lambda index: None


SCRIPT = Script()


def reset() -> Script:
    global SCRIPT
    SCRIPT = Script()
    return SCRIPT


def events(url: str, cursor: str, stop: threading.Event) -> Iterator[StreamBatch]:
    SCRIPT.urls.append(url)
    SCRIPT.connected.append(cursor)
    fault = SCRIPT.failures.pop(0) if SCRIPT.failures else None
    if fault is not None:
        raise fault
    for index in range(int(cursor or 0), len(SCRIPT.batches)):
        SCRIPT.before(index)
        yield SCRIPT.batches[index]
    stop.set()


def profiles(ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    SCRIPT.asked.append(list(ids))
    named = [i for i in ids if "nobody-knows" not in i]  # the network knows all but these
    return {i: (f"{i.rpartition(':')[2]}.example", f"Someone {i}") for i in named}


def post(
    number: int,
    text: str,
    author: str = "did:plc:someone",
    mentions: tuple[str, ...] = (),
    reply_to_author: str = "",
    at: datetime = datetime(2026, 11, 18, 8, 59, 59, tzinfo=UTC),
) -> StreamPost:
    item = Incoming(
        external_id=f"at://{author}/app.bsky.feed.post/{number}",
        kind="mention",
        author_handle="",
        author_name="",
        text=text,
        sent_at=at,
        author_id=author,
    )
    return StreamPost(item, mentions, reply_to_author)


def script(*batches: list[StreamPost], **extra: object) -> Script:
    """A fresh script of these batches (each `extra` field on every batch)."""
    fresh = reset()
    for index, posts in enumerate(batches):
        newest = max((p.item.sent_at for p in posts), default=None)
        fresh.batches.append(
            StreamBatch(posts, str(index + 1), newest, len(posts), **extra)  # type: ignore[arg-type]
        )
    return fresh
