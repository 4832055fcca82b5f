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


def _authored(identities: Iterable[Identity]) -> Q:
    """Rows written by any of the identities: by the network id, or by the handle where the
    identity has no id yet (and rows stored without an id, under the handle it shows)."""
    found = Q(pk__in=[])
    for identity in identities:
        mine = Q(network=identity.network)
        by_handle = Q(author_id="", author_handle=identity.handle)
        if identity.stable_id:
            mine &= Q(author_id=identity.stable_id) | by_handle
        else:
            mine &= by_handle
        found |= mine
    return found


def _after(mark: Mark | None, rank: int, field: str) -> Q:
    """The rows of a source of `rank` that come after `mark` in the shared order."""
    if mark is None:
        return Q()
    if rank < mark.rank:
        return Q(**{f"{field}__lte": mark.at})
    if rank > mark.rank:
        return Q(**{f"{field}__lt": mark.at})
    return Q(**{f"{field}__lt": mark.at}) | Q(**{field: mark.at, "pk__lt": mark.pk})


def _newest(rows: QuerySet[R], field: str, rank: int, mark: Mark | None, limit: int) -> QuerySet[R]:
    return rows.filter(_after(mark, rank, field)).order_by(f"-{field}", "-pk")[:limit]


def their_messages(person: Person) -> QuerySet[Message]:
    """Every message the person wrote (not the business's), on any network."""
    identities = list(person.identities.all())
    return Message.objects.filter(_authored(identities), workspace_id=person.workspace_id).exclude(
        kind=MessageKind.OURS
    )


def their_hits(person: Person) -> QuerySet[Hit]:
    identities = list(person.identities.all())
    return Hit.objects.filter(_authored(identities), workspace_id=person.workspace_id)


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
    mine = their_messages(person)
    # The conversations of every message of theirs: a person has few, whatever their messages.
    conversations = list(mine.order_by().values_list("conversation_id", flat=True).distinct())
    ours = Message.objects.filter(conversation_id__in=conversations, kind=MessageKind.OURS)
    entries = [_message(m) for m in _newest(mine, "sent_at", KINDS["message"], mark, limit + 1)]
    entries += [_message(m) for m in _newest(ours, "sent_at", KINDS["ours"], mark, limit + 1)]
    hits = _newest(their_hits(person), "sent_at", KINDS["hit"], mark, limit + 1)
    entries += [_hit(h) for h in hits]
    notes = Note.objects.filter(conversation_id__in=conversations).select_related(
        "author", "conversation__account"
    )
    entries += [
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
    entries += _corrections(person, entries, mark, limit)
    entries.sort(key=lambda e: (e.at, KINDS[e.kind], e.pk), reverse=True)
    shown = entries[:limit]
    return Page(shown, shown[-1].mark if len(entries) > limit else None)


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
    """How their messages and hits felt, counted by month, over the last `months` months."""
    since = (now - timedelta(days=31 * (months - 1))).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    counts: dict[tuple[datetime, str], int] = {}
    for rows in (their_messages(person), their_hits(person)):
        grouped = (
            rows.filter(sent_at__gte=since)
            .annotate(month=TruncMonth("sent_at", tzinfo=UTC))
            .values("month", "sentiment")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in grouped:
            key = (row["month"].replace(tzinfo=UTC), row["sentiment"])
            counts[key] = counts.get(key, 0) + row["n"]
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
