"""The fake network's world: every post, reply and direct message, in one SQLite file.

The file is settings.FAKE_NETWORK_DB (PORCH_FAKE_NETWORK_DB; by default
`fake-network.sqlite3` in the data folder), so the web process, the workers and a test
all see the same network. Each post has a sequence number, given in the write
transaction: SQLite has one writer at a time, so a reader that saw post n has seen every
post before it, and a cursor (the last number read) has no gaps and no repeats.

`customer_post` is a made-up customer writing; `inject` makes the network fail on demand
(`Fault`), in the shapes the real networks' errors take. A direct message from an account
is a row with direct = 1, audience = the person messaged, visibility 'direct';
`direct_messages_to` reads what a person was sent.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.utils import timezone

PREFIX = "fake-"  # external ids are PREFIX + sequence number


def stamp(moment: datetime) -> str:
    """A time as stored: UTC, always with microseconds, so stored times compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',      -- the handle mentioned or messaged
    direct INTEGER NOT NULL DEFAULT 0,
    parent_author TEXT NOT NULL DEFAULT '', -- whose post this replies to
    reply_to TEXT NOT NULL DEFAULT '',
    root_id TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'public',
    media INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,    -- publish calls that carried this key
    created_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (author, idempotency_key)
);
CREATE INDEX IF NOT EXISTS posts_audience ON posts (audience, seq);
CREATE INDEX IF NOT EXISTS posts_parent_author ON posts (parent_author, seq);
CREATE TABLE IF NOT EXISTS engagements (
    actor TEXT NOT NULL,      -- the account's handle
    action TEXT NOT NULL,     -- like, repost, follow
    target TEXT NOT NULL,     -- a post's external id, or an author's id or handle
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor, action, target)
);
CREATE TABLE IF NOT EXISTS follows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, -- the order followed in: newest first is seq DESC
    follower TEXT NOT NULL,
    followed TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (follower, followed)
);
CREATE TABLE IF NOT EXISTS profiles (
    handle TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT ''           -- one URL a line
);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL,     -- '' = every account
    operation TEXT NOT NULL,  -- '' = every call
    kind TEXT NOT NULL,
    retry_after REAL NOT NULL,
    skip INTEGER NOT NULL,    -- matching calls that pass before it strikes
    remaining INTEGER NOT NULL
);
"""
_ready: set[str] = set()
_ready_lock = threading.Lock()
_local = threading.local()


class Fault(StrEnum):
    """Failures `inject` can make happen on the next calls."""

    RATE_LIMITED = "rate_limited"  # 429: try again after retry_after
    TIMEOUT = "timeout"  # no answer, nothing written (a write cannot know that)
    LOST_ANSWER = "lost_answer"  # the post went out, then the answer was lost
    EXPIRED = "expired"  # the token was revoked: reconnect
    SERVER_ERROR = "server_error"  # 503
    # The person does not take direct messages (their settings, the network's rules):
    # send_direct is refused for good, for that person.
    REFUSED = "refused"
    # Not a failure: the next page starts again with the last item already given, as a
    # network's cursor may at a page boundary (Porch must not store it twice).
    REPEAT = "repeat"


@dataclass(frozen=True)
class Row:
    seq: int
    author: str
    author_name: str
    audience: str
    direct: bool
    parent_author: str
    reply_to: str
    root_id: str
    text: str
    visibility: str
    media: int
    idempotency_key: str | None
    attempts: int
    created_at: datetime
    deleted: bool

    @property
    def external_id(self) -> str:
        return external_id(self.seq)


def external_id(seq: int) -> str:
    return f"{PREFIX}{seq}"


def seq_of(external: str) -> int | None:
    digits = external.removeprefix(PREFIX)
    return int(digits) if external.startswith(PREFIX) and digits.isdigit() else None


def path() -> str:
    return str(settings.FAKE_NETWORK_DB)


def connection() -> sqlite3.Connection:
    """This thread's connection to the network's file (created with its tables on first
    use). It stays open: closing a file's last connection checkpoints its write-ahead log,
    which would cost more than the call. A thread keeps one, for the current file."""
    where = path()
    held: tuple[str, sqlite3.Connection] | None = getattr(_local, "held", None)
    if held is not None and held[0] == where:
        return held[1]
    if held is not None:
        held[1].close()
    Path(where).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(where, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 30000")
    with _ready_lock:
        if where not in _ready:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(SCHEMA)
            _ready.add(where)
    db.execute("PRAGMA synchronous = OFF")  # a made-up network: no need to survive a crash
    _local.held = (where, db)
    return db


@contextmanager
def writing(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (no upgrade from a read lock to deadlock on)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def to_row(found: sqlite3.Row) -> Row:
    values = dict(found)
    values["direct"] = bool(values["direct"])
    values["deleted"] = bool(values["deleted"])
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    return Row(**values)


def get(db: sqlite3.Connection, external: str) -> Row | None:
    seq = seq_of(external)
    found = db.execute("SELECT * FROM posts WHERE seq = ?", (seq,)).fetchone()
    return to_row(found) if found is not None and seq is not None else None


@dataclass(frozen=True)
class Draft:
    """A post about to be written: who, to whom, what."""

    author: str
    text: str
    author_name: str = ""
    audience: str = ""
    direct: bool = False
    reply_to: str = ""
    visibility: str = "public"
    media: int = 0
    idempotency_key: str | None = None
    at: datetime | None = None  # when it was written (None: now)


def insert(db: sqlite3.Connection, draft: Draft) -> Row:
    """Write `draft` (inside the caller's write transaction); its parent must exist."""
    parent = get(db, draft.reply_to) if draft.reply_to else None
    cursor = db.execute(
        "INSERT INTO posts (author, author_name, audience, direct, parent_author, reply_to,"
        " root_id, text, visibility, media, idempotency_key, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            draft.author,
            draft.author_name or draft.author,
            draft.audience,
            int(draft.direct),
            parent.author if parent else "",
            draft.reply_to,
            (parent.root_id or parent.external_id) if parent else "",
            draft.text,
            draft.visibility,
            draft.media,
            draft.idempotency_key,
            stamp(draft.at or timezone.now()),
        ),
    )
    row = get(db, external_id(int(cursor.lastrowid or 0)))
    assert row is not None
    return row


def customer_post(
    author: str,
    text: str,
    *,
    to: str = "",
    reply_to: str = "",
    direct: bool = False,
    author_name: str = "",
    at: datetime | None = None,
) -> str:
    """A made-up customer posts (mentioning `to`, replying to `reply_to`, or messaging `to`
    directly; written `at`, by default now); returns the post's external id. The account's
    next fetch brings it."""
    draft = Draft(author, text, author_name, to, direct, reply_to, at=at)
    with writing(connection()) as db:
        if reply_to and get(db, reply_to) is None:
            raise ValueError(f"no post {reply_to!r} on the fake network")
        return insert(db, draft).external_id


def posts_by(author: str) -> list[Row]:
    """What `author` published, oldest first (deleted posts included, marked)."""
    found = connection().execute("SELECT * FROM posts WHERE author = ? ORDER BY seq", (author,))
    return [to_row(row) for row in found]


def replies_to(handle: str) -> list[Row]:
    """Every reply to one of `handle`'s posts, oldest first."""
    query = "SELECT * FROM posts WHERE parent_author = ? ORDER BY seq"
    return [to_row(row) for row in connection().execute(query, (handle,))]


def direct_messages_to(handle: str) -> list[Row]:
    """The direct messages `handle` was sent, oldest first."""
    query = "SELECT * FROM posts WHERE audience = ? AND direct = 1 ORDER BY seq"
    return [to_row(row) for row in connection().execute(query, (handle,))]


def get_post(external: str) -> Row | None:
    return get(connection(), external)


def count_to(handle: str, since: datetime | None = None) -> int:
    """How many posts mention, message or reply to `handle` (made at `since` or later)."""
    query = "SELECT count(*) FROM posts WHERE (audience = ? OR parent_author = ?)"
    if since is None:
        return int(connection().execute(query, (handle, handle)).fetchone()[0])
    query += " AND created_at >= ?"
    found = connection().execute(query, (handle, handle, stamp(since)))
    return int(found.fetchone()[0])


def engage(db: sqlite3.Connection, actor: str, action: str, target: str) -> None:
    """Record that `actor` liked, reposted or followed `target` (once, however often)."""
    with writing(db):
        db.execute(
            "INSERT OR IGNORE INTO engagements (actor, action, target, created_at)"
            " VALUES (?, ?, ?, ?)",
            (actor, action, target, stamp(timezone.now())),
        )


def engagements(actor: str) -> list[tuple[str, str]]:
    """(action, target) for what `actor` liked, reposted and followed, in the order done."""
    query = "SELECT action, target FROM engagements WHERE actor = ? ORDER BY created_at, rowid"
    return [(row["action"], row["target"]) for row in connection().execute(query, (actor,))]


def follow(follower: str, followed: str, *, at: datetime | None = None) -> None:
    """`follower` follows `followed` (once, however often: a repeat keeps the first time)."""
    with writing(connection()) as db:
        db.execute(
            "INSERT OR IGNORE INTO follows (follower, followed, created_at) VALUES (?, ?, ?)",
            (follower, followed, stamp(at or timezone.now())),
        )


def unfollow(follower: str, followed: str) -> None:
    with writing(connection()) as db:
        db.execute("DELETE FROM follows WHERE follower = ? AND followed = ?", (follower, followed))


def set_profile(
    handle: str, *, name: str = "", bio: str = "", website: str = "", links: tuple[str, ...] = ()
) -> None:
    """What `handle`'s profile says (a made-up person's name, bio, website and links)."""
    with writing(connection()) as db:
        db.execute(
            "INSERT OR REPLACE INTO profiles (handle, name, bio, website, links)"
            " VALUES (?, ?, ?, ?, ?)",
            (handle, name, bio, website, "\n".join(links)),
        )


def inject(
    fault: Fault,
    *,
    handle: str = "",
    operation: str = "",
    times: int = 1,
    skip: int = 0,
    retry_after: int = 60,
) -> None:
    """Make `times` calls fail with `fault`, after `skip` calls that pass: calls of the
    account `handle` ("" = any) to `operation` ("" = any; else a NetworkClient method's
    name, such as "fetch_incoming")."""
    with writing(connection()) as db:
        db.execute(
            "INSERT INTO faults (handle, operation, kind, retry_after, skip, remaining)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (handle, operation, str(fault), retry_after, skip, times),
        )


def take_fault(db: sqlite3.Connection, handle: str, operation: str) -> tuple[Fault, float] | None:
    """The fault this call is to fail with, if one is waiting (and one fewer waits)."""
    if db.execute("SELECT 1 FROM faults WHERE remaining > 0 LIMIT 1").fetchone() is None:
        return None  # the usual case, without taking the write lock
    with writing(db):
        found = db.execute(
            "SELECT id, kind, retry_after, skip FROM faults WHERE remaining > 0"
            " AND handle IN (?, '') AND operation IN (?, '') ORDER BY id LIMIT 1",
            (handle, operation),
        ).fetchone()
        if found is None:
            return None
        if found["skip"] > 0:
            db.execute("UPDATE faults SET skip = skip - 1 WHERE id = ?", (found["id"],))
            return None
        db.execute("UPDATE faults SET remaining = remaining - 1 WHERE id = ?", (found["id"],))
    return Fault(found["kind"]), float(found["retry_after"])


def clear() -> None:
    """Forget every post and fault (tests that share one file between them)."""
    with writing(connection()) as db:
        db.execute("DELETE FROM posts")
        db.execute("DELETE FROM engagements")
        db.execute("DELETE FROM follows")
        db.execute("DELETE FROM profiles")
        db.execute("DELETE FROM faults")
