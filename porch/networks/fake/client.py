"""FakeClient: the whole NetworkClient interface over the fake network's SQLite file.

What the account publishes, and the direct messages it sends (send_direct: to anyone, once
per idempotency key; Fault.REFUSED makes the next one refused), are written there; what
made-up customers post there (store.customer_post) comes back from fetch_incoming.
Metrics and follower counts are made up from the ids and handles, the same every time.
Faults injected with store.inject are raised as the NetworkError a real network's failure becomes.

Credentials (all optional): "imitate" names another installed network whose stock rules
the account follows (the demo's accounts imitate the network they show);
"max_length" sets the length limit of the fake's own rules; "page_size" the most items one
fetch or search returns (50).
"""

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import quote

from porch.networks.base import (
    AccountMetrics,
    AccountRef,
    DirectOut,
    ErrorCode,
    Incoming,
    Kind,
    NetworkClient,
    NetworkError,
    Outgoing,
    Page,
    PostMetrics,
    Profile,
    ProfilePage,
    Published,
    TextRules,
)
from porch.networks.fake import store
from porch.networks.fake.store import Fault, Row
from porch.networks.query import Atom, Mention, Phrase, Query, Tag
from porch.networks.registry import client_class

PAGE_SIZE = 50
URL = "https://fake.invalid"  # .invalid never resolves: nothing here can reach a network
WRITES = ("publish", "send_direct", "delete", "like", "repost", "follow")


def _made_up(seed: str, modulo: int) -> int:
    """A number in 0..modulo-1 that depends only on `seed` (unlike hash(), per process)."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") % modulo


def post_url(row: Row) -> str:
    return link_to_post(row.author, row.external_id)


def link_to_post(handle: str, external_id: str) -> str:
    """A post's address on the fake network ("" for an id that is not the fake's)."""
    seq = store.seq_of(external_id)
    return f"{URL}/{quote(handle)}/{seq}" if seq is not None else ""


def profile_url(account: AccountRef) -> str:
    return f"{URL}/{quote(account.handle)}"


RULES = TextRules(
    max_length=500, counter=len, max_images=4, max_image_bytes=5_000_000, max_alt_text=1500
)


class FakeClient(NetworkClient):
    network = "fake"
    stock_rules = RULES

    def __init__(
        self,
        account: AccountRef,
        credentials: dict[str, Any],
        save_credentials: Callable[[dict[str, Any]], None] = lambda _: None,
    ) -> None:
        super().__init__(account, credentials, save_credentials)
        self.handle = account.handle
        self.page_size = int(credentials.get("page_size") or PAGE_SIZE)

    @property
    def db(self) -> sqlite3.Connection:
        return store.connection()  # the calling thread's, kept open between clients

    def close(self) -> None:
        return None  # nothing is held: the file's connection belongs to the thread

    def _check(self, operation: str) -> Fault | None:
        """Raise the fault injected for this call, if any (store.inject); a fault that is
        not a failure (Fault.REPEAT) is returned."""
        waiting = store.take_fault(self.db, self.handle, operation)
        if waiting is None or waiting[0] == Fault.REPEAT:
            return waiting[0] if waiting else None
        raise fault_error(*waiting, write=operation in WRITES)

    def verify(self) -> AccountRef:
        self._check("verify")
        return replace(self.account, external_id=self.account.external_id or f"fake:{self.handle}")

    def fetch_incoming(self, cursor: str) -> Page:
        repeat = self._check("fetch_incoming") == Fault.REPEAT
        query = (
            "SELECT * FROM posts WHERE seq > ? AND author != ? AND deleted = 0"
            " AND (audience = ? OR parent_author = ?) ORDER BY seq LIMIT ?"
        )
        args = (self.handle, self.handle, self.handle, self.page_size + 1)
        return self._page(query, cursor, args, repeat)

    def search(self, query: Query, cursor: str, limit: int | None = None) -> Page:
        """Public posts matching `query`, after the cursor (a post's seq): SQL narrows to
        the posts holding every wanted word of some clause, `query.matches` decides."""
        repeat = self._check("search") == Fault.REPEAT
        wanted = [
            [w for atom in clause.atoms() for w in _words(atom)] for clause in query.clauses()
        ]
        ors = " OR ".join(
            "(" + " AND ".join(["text LIKE ? ESCAPE '\\'"] * len(words)) + ")" for words in wanted
        )
        where = f"seq > ? AND deleted = 0 AND direct = 0 AND visibility = 'public' AND ({ors})"
        sql = f"SELECT * FROM posts WHERE {where} ORDER BY seq"  # noqa: S608 - only ?s
        likes = [f"%{_escape(word)}%" for words in wanted for word in words]
        return self._page(sql, cursor, tuple(likes), repeat, query)

    def _page(
        self,
        query: str,
        cursor: str,
        args: tuple[Any, ...],
        repeat: bool,
        search: Query | None = None,
    ) -> Page:
        after = _cursor(cursor)
        start = after - 1 if repeat and after else after  # the last item given, again
        found: Iterator[Row] = map(store.to_row, self.db.execute(query, (start, *args)))
        if search is not None:  # SQL only narrowed it down: the query decides
            found = (row for row in found if search.matches(row.text) and self._sees(row.author))
        rows = list(islice(found, self.page_size + 1))
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        self.usage.reads += len(rows)
        last = rows[-1].seq if rows else after
        return Page([self._incoming(row) for row in rows], str(last) if last else cursor, more)

    def _sees(self, author: str) -> bool:
        """Whether a search by this account finds `author`'s posts. The fake town holds every
        network's people in one place; a real network's search finds only its own accounts,
        so a fediverse-style account (user@server) finds only user@server authors, and the
        others only authors without a server."""
        return ("@" in author.lstrip("@")) == ("@" in self.handle.lstrip("@"))

    def _incoming(self, row: Row) -> Incoming:
        kind: Kind = "mention"
        if row.direct and row.audience == self.handle:
            kind = "direct"
        elif row.parent_author == self.handle:
            kind = "reply"
        return Incoming(
            external_id=row.external_id,
            kind=kind,
            author_handle=row.author,
            author_name=row.author_name,
            text=row.text,
            sent_at=row.created_at,
            url=post_url(row),
            in_reply_to=row.reply_to,
            root_id=row.root_id,
            author_id=f"fake:{row.author}",
        )

    def publish(self, post: Outgoing) -> Published:
        self._check_fits(post)
        row = self._write("publish", lambda: self._publish_once(post))
        return Published(row.external_id, post_url(row))

    def _write(self, operation: str, write: Callable[[], Row]) -> Row:
        """One write, in one transaction, under the fault injected for it, if any: a lost
        answer lets the write happen first."""
        waiting = store.take_fault(self.db, self.handle, operation)
        if waiting is not None and waiting[0] == Fault.REPEAT:
            waiting = None  # nothing to repeat in a write
        if waiting is not None and waiting[0] != Fault.LOST_ANSWER:
            raise fault_error(*waiting, write=True)
        with store.writing(self.db):
            row = write()
        if operation == "send_direct":  # a message, not a post: billed apart where billed
            self.usage.extra["dm_sent"] = self.usage.extra.get("dm_sent", 0) + 1
        else:
            self.usage.writes += 1
        if waiting is not None:  # it went out; the answer did not come back
            raise fault_error(*waiting, write=True)
        return row

    def _sent_with(self, idempotency_key: str) -> Row | None:
        """What the account wrote with this idempotency key (counting one more attempt)."""
        found = self.db.execute(
            "SELECT seq FROM posts WHERE author = ? AND idempotency_key = ?",
            (self.handle, idempotency_key),
        ).fetchone()
        if found is None:
            return None
        self.db.execute("UPDATE posts SET attempts = attempts + 1 WHERE seq = ?", (found[0],))
        return store.get(self.db, store.external_id(found[0]))

    def _publish_once(self, post: Outgoing) -> Row:
        """The post with this idempotency key: the one already there, or a new one."""
        found = self._sent_with(post.idempotency_key)
        if found is not None:
            return found
        if post.reply_to and store.get(self.db, post.reply_to) is None:
            text = f"The fake network has no post {post.reply_to} to reply to"
            raise NetworkError(text, permanent=True, code=ErrorCode.NOT_FOUND)
        draft = store.Draft(
            author=self.handle,
            text=post.text,
            reply_to=post.reply_to,
            visibility=post.visibility,
            media=len(post.media),
            idempotency_key=post.idempotency_key,
        )
        return store.insert(self.db, draft)

    def _check_fits(self, post: Outgoing) -> None:
        rules = self.rules()
        if not rules.fits(post.text):
            text = f"The fake network takes at most {rules.max_length} characters"
            raise NetworkError(text, permanent=True, code=ErrorCode.TOO_LONG)
        if len(post.media) > rules.max_images:
            text = f"The fake network takes at most {rules.max_images} images"
            raise NetworkError(text, permanent=True, code=ErrorCode.TOO_MANY_MEDIA)
        if any(len(image.data) > rules.max_image_bytes for image in post.media):
            text = "The fake network could not take an image: it is too large"
            raise NetworkError(text, permanent=True, code=ErrorCode.MEDIA)

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        self._check("find_published")
        found = self.db.execute(
            "SELECT * FROM posts WHERE author = ? AND deleted = 0 AND (idempotency_key = ?"
            " OR (text = ? AND reply_to = ? AND created_at >= ?)) ORDER BY seq LIMIT 1",
            (self.handle, post.idempotency_key, post.text, post.reply_to, store.stamp(since)),
        ).fetchone()
        if found is None:
            return None
        row = store.to_row(found)
        return Published(row.external_id, post_url(row))

    def send_direct(self, message: DirectOut) -> Published:
        """A direct message to one account, once per idempotency key. The fake lets the
        account write to anyone; a Fault.REFUSED injected for "send_direct" stands for a
        person whose settings refuse it."""
        to = _handle_of(message.recipient_handle or message.recipient_id)
        if not to:
            text = "The fake network needs the handle of the person to message"
            raise NetworkError(text, permanent=True, code=ErrorCode.INVALID)
        self._check_fits(Outgoing(message.text, message.idempotency_key))
        row = self._write("send_direct", lambda: self._direct_once(message, to))
        return Published(row.external_id, post_url(row))

    def _direct_once(self, message: DirectOut, to: str) -> Row:
        """The message with this idempotency key: the one already sent, or a new one."""
        found = self._sent_with(message.idempotency_key)
        if found is not None:
            return found
        draft = store.Draft(
            author=self.handle,
            text=message.text,
            audience=to,
            direct=True,
            visibility="direct",
            idempotency_key=message.idempotency_key,
        )
        return store.insert(self.db, draft)

    def find_direct(self, message: DirectOut, since: datetime) -> Published | None:
        """The account's direct message with this key, or one to this person holding the
        message's marker (its whole text where it has none), made since `since`."""
        self._check("find_direct")
        to = _handle_of(message.recipient_handle or message.recipient_id)
        wanted = message.marker or message.text
        found = self.db.execute(
            "SELECT * FROM posts WHERE author = ? AND direct = 1 AND deleted = 0"
            " AND (idempotency_key = ? OR (audience = ? AND instr(text, ?) > 0"
            " AND created_at >= ?)) ORDER BY seq LIMIT 1",
            (self.handle, message.idempotency_key, to, wanted, store.stamp(since)),
        ).fetchone()
        if found is None:
            return None
        row = store.to_row(found)
        return Published(row.external_id, post_url(row))

    def delete(self, external_id: str) -> None:
        self._check("delete")
        seq = store.seq_of(external_id)
        with store.writing(self.db):
            changed = self.db.execute(
                "UPDATE posts SET deleted = 1 WHERE seq = ? AND author = ? AND deleted = 0",
                (seq, self.handle),
            ).rowcount
        if changed != 1:
            text = f"The fake network has no post {external_id} of {self.handle}"
            raise NetworkError(text, permanent=True, code=ErrorCode.NOT_FOUND)

    def like(self, external_id: str) -> None:
        self._engage("like", self._existing(external_id))

    def repost(self, external_id: str) -> None:
        self._engage("repost", self._existing(external_id))

    def follow(self, author: str) -> None:
        self._engage("follow", author.removeprefix("fake:").lstrip("@"))

    def _existing(self, external_id: str) -> str:
        row = store.get(self.db, external_id)
        if row is None or row.deleted:
            text = f"The fake network has no post {external_id}"
            raise NetworkError(text, permanent=True, code=ErrorCode.NOT_FOUND)
        return external_id

    def _engage(self, action: str, target: str) -> None:
        self._check(action)
        store.engage(self.db, self.handle, action, target)

    def followers(self, cursor: str = "") -> ProfilePage:
        """Who follows the account, newest first (the cursor: the last follow given)."""
        self._check("followers")
        return self._follows("followed", "follower", self.handle, cursor)

    def suggested_follows(self) -> list[Profile]:
        """Friends of friends, as a network's suggestions go: the accounts that the accounts
        this one follows follow, which it does not follow itself; most followed first."""
        self._check("suggested_follows")
        query = (
            "SELECT theirs.followed, count(*) AS n FROM follows AS mine"
            " JOIN follows AS theirs ON theirs.follower = mine.followed"
            " WHERE mine.follower = ? AND theirs.followed != ? AND theirs.followed NOT IN"
            " (SELECT followed FROM follows WHERE follower = ?)"
            " GROUP BY theirs.followed ORDER BY n DESC, theirs.followed LIMIT 20"
        )
        rows = self.db.execute(query, (self.handle, self.handle, self.handle)).fetchall()
        return self._profiles([row[0] for row in rows])

    def follows_of(self, stable_id: str, cursor: str = "") -> ProfilePage:
        self._check("follows_of")
        return self._follows("follower", "followed", _handle_of(stable_id), cursor)

    def _follows(self, side: str, other: str, handle: str, cursor: str) -> ProfilePage:
        before = _cursor(cursor) or 2**62
        query = (
            f"SELECT seq, {other} FROM follows WHERE {side} = ? AND seq < ?"  # noqa: S608
            " ORDER BY seq DESC LIMIT ?"
        )
        found = self.db.execute(query, (handle, before, self.page_size + 1)).fetchall()
        rows = found[: self.page_size]
        self.usage.extra["users_read"] = self.usage.extra.get("users_read", 0) + len(rows)
        more = len(found) > self.page_size
        profiles = self._profiles([row[1] for row in rows])
        return ProfilePage(profiles, str(rows[-1][0]) if more else "")

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        self._check("profiles")
        handles = dict.fromkeys(_handle_of(stable_id) for stable_id in stable_ids)
        return self._profiles([handle for handle in handles if self._exists(handle)])

    def _exists(self, handle: str) -> bool:
        """Whether the fake network has heard of `handle` (a profile, a follow or a post)."""
        query = (
            "SELECT 1 FROM profiles WHERE handle = ? UNION ALL SELECT 1 FROM follows"
            " WHERE follower = ? OR followed = ? UNION ALL SELECT 1 FROM posts WHERE author = ?"
            " LIMIT 1"
        )
        return self.db.execute(query, (handle,) * 4).fetchone() is not None

    def _profiles(self, handles: list[str]) -> list[Profile]:
        return [self._profile(handle) for handle in handles]

    def _profile(self, handle: str) -> Profile:
        row = self.db.execute("SELECT * FROM profiles WHERE handle = ?", (handle,)).fetchone()
        name = row["name"] if row else ""
        if not name:  # the name the person last posted under
            posted = self.db.execute(
                "SELECT author_name FROM posts WHERE author = ? ORDER BY seq DESC LIMIT 1",
                (handle,),
            ).fetchone()
            name = posted[0] if posted else ""
        followers = self.db.execute(
            "SELECT count(*) FROM follows WHERE followed = ?", (handle,)
        ).fetchone()[0]
        links = tuple((url, "") for url in (row["links"] if row else "").split("\n") if url)
        return Profile(
            network=self.network,
            stable_id=f"fake:{handle}",
            handle=handle,
            display_name=name,
            bio=row["bio"] if row else "",
            website=row["website"] if row else "",
            links=links,
            followers_count=int(followers),
            profile_url=f"{URL}/{quote(handle)}",
        )

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        self._check("post_metrics")
        found = []
        for external in external_ids:
            row = store.get(self.db, external)
            if row is None or row.deleted:
                continue  # as the real networks do with deleted posts
            found.append(self._metrics(row))
        return found

    def _metrics(self, row: Row) -> PostMetrics:
        replies = self.db.execute(
            "SELECT count(*) FROM posts WHERE reply_to = ? AND deleted = 0", (row.external_id,)
        ).fetchone()[0]
        seed = f"{self.handle}/{row.seq}"
        likes = _made_up(f"likes {seed}", 40)
        return PostMetrics(
            external_id=row.external_id,
            likes=likes,
            reposts=_made_up(f"reposts {seed}", max(1, likes // 4 + 1)),
            replies=int(replies),
            quotes=_made_up(f"quotes {seed}", 3),
            impressions=likes * 25 + _made_up(f"seen {seed}", 400) + 50,
        )

    def account_metrics(self) -> AccountMetrics:
        self._check("account_metrics")
        posts = self.db.execute(
            "SELECT count(*) FROM posts WHERE author = ? AND deleted = 0 AND direct = 0",
            (self.handle,),
        ).fetchone()[0]
        return AccountMetrics(
            followers=150 + _made_up(f"followers {self.handle}", 4000) + 3 * int(posts),
            following=20 + _made_up(f"following {self.handle}", 400),
            posts=int(posts),
        )

    def rules(self) -> TextRules:
        imitated = str(self.credentials.get("imitate") or "")
        if imitated:
            return client_class(imitated).stock_rules
        if self.credentials.get("max_length"):
            return replace(self.stock_rules, max_length=int(self.credentials["max_length"]))
        return self.stock_rules


def fault_error(fault: Fault, retry_after: float, *, write: bool) -> NetworkError:
    """The NetworkError a real network's failure of this kind becomes."""
    if fault == Fault.RATE_LIMITED:
        text = "The fake network asked Porch to slow down: it tries again when the limit resets"
        return NetworkError(
            text, permanent=False, retry_after=retry_after, code=ErrorCode.RATE_LIMITED
        )
    if fault == Fault.EXPIRED:
        text = "The fake network no longer accepts Porch's token: reconnect the account"
        return NetworkError(text, permanent=True, reconnect=True, code=ErrorCode.UNAUTHORIZED)
    if fault == Fault.REFUSED:
        text = "The fake network: this person does not take direct messages from the account"
        return NetworkError(text, permanent=True, code=ErrorCode.FORBIDDEN)
    if fault == Fault.SERVER_ERROR:
        text = "The fake network had a problem (503); Porch will try again"
        return NetworkError(
            text, permanent=False, outcome_unknown=write, code=ErrorCode.SERVER_ERROR
        )
    text = "The fake network did not answer in time"
    return NetworkError(text, permanent=False, outcome_unknown=write, code=ErrorCode.TIMEOUT)


def _cursor(cursor: str) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit():
        text = f"The fake network cannot read the cursor {cursor!r}"
        raise NetworkError(text, permanent=True, code=ErrorCode.INVALID)
    return int(cursor)


def _handle_of(stable_id: str) -> str:
    """The handle in a fake id ("fake:ana" -> "ana"); a bare handle is taken as it is."""
    return stable_id.removeprefix("fake:").lstrip("@")


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _words(atom: Atom) -> list[str]:
    """What a post matching the atom must contain somewhere (SQLite's LIKE folds ASCII)."""
    match atom:
        case Tag(name):
            return [f"#{name}"]
        case Mention(handle):
            return [f"@{handle.split('@')[0]}"]
        case Phrase(text):
            return text.split()
        case _:
            return [atom.text]
