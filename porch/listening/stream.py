"""The stream pages' reading: hits newest first, filtered, without the muted ones and those
marked not relevant, one page at a time by keyset (sent_at, pk) so that a page of a
million hits reads as fast as a page of ten.

Filters(network, intent, sentiment, questions, hidden)
                                                 what the page's form chose ("" = any);
                                                 hidden: only the hits marked not relevant
                                                 or judged so (to restore one), not muted
Mark.parse(text) / Mark.text                     the page cursor: the last hit shown
stream_page(member, search, filters, after)      StreamPage: the hits, the next cursor and
                                                 how many hits the page's stretch hides
                                                 (muted or marked; not those judged_hidden
                                                 counts)
stream_rows(member, search, filters)             every hit the page lists (the API pages them)
judged_hidden(member, search, filters)           how many hits the relevance model hides
hidden_by(workspace)                             what the streams hide (What people say and the
                                                 spike alerts count without it too)
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import CharField, F, Q, QuerySet
from django.db.models.functions import Cast

from porch.core.params import parse_choice, parse_int
from porch.listening.models import Hit, HitMark, Mute, MuteKind, Search
from porch.listening.services import hits_of
from porch.networks import registry
from porch.triage.base import INTENTS, SENTIMENTS
from porch.workspaces.models import Membership, Workspace

PAGE_SIZE = 30
FILTERS = ("network", "intent", "sentiment", "questions", "hidden")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_MAX = 2**62  # far beyond the year 9999 in microseconds since 1970


@dataclass(frozen=True)
class Filters:
    network: str = ""
    intent: str = ""
    sentiment: str = ""
    questions: bool = False
    hidden: bool = False

    @classmethod
    def parse(cls, raw: dict[str, str]) -> "Filters":
        """The filters from a query string; a value that cannot match is dropped."""
        networks = [name for name, _ in registry.choices()]
        return cls(
            network=parse_choice(raw.get("network"), networks, ""),
            intent=parse_choice(raw.get("intent"), INTENTS, ""),
            sentiment=parse_choice(raw.get("sentiment"), SENTIMENTS, ""),
            questions=raw.get("questions", "") == "1",
            hidden=raw.get("hidden", "") == "1",
        )

    @property
    def query(self) -> str:
        """The filters as a query string (for the next page's link)."""
        chosen = {
            "network": self.network,
            "intent": self.intent,
            "sentiment": self.sentiment,
            "questions": "1" if self.questions else "",
            "hidden": "1" if self.hidden else "",
        }
        return "&".join(f"{key}={value}" for key, value in chosen.items() if value)

    def apply(self, hits: QuerySet[Hit]) -> QuerySet[Hit]:
        chosen = {"intent": self.intent, "sentiment": self.sentiment}
        hits = hits.filter(**{field: value for field, value in chosen.items() if value})
        if self.network:
            # Compared as an expression: SQLite would otherwise sort every hit of the
            # network (its unique index on workspace and network) instead of walking the
            # stream's index newest first and stopping at a page.
            as_text = Cast("network", output_field=CharField())
            hits = hits.alias(on_network=as_text).filter(on_network=self.network)
        return hits.filter(is_question=True) if self.questions else hits


@dataclass(frozen=True)
class Mark:
    """Where a page ends: the sort key of its last hit."""

    sent_at: datetime
    pk: int

    @classmethod
    def parse(cls, raw: str | None) -> "Mark | None":
        """`<microseconds since 1970>.<pk>`, else None (the first page). Whole numbers
        both ways: a float of seconds would lose microseconds, and a page its place."""
        micros, _, pk = (raw or "").partition(".")
        when, key = parse_int(micros, 0, MICROS_MAX), parse_int(pk, 1, 2**63 - 1)
        if when is None or key is None:
            return None
        try:
            at = EPOCH + timedelta(microseconds=when)
        except OverflowError:  # past the year 9999
            return None
        return cls(at, key)

    @classmethod
    def of(cls, hit: Hit) -> "Mark":
        return cls(getattr(hit, "stream_at", None) or hit.sent_at, hit.pk)

    @property
    def text(self) -> str:
        micros = (self.sent_at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.pk}"


@dataclass(frozen=True)
class StreamPage:
    hits: list[Hit]
    next: Mark | None  # None: this is the last page
    hidden: int  # hits in this page's stretch of the stream that are not shown


def _field(search: Search | None) -> str:
    """The column the stream is ordered by: one search's copy of sent_at (its index)."""
    return "searchhit__sent_at" if search is not None else "sent_at"


def _older(search: Search | None, mark: Mark) -> Q:
    """Hits after `mark` in the stream's order (older, or as old with a smaller pk). The
    plain bound first: the databases walk the stream's index from it, the rest a filter."""
    field = _field(search)
    pk = Q(pk__lt=mark.pk)
    after = Q(**{f"{field}__lt": mark.sent_at}) | (Q(**{field: mark.sent_at}) & pk)
    return Q(**{f"{field}__lte": mark.sent_at}) & after


def _newer(search: Search | None, mark: Mark) -> Q:
    """Hits up to `mark` in the stream's order, it included (newer, or as new with a
    larger or the same pk): a page's stretch, not the rest of the stream."""
    field = _field(search)
    same = Q(**{field: mark.sent_at}) & Q(pk__gte=mark.pk)
    return Q(**{f"{field}__gte": mark.sent_at}) & (Q(**{f"{field}__gt": mark.sent_at}) | same)


def _rows(member: Membership, search: Search | None, where: Q) -> QuerySet[Hit]:
    """The workspace's (or one search's) hits meeting `where`, newest first. One search's
    conditions go in one filter() so that they share one join of SearchHit."""
    hits = Hit.objects.filter(workspace=member.workspace)
    if search is None:
        return hits.filter(where).order_by("-sent_at", "-pk")
    hits_of(member, search)  # the workspace's own search, else NotAllowed
    found = hits.filter(Q(searchhit__search=search) & where)
    return found.annotate(stream_at=F("searchhit__sent_at")).order_by("-stream_at", "-pk")


def _muted(workspace: Workspace) -> Q | None:
    """The workspace's muted authors and words (None: nothing is muted)."""
    muted = None
    for kind, value in Mute.objects.filter(workspace=workspace).values_list("kind", "value"):
        one = (
            Q(author_handle__iexact=value) if kind == MuteKind.AUTHOR else Q(text__icontains=value)
        )
        muted = one if muted is None else muted | one
    return muted


def hidden_by(workspace: Workspace) -> Q:
    """The hits the workspace does not want to see: muted authors and words, those marked
    not relevant, and those the relevance model judged so (porch.listening.relevance)."""
    hidden = Q(marks__relevant=False) | Q(judged_irrelevant=True)
    muted = _muted(workspace)
    return hidden | muted if muted is not None else hidden


def _judged(workspace: Workspace) -> Q:
    """The hits hidden as the relevance model judged them, and not muted: the ones that
    judged_hidden counts and the hidden view lists (a muted one is the mutes' to show)."""
    muted = _muted(workspace)
    return Q(judged_irrelevant=True) & ~muted if muted is not None else Q(judged_irrelevant=True)


def _shown(member: Membership, search: Search | None, filters: Filters, where: Q) -> QuerySet[Hit]:
    """The hits the page lists: those not hidden, or (filters.hidden) just those marked not
    relevant or judged so, to restore one; muted ones are in neither (the mutes list)."""
    rows = filters.apply(_rows(member, search, where))
    if not filters.hidden:
        return rows.exclude(hidden_by(member.workspace))
    marked = HitMark.objects.filter(relevant=False).values("hit")
    rows = rows.filter(Q(pk__in=marked) | Q(judged_irrelevant=True))
    muted = _muted(member.workspace)
    return rows.exclude(muted) if muted is not None else rows


def stream_page(
    member: Membership, search: Search | None, filters: Filters, after: Mark | None
) -> StreamPage:
    """One page of the stream after `after` (the first page when None); see the module.
    Its `hidden` leaves out the hits judged_hidden counts, so that no hit is counted twice."""
    where = _older(search, after) if after is not None else Q()
    found = list(_shown(member, search, filters, where)[: PAGE_SIZE + 1])
    page, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    last = Mark.of(page[-1]) if more else None
    if filters.hidden:
        return StreamPage(page, last, 0)
    stretch = where & _newer(search, last) if last is not None else where
    every = filters.apply(_rows(member, search, stretch)).exclude(_judged(member.workspace))
    return StreamPage(page, last, every.count() - len(page))


def stream_rows(member: Membership, search: Search | None, filters: Filters) -> QuerySet[Hit]:
    """Every hit the stream lists with `filters`, for a caller that pages them itself (the
    API: porch.api.pagination)."""
    return _shown(member, search, filters, Q())


def judged_hidden(member: Membership, search: Search | None, filters: Filters | None = None) -> int:
    """Hits of the stream (one search's, or all; filtered as the page is) that the
    relevance model hides (and no mute does)."""
    rows = _rows(member, search, _judged(member.workspace))
    return (filters or Filters()).apply(rows).count()
