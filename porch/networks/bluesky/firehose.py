"""Every public Bluesky post, live: Jetstream v1 (JSON) or a relay's or PDS's firehose
(`com.atproto.sync.subscribeRepos`: CBOR frames carrying CAR blocks), as StreamBatches.

    events(url, cursor, stop)    one connection; yields StreamBatch (1,000 events or 100 ms,
                                 and at least one a second); NetworkError when it fails
    profiles(dids)               {did: (handle, display name)} from the AppView, cached

The address decides the wire: a path ending in `/subscribe` is Jetstream v1, one naming
`com.atproto.sync.subscribeRepos` the firehose.

    Jetstream   cursor = the event's `time_us` (unix microseconds); a reconnect asks for
                5 s before it (the stores are idempotent: repeats are harmless, gaps are
                not). Jetstream starts at the oldest event it holds when asked for an older
                one, saying nothing: a first event more than 10 s after the cursor is a gap.
    firehose    cursor = `seq`, exclusive. `#info OutdatedCursor` is a gap; a `FutureCursor`
                error reconnects at the live end (a gap); `ConsumerTooSlow` and any other
                error frame raise NetworkError (the caller reconnects from its cursor).

Only post creates become posts; every other event (likes, follows, deletes, updates,
identity, account and sync events) is counted and moves the cursor. A bad event (not JSON
or CBOR, an unknown kind, a post record that is not a post, a post far over the length
limit, missing fields) is skipped, counted by kind in `StreamBatch.skipped` and logged once
per kind per connection.
"""

import functools
import json
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import libipld  # type: ignore[import-untyped, unused-ignore]
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from porch.networks.base import ErrorCode, Incoming, NetworkError, StreamBatch, StreamPost
from porch.networks.bluesky.cursor import parse_time
from porch.networks.bluesky.posts import POST_COLLECTION, post_url_of

log = logging.getLogger(__name__)

URL = "BLUESKY_FIREHOSE_URL"  # the setting naming the stream's address
FIREHOSE_PATH = "com.atproto.sync.subscribeRepos"
BATCH_EVENTS = 1000  # a catch-up stores this many at once (200: 3,100 posts/s; 1,000: 3,900)
LATEST_US = 253_402_300_799_000_000  # 9999-12-31T23:59:59Z: a time_us past it is no time
ID_LONGEST = 255  # the longest post id, author id or link Porch stores (its columns')
LANG_LONGEST = 16
BATCH_SECONDS = 0.1  # after a batch's first event
IDLE_SECONDS = 1.0  # an empty batch (the cursor, the lag) at least this often
REPLAY_US = 5_000_000  # Jetstream: reconnect this far before the cursor
GAP_US = 10_000_000  # Jetstream: a first event this far after the cursor is a gap
MAX_FRAME = 1_000_000  # bytes: a bigger event is skipped ("too_big")
MAX_TEXT = 3_000  # characters: Bluesky allows 300 graphemes; far longer is not a real post
RECEIVE_LIMIT = {"jetstream": 2 * 1024 * 1024, "firehose": 5 * 1024 * 1024}  # the socket's
OPEN_TIMEOUT = 10.0
MENTION = "app.bsky.richtext.facet#mention"
QUOTES = {"app.bsky.embed.record", "app.bsky.embed.recordWithMedia"}
# Firehose events that are no post but carry a seq (`#info` carries none).
FIREHOSE_OTHER = {"#identity", "#account", "#sync", "#handle", "#migrate", "#tombstone"}
JETSTREAM_OTHER = {"identity", "account"}


class BadEvent(Exception):
    """An event that cannot be read; `kind` names what is wrong with it."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _FutureCursor(Exception):
    """The firehose is behind the saved cursor: start again at its live end."""


@dataclass
class _Reader:
    """What one connection has read since the last batch, and where it stands."""

    cursor: str  # the last event read ("" = none yet, the live end)
    asked: str  # the cursor the connection was opened with
    posts: list[StreamPost] = field(default_factory=list)
    events: int = 0
    event_time: datetime | None = None
    gap: str = ""
    skipped: Counter[str] = field(default_factory=Counter)
    logged: set[str] = field(default_factory=set)
    first: bool = True  # no event read yet on this connection

    def skip(self, kind: str, url: str) -> None:
        self.skipped[kind] += 1
        if kind not in self.logged:
            self.logged.add(kind)
            log.warning("Bluesky stream %s: skipped a bad event (%s)", _host(url), kind)

    def batch(self) -> StreamBatch:
        batch = StreamBatch(
            self.posts, self.cursor, self.event_time, self.events, self.gap, dict(self.skipped)
        )
        self.posts, self.events, self.gap = [], 0, ""
        self.skipped = Counter()
        return batch


def events(url: str, cursor: str, stop: threading.Event) -> Iterator[StreamBatch]:
    """The stream at `url` from just after `cursor` ("" = its live end), in batches, until
    `stop` is set. Raises NetworkError when the connection fails or closes."""
    wire = _wire(url)
    if cursor and not cursor.isdigit():  # not a cursor this module wrote
        log.warning("Bluesky stream %s: cannot resume from %r", _host(url), cursor)
        yield from _connection(url, wire, "", stop, gap=_gap_words(wire, cursor))
        return
    try:
        yield from _connection(url, wire, cursor, stop, gap="")
    except _FutureCursor:
        if not cursor:
            text = "The Bluesky stream refused to start at its live end (FutureCursor)."
            raise NetworkError(text, permanent=False, code=ErrorCode.SERVER_ERROR) from None
        log.warning("Bluesky stream %s: cursor %s is in its future", _host(url), cursor)
        yield from _connection(url, wire, "", stop, gap=_gap_words(wire, cursor))


def _connection(
    url: str, wire: str, cursor: str, stop: threading.Event, gap: str
) -> Iterator[StreamBatch]:
    reader = _Reader(cursor=cursor, asked=cursor, gap=gap)
    decode = _jetstream if wire == "jetstream" else _firehose
    with _open(_address(url, wire, cursor), wire) as socket:
        while not stop.is_set():
            _fill(socket, reader, decode, url)
            yield reader.batch()


def _fill(socket: ClientConnection, reader: _Reader, decode: Any, url: str) -> None:
    """Read events into `reader` until a batch is due: BATCH_EVENTS events, 100 ms after the first
    of them, or a second without any."""
    started = time.monotonic()
    due = started + IDLE_SECONDS
    while reader.events < BATCH_EVENTS:
        message = _receive(socket, due - time.monotonic(), url)
        if message is None:
            return
        if reader.events == 0:
            due = min(due, time.monotonic() + BATCH_SECONDS)
        reader.events += 1
        if len(message) > MAX_FRAME:
            reader.skip("too_big", url)
            continue
        try:
            decode(message, reader)
        except BadEvent as bad:
            reader.skip(bad.kind, url)


def _receive(socket: ClientConnection, timeout: float, url: str) -> str | bytes | None:
    """The next message, or None when none came within `timeout` seconds."""
    try:
        return socket.recv(timeout=max(timeout, 0.0))
    except TimeoutError:
        return None
    except ConnectionClosed as closed:
        text = f"The Bluesky stream at {_host(url)} closed the connection ({closed})."
        raise NetworkError(text, permanent=False, code=ErrorCode.UNREACHABLE) from closed


def _open(address: str, wire: str) -> ClientConnection:
    try:
        return connect(
            address,
            open_timeout=OPEN_TIMEOUT,
            close_timeout=1,
            max_size=RECEIVE_LIMIT[wire],
            compression=None,
            user_agent_header="Porch",
        )
    except InvalidURI as exc:
        text = f"The Bluesky stream's address is not a WebSocket address: {_host(address)}"
        raise NetworkError(text, permanent=True, code=ErrorCode.INVALID) from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        text = f"Porch could not connect to the Bluesky stream at {_host(address)} ({exc})."
        raise NetworkError(text, permanent=False, code=ErrorCode.UNREACHABLE) from exc


def _wire(url: str) -> str:
    path = urlsplit(url).path
    if path.rstrip("/").endswith("/subscribe"):
        return "jetstream"
    if FIREHOSE_PATH in path:
        return "firehose"
    text = (
        f"Porch cannot read a Bluesky stream at {_host(url)}: its address is neither Jetstream's "
        f"(…/subscribe) nor a firehose's (…/{FIREHOSE_PATH})."
    )
    raise NetworkError(text, permanent=True, code=ErrorCode.INVALID)


def _address(url: str, wire: str, cursor: str) -> str:
    """`url` asking for the events after `cursor` (Jetstream: from a little before it)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    if cursor:
        since = int(cursor) - REPLAY_US if wire == "jetstream" else int(cursor)
        query.append(("cursor", str(max(since, 0))))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _gap_words(wire: str, cursor: str) -> str:
    """What the owner reads when the stream could not replay from a saved cursor."""
    since = "where it stopped"
    if wire == "jetstream" and cursor.isdigit():
        since = f"{datetime.fromtimestamp(int(cursor) / 1e6, UTC):%d %b %H:%M} UTC"
    return f"The Bluesky stream could not replay from {since}; the searches fill the gap."


# Jetstream v1: one JSON object per text message.


def _jetstream(message: str | bytes, reader: _Reader) -> None:
    try:
        event = json.loads(message)
    except ValueError as exc:
        raise BadEvent("undecodable") from exc
    if not isinstance(event, dict):
        raise BadEvent("undecodable")
    kind, time_us = event.get("kind"), event.get("time_us")
    if kind == "heartbeat":
        return
    if not isinstance(time_us, int) or not 0 < time_us < LATEST_US:
        raise BadEvent("missing_fields")
    _jetstream_moved(time_us, reader)
    if kind == "commit":
        _jetstream_commit(event, time_us, reader)
    elif kind not in JETSTREAM_OTHER:
        raise BadEvent("unknown_kind")


def _jetstream_commit(event: dict[str, Any], time_us: int, reader: _Reader) -> None:
    commit, did = event.get("commit"), event.get("did")
    if not isinstance(commit, dict) or not isinstance(did, str):
        raise BadEvent("missing_fields")
    if commit.get("operation") != "create" or commit.get("collection") != POST_COLLECTION:
        return
    rkey = commit.get("rkey")
    if not isinstance(rkey, str):
        raise BadEvent("missing_fields")
    at = datetime.fromtimestamp(time_us / 1e6, UTC)
    reader.posts.append(stream_post(did, rkey, commit.get("record"), at))


def _jetstream_moved(time_us: int, reader: _Reader) -> None:
    """The cursor past an event; the first event of a connection tells whether Jetstream
    could replay from where it was asked."""
    if reader.first:
        reader.first = False
        if reader.asked and time_us > int(reader.asked) + GAP_US:
            reader.gap = _gap_words("jetstream", reader.asked)
    if not reader.cursor or time_us > int(reader.cursor):
        reader.cursor = str(time_us)
        reader.event_time = datetime.fromtimestamp(time_us / 1e6, UTC)


# The firehose: two DAG-CBOR objects per binary message, a header and a body.


def _firehose(message: str | bytes, reader: _Reader) -> None:
    if isinstance(message, str):
        raise BadEvent("undecodable")
    try:
        header, body = libipld.decode_dag_cbor_multi(message)
    except (ValueError, TypeError) as exc:
        raise BadEvent("undecodable") from exc
    if not isinstance(header, dict) or not isinstance(body, dict):
        raise BadEvent("undecodable")
    if header.get("op") == -1:
        _firehose_error(body)
    kind = header.get("t")
    if kind == "#info":
        if body.get("name") == "OutdatedCursor":
            reader.gap = _gap_words("firehose", reader.asked)
        return
    seq, at = body.get("seq"), body.get("time")
    if not isinstance(seq, int) or not isinstance(at, str):
        raise BadEvent("unknown_kind" if kind not in FIREHOSE_OTHER else "missing_fields")
    reader.cursor, reader.event_time = str(seq), _time(at)
    if kind == "#commit":
        _firehose_commit(body, reader.event_time, reader)
    elif kind not in FIREHOSE_OTHER:
        raise BadEvent("unknown_kind")


def _firehose_error(body: dict[str, Any]) -> None:
    error, message = body.get("error"), body.get("message") or ""
    if error == "FutureCursor":
        raise _FutureCursor()
    text = f"The Bluesky stream sent an error: {error} ({message})."
    raise NetworkError(text, permanent=False, code=ErrorCode.SERVER_ERROR, detail=str(error))


def _firehose_commit(body: dict[str, Any], at: datetime | None, reader: _Reader) -> None:
    repo, ops = body.get("repo"), body.get("ops")
    if not isinstance(repo, str) or not isinstance(ops, list):
        raise BadEvent("missing_fields")
    created = [op for op in ops if _is_post_create(op)]
    if not created:
        return
    try:
        _root, blocks = libipld.decode_car(body["blocks"])
    except (KeyError, ValueError, TypeError) as exc:
        raise BadEvent("undecodable") from exc
    for op in created:
        rkey = op["path"].partition("/")[2]
        reader.posts.append(stream_post(repo, rkey, blocks.get(op.get("cid")), at or _now()))


def _is_post_create(op: Any) -> bool:
    if not isinstance(op, dict) or op.get("action") != "create":
        return False
    path = op.get("path")
    return isinstance(path, str) and path.partition("/")[0] == POST_COLLECTION


# A post record, whichever wire brought it.


def stream_post(did: str, rkey: str, record: Any, at: datetime) -> StreamPost:
    """The post `did` created under `rkey`, seen on the stream at `at`; BadEvent when the
    record is not a post Porch can read."""
    if not isinstance(record, dict) or record.get("$type", POST_COLLECTION) != POST_COLLECTION:
        raise BadEvent("not_a_post")
    text = record.get("text")
    if not isinstance(text, str):
        raise BadEvent("missing_fields")
    if len(text) > MAX_TEXT:
        raise BadEvent("too_big")
    try:
        return _stream_post(did, rkey, record, text, at)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise BadEvent("missing_fields") from exc


def _stream_post(
    did: str, rkey: str, record: dict[str, Any], text: str, at: datetime
) -> StreamPost:
    uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
    reply = record.get("reply") or {}
    parent, root, quoted = (
        _uri(reply.get("parent")),
        _uri(reply.get("root")),
        _quoted(record.get("embed")),
    )
    if max(len(uri), len(did), len(parent), len(root), len(quoted)) > ID_LONGEST:
        raise BadEvent("too_big")  # no real post's ids are this long: the columns are not
    langs = record.get("langs") or ()
    lang = langs[0] if langs and isinstance(langs[0], str) else ""
    item = Incoming(
        external_id=uri,
        kind="mention",
        author_handle="",
        author_name="",
        author_id=did,
        text=text.replace("\x00", ""),  # PostgreSQL keeps no NUL in text
        sent_at=_sent_at(record.get("createdAt"), at),
        url=post_url_of(did, rkey),
        in_reply_to=parent,
        root_id=root,
        lang=lang if len(lang) <= LANG_LONGEST else lang.split("-")[0][:LANG_LONGEST],
        quote_of=quoted,
    )
    return StreamPost(item, _mentions(record.get("facets")), _did_of(parent))


def _uri(ref: Any) -> str:
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) else ""


def _did_of(uri: str) -> str:
    return uri.removeprefix("at://").partition("/")[0] if uri.startswith("at://") else ""


def _quoted(embed: Any) -> str:
    """The URI of the post an embed quotes (app.bsky.embed.record or recordWithMedia)."""
    if not isinstance(embed, dict) or embed.get("$type") not in QUOTES:
        return ""
    record = embed.get("record")
    if embed["$type"] == "app.bsky.embed.recordWithMedia" and isinstance(record, dict):
        record = record.get("record")
    return _uri(record)


def _mentions(facets: Any) -> tuple[str, ...]:
    """The DIDs the post's facets mention, each once, in order."""
    found: dict[str, None] = {}
    for facet in facets if isinstance(facets, list) else ():
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else ():
            if isinstance(feature, dict) and feature.get("$type") == MENTION:
                did = feature.get("did")
                if isinstance(did, str) and did:
                    found[did] = None
    return tuple(found)


def _sent_at(created: Any, at: datetime) -> datetime:
    """When the post says it was written, but never after the stream saw it."""
    written = _time(created) if isinstance(created, str) else None
    return min(written, at) if written else at


def _time(value: str) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


def _now() -> datetime:
    return datetime.now(UTC)


# Handles and names of the posts' authors (neither stream carries them).

PROFILES_CHUNK = 25  # app.bsky.actor.getProfiles takes at most 25 actors
PROFILES_KEPT = 10_000
PROFILES_RESTING = 60.0  # seconds the AppView is left alone after it did not answer
_profiles: OrderedDict[str, tuple[str, str]] = OrderedDict()
_profiles_lock = threading.Lock()
# AppView address: (time.monotonic) before which it is not asked again (the stream must not
# wait on an AppView that does not answer).
_appview_resting: dict[str, float] = {}


def profiles(ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """{DID: (handle, display name)} for the DIDs the AppView knows; best effort (a network
    failure is logged and what is known is returned)."""
    found, wanted = {}, []
    with _profiles_lock:
        for did in dict.fromkeys(ids):
            if did in _profiles:
                _profiles.move_to_end(did)
                found[did] = _profiles[did]
            else:
                wanted.append(did)
    for start in range(0, len(wanted), PROFILES_CHUNK):
        fetched = _fetch_profiles(wanted[start : start + PROFILES_CHUNK])
        if fetched is None:
            break
        found.update(fetched)
        _remember(fetched)
    return found


def _fetch_profiles(dids: list[str]) -> dict[str, tuple[str, str]] | None:
    base = settings.BLUESKY_APPVIEW_URL
    if time.monotonic() < _appview_resting.get(base, 0.0):
        return None
    try:
        answer = _appview().get("/xrpc/app.bsky.actor.getProfiles", params={"actors": dids})
        answer.raise_for_status()
        listed = answer.json().get("profiles") or []
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        _appview_resting[base] = time.monotonic() + PROFILES_RESTING
        log.warning("Bluesky profiles: the AppView did not answer (%s); again in a minute", exc)
        return None
    return {
        p["did"]: (str(p.get("handle") or ""), str(p.get("displayName") or ""))
        for p in listed
        if isinstance(p, dict) and isinstance(p.get("did"), str)
    }


def _remember(fetched: dict[str, tuple[str, str]]) -> None:
    with _profiles_lock:
        _profiles.update(fetched)
        while len(_profiles) > PROFILES_KEPT:
            _profiles.popitem(last=False)


@functools.cache
def _appview_for(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=5.0, headers={"User-Agent": "Porch"})


def _appview() -> httpx.Client:
    return _appview_for(settings.BLUESKY_APPVIEW_URL.rstrip("/"))
