"""A person's history across networks, newest first, a page at a time: their messages, the
business's replies in those conversations, their hits, the inbox notes on their
conversations and the owners' label corrections of their words; and how they felt, by month.

Each identity's rows are found by the inbox's and listening's author indexes
(workspace, network, author_id) — or author_handle where the identity has no id yet — so a
page costs a few index probes whatever the size of the inbox. Pages are keyset: `Mark` is
the last entry shown (its time, its kind's rank and its id), and the next page starts just
after it in the one order all sources share: (time, rank, id), descending.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.db.models.functions import TruncMonth

from porch.inbox.models import Message, MessageKind, Note
from porch.listening.models import Hit
from porch.people.models import Identity, Person
from porch.triage.models import TriageCorrection

PAGE = 50
R = TypeVar("R", bound=Model)
Posted = TypeVar("Posted", Message, Hit)  # what a person wrote: sent_at, author keys
CHART_MONTHS = 12
# Each kind's rank in the shared order, for entries at the same instant.
KINDS = {"message": 5, "ours": 4, "hit": 3, "note": 2, "correction": 1}


@dataclass(frozen=True)
class Entry:
    """One thing in the history, as the page shows it."""

    kind: str  # one of KINDS
    pk: int
    at: datetime
    network: str
    text: str
    sentiment: str = ""  # "negative", "neutral", "positive"; "" where it has none
    intent: str = ""
    url: str = ""  # the post on its network
    conversation_id: int | None = None  # the inbox conversation it is in, or is about
    by: str = ""  # who wrote a note or a correction (a member's email)

    @property
    def mark(self) -> "Mark":
        return Mark(self.at, KINDS[self.kind], self.pk)


@dataclass(frozen=True)
class Mark:
    """Where a page ended: the next one starts just after (older than) this entry."""

    at: datetime
    rank: int
    pk: int

    @property
    def text(self) -> str:
        return f"{self.at.timestamp():.6f}_{self.rank}_{self.pk}"

    @classmethod
    def parse(cls, raw: str | None) -> "Mark | None":
        """The mark a page link carries; None when it is missing or malformed."""
        parts = (raw or "").split("_")
        if len(parts) != 3 or not all(p.replace(".", "", 1).isascii() for p in parts):
            return None
        try:
            at = datetime.fromtimestamp(float(parts[0]), tz=UTC)
            rank, pk = int(parts[1]), int(parts[2])
        except (ValueError, OverflowError, OSError):
            return None
        return cls(at, rank, pk) if rank in KINDS.values() and 0 < pk < 2**63 else None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next: Mark | None  # the "older" link's mark; None on the last page


def _keys(identities: Iterable[Identity]) -> list[Q]:
    """Rows written by the identities, one index range each: by the network id (inbox's and
    listening's `*_by_author_id` index), and by the handle for the rows stored without an id
    (`*_by_author_handle`): an identity with no id yet is known by its handle alone."""
    found: dict[tuple[str, str, str], Q] = {}
    for identity in identities:
        if identity.stable_id:
            key = (identity.network, identity.stable_id, "")
            found[key] = Q(network=identity.network, author_id=identity.stable_id)
        key = (identity.network, "", identity.handle)
        found[key] = Q(network=identity.network, author_id="", author_handle=identity.handle)
    return list(found.values())


def _after(mark: Mark | None, rank: int, field: str) -> Q:
    """The rows of a source of `rank` that come after `mark` in the shared order: a range on
    `field` (so an index on it is read from the mark on), then the tie at the mark's instant."""
    if mark is None:
        return Q()
    if rank < mark.rank:
        return Q(**{f"{field}__lte": mark.at})
    if rank > mark.rank:
        return Q(**{f"{field}__lt": mark.at})
    return Q(**{f"{field}__lte": mark.at}) & (Q(**{f"{field}__lt": mark.at}) | Q(pk__lt=mark.pk))


def _newest(rows: QuerySet[R], field: str, rank: int, mark: Mark | None, limit: int) -> QuerySet[R]:
    return rows.filter(_after(mark, rank, field)).order_by(f"-{field}", "-pk")[:limit]


def _newest_by_key(
    rows: QuerySet[Posted], keys: list[Q], rank: int, mark: Mark | None, limit: int
) -> list[Posted]:
    """The `limit` newest rows after `mark` of any of the keys, in one query: each key's
    newest read from its own index (UNION ALL of per-key ORDER BY ... LIMIT), merged here."""
    parts = [_newest(rows.filter(key), "sent_at", rank, mark, limit) for key in keys]
    if not parts:
        return []
    sqls: list[str] = []
    params: list[object] = []
    for n, part in enumerate(parts):
        sql, args = part.query.sql_with_params()
        sqls.append(f"SELECT * FROM ({sql}) AS part{n}")  # noqa: S608 (the ORM's own SQL)
        params += args
    found = {
        row.pk: row for row in rows.model._default_manager.raw(" UNION ALL ".join(sqls), params)
    }
    ordered = sorted(found.values(), key=lambda row: (row.sent_at, row.pk), reverse=True)
    return ordered[:limit]


def _messages(person: Person) -> QuerySet[Message]:
    return Message.objects.filter(workspace_id=person.workspace_id).exclude(kind=MessageKind.OURS)


def _hits(person: Person) -> QuerySet[Hit]:
    return Hit.objects.filter(workspace_id=person.workspace_id)


def _message(row: Message) -> Entry:
    kind = "ours" if row.kind == MessageKind.OURS else "message"
    return Entry(
        kind,
        row.pk,
        row.sent_at,
        row.network,
        row.text,
        row.sentiment if kind == "message" else "",
        row.intent if kind == "message" else "",
        row.url,
        row.conversation_id,
    )


def _hit(row: Hit) -> Entry:
    return Entry(
        "hit", row.pk, row.sent_at, row.network, row.text, row.sentiment, row.intent, row.url
    )


def history_page(person: Person, mark: Mark | None = None, limit: int = PAGE) -> Page:
    """The `limit` newest entries after `mark` (the first page when None)."""
    keys = _keys(person.identities.all())
    mine = _newest_by_key(_messages(person), keys, KINDS["message"], mark, limit + 1)
    entries = [_message(m) for m in mine]
    conversations = _conversations(person, keys)
    ours = Message.objects.filter(conversation_id__in=conversations, kind=MessageKind.OURS)
    entries += [_message(m) for m in _newest(ours, "sent_at", KINDS["ours"], mark, limit + 1)]
    hits = _newest_by_key(_hits(person), keys, KINDS["hit"], mark, limit + 1)
    entries += [_hit(h) for h in hits]
    entries += _notes(conversations, mark, limit)
    entries += _corrections(person, entries, mark, limit)
    entries.sort(key=lambda e: (e.at, KINDS[e.kind], e.pk), reverse=True)
    shown = entries[:limit]
    return Page(shown, shown[-1].mark if len(entries) > limit else None)


def _conversations(person: Person, keys: list[Q]) -> list[int]:
    """The conversations of every message of theirs, each key read from its index."""
    if not keys:
        return []
    branches = [
        _messages(person).filter(key).order_by().values_list("conversation_id") for key in keys
    ]
    return sorted({pk for (pk,) in branches[0].union(*branches[1:])})


def conversations_of(person: Person) -> list[int]:
    """The inbox conversations of every message of theirs (the API's person)."""
    return _conversations(person, _keys(person.identities.all()))


def _notes(conversations: list[int], mark: Mark | None, limit: int) -> list[Entry]:
    notes = Note.objects.filter(conversation_id__in=conversations).select_related(
        "author", "conversation__account"
    )
    return [
        Entry(
            "note",
            n.pk,
            n.created_at,
            n.conversation.account.network,
            n.text,
            conversation_id=n.conversation_id,
            by=n.author.email if n.author else "",
        )
        for n in _newest(notes, "created_at", KINDS["note"], mark, limit + 1)
    ]


def _corrections(
    person: Person, entries: list[Entry], mark: Mark | None, limit: int
) -> list[Entry]:
    """The owners' label corrections of this person's words (a correction keeps the text it
    corrected, not the message: it is matched by that text, among the words on this page)."""
    texts = {e.text: e for e in entries if e.kind in ("message", "hit")}
    if not texts:
        return []
    rows = TriageCorrection.objects.filter(
        workspace_id=person.workspace_id, text__in=list(texts)
    ).select_related("created_by")
    return [
        Entry(
            "correction",
            c.pk,
            c.created_at,
            texts[c.text].network,
            c.text,
            intent=c.intent,
            conversation_id=texts[c.text].conversation_id,
            by=c.created_by.email if c.created_by else "",
        )
        for c in _newest(rows, "created_at", KINDS["correction"], mark, limit + 1)
    ]


@dataclass(frozen=True)
class Month:
    month: datetime
    negative: int = 0
    neutral: int = 0
    positive: int = 0

    @property
    def total(self) -> int:
        return self.negative + self.neutral + self.positive


def feeling_by_month(person: Person, now: datetime, months: int = CHART_MONTHS) -> list[Month]:
    """How their messages and hits felt, counted by month, over the last `months` months: in
    one query, each identity's key counted over its own author index from `since` on."""
    since = (now - timedelta(days=31 * (months - 1))).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    keys = _keys(person.identities.all())
    branches = [
        rows.filter(key, sent_at__gte=since)
        .annotate(month=TruncMonth("sent_at", tzinfo=UTC))
        .values_list("month", "sentiment")
        .annotate(n=Count("pk"))
        .order_by()
        for rows in (_messages(person), _hits(person))
        for key in keys
    ]
    counts: dict[tuple[datetime, str], int] = {}
    grouped: Iterable[tuple[datetime, str, int]] = (
        branches[0].union(*branches[1:], all=True) if branches else []
    )
    for month, sentiment, n in grouped:
        key = (month.replace(tzinfo=UTC), sentiment)
        counts[key] = counts.get(key, 0) + n
    return [
        Month(
            month,
            **{mood: counts.get((month, mood), 0) for mood in ("negative", "neutral", "positive")},
        )
        for month in _months(since, now)
    ]


def _months(since: datetime, now: datetime) -> list[datetime]:
    found, month = [], since
    while month <= now:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found
