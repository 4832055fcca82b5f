"""Listening on a network's firehose (porch/networks/firehose.py): every post the stream
carries is matched against every workspace's active searches on that network at once, and
what matches is triaged and stored as hits the way the poller's listening sink stores them
(porch/listening/ingest.py: one path for both).

Matcher(watched)         the searches compiled into one Aho-Corasick automaton: for each
                         clause of a search's query (Query.literals) its longest positive
                         atom's `anchor` is a key (folded word or phrase, '#tag', '@handle')
                         mapping to the searches; a post's candidates are the searches one
                         of whose keys occurs in its folded text between non-word
                         characters, and each candidate's query decides (matches_folded)
unanchored(query)        a clause with no atom that must appear cannot be looked for: such
                         a search is not matched on the stream (the API search still runs
                         it); `stream_note(search)` says so on the listening page
matcher(network)         the current Matcher of the network's searches, rebuilt when they
                         changed (`version`: looked at every CHECK_EVERY seconds at most, and
                         at once after a Search is saved or deleted in this process)
prepare(arrivals)        the matched posts by workspace, less the workspace's own posts and
                         those stored already, triaged (ingest.triage); no transaction
store(arrivals, ready)   ingest.keep inside the stream's transaction, for the searches that
                         still exist
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache
from time import monotonic
from typing import Any

import ahocorasick  # type: ignore[import-not-found]
from django.conf import settings
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from porch.listening.ingest import Catch, fresh, keep, own_accounts, stored, triage
from porch.listening.models import Search
from porch.networks import registry
from porch.networks.base import Incoming, StreamPost
from porch.networks.firehose import Arrivals, FirehoseSink, with_authors
from porch.networks.models import FirehoseState
from porch.networks.query import Query, SearchSyntaxError, anchor, fold, parse, spaced
from porch.workspaces.models import Workspace

CHECK_EVERY = 5.0  # seconds between looks at whether the searches changed


@dataclass(frozen=True)
class Watched:
    """A search as the matcher knows it."""

    search: int
    workspace: int
    query: Query


@lru_cache(maxsize=16_384)
def keys(query: Query) -> frozenset[str] | None:
    """One key per clause (its longest positive atom's anchor); None when a clause has
    none, so that the query cannot be looked for."""
    found = set()
    try:
        clauses = query.literals
    except SearchSyntaxError:  # too many clauses: parse refuses such a query
        return None
    for clause in clauses:
        anchors = [anchor(literal.atom) for literal in clause if not literal.negated]
        best = max(anchors, key=len, default="")
        if not best:
            return None
        found.add(best)
    return frozenset(found)


def unanchored(query: Query) -> bool:
    """Whether some clause of the query has no word that must appear (only exclusions)."""
    return keys(query) is None


class Matcher:
    """Every watched search at once; match(post) -> the ids of the searches it matches."""

    def __init__(self, watched: Iterable[Watched]) -> None:
        self.queries: dict[int, Query] = {}
        self.workspace_of: dict[int, int] = {}
        wanted: dict[str, set[int]] = {}
        for one in watched:
            found = keys(one.query)
            if found is None:
                continue
            self.queries[one.search] = one.query
            self.workspace_of[one.search] = one.workspace
            for key in found:
                wanted.setdefault(key, set()).add(one.search)
        self.automaton = ahocorasick.Automaton()
        for key, searches in wanted.items():
            self.automaton.add_word(key, (len(key), frozenset(searches)))
        if wanted:
            self.automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.queries)

    def match(self, post: StreamPost) -> list[int]:
        return self.match_text(post.item.text, post.item.lang)

    def match_text(self, text: str, lang: str | None = None) -> list[int]:
        """The ids of the searches whose queries match the text, in increasing order."""
        if not self.queries:
            return []
        folded = fold(text)
        candidates = self.candidates(spaced(folded))
        return sorted(s for s in candidates if self.queries[s].matches_folded(folded, lang))

    def candidates(self, text: str) -> set[int]:
        """The searches one of whose keys is in the (spaced, folded) text as whole words."""
        found: set[int] = set()
        padded = f" {text} "  # a key's neighbours are always there
        for end, (length, searches) in self.automaton.iter(padded):
            before, after = padded[end - length], padded[end + 1]
            if not (before.isalnum() or after.isalnum() or "_" in (before, after)):
                found |= searches  # \w is isalnum() and _
        return found


# -- the network's current matcher ----------------------------------------------------


@lru_cache(maxsize=16_384)
def _parsed(text: str) -> Query | None:
    try:
        return parse(text)
    except SearchSyntaxError:
        return None


def version() -> tuple[Any, ...]:
    """Changes whenever a search is added, changed, paused, resumed or removed."""
    active = Search.objects.filter(active=True)  # a pause or resume is an UPDATE: the set
    found = active.aggregate(  # of ids tells it (its size and first two moments)
        count=Count("pk"), ids=Sum("pk"), squares=Sum(F("pk") * F("pk")), changed=Max("updated_at")
    )
    return tuple(found[name] for name in ("count", "ids", "squares", "changed"))


def build(network: str) -> Matcher:
    """The Matcher of every active search on `network`, of every workspace."""
    rows = Search.objects.filter(active=True).values_list("pk", "workspace_id", "query", "networks")
    watched = []
    for pk, workspace, text, networks in rows:
        query = _parsed(text) if isinstance(networks, list) and network in networks else None
        if query is not None:
            watched.append(Watched(pk, workspace, query))
    return Matcher(watched)


@dataclass(frozen=True)
class _Built:
    version: tuple[Any, ...]
    matcher: Matcher
    checked: float  # monotonic() of the last look at the version


_built: dict[str, _Built] = {}


def matcher(network: str) -> Matcher:
    """The network's Matcher, rebuilt when the searches changed (see the module)."""
    now = monotonic()
    held = _built.get(network)
    if held is not None and now - held.checked < CHECK_EVERY:
        return held.matcher
    seen = version()  # before reading the searches: a change meanwhile rebuilds next time
    found = held.matcher if held is not None and held.version == seen else build(network)
    _built[network] = _Built(seen, found, now)
    return found


def forget(**_: object) -> None:
    """Rebuild every matcher at its next use (connected to Search's post_save/post_delete)."""
    _built.clear()


def streaming() -> bool:
    """Whether this install reads a firehose: its workers do (PORCH_FIREHOSE), or one was
    read within the last minute (`porch stream`)."""
    recent = timezone.now() - timedelta(minutes=1)
    return settings.FIREHOSE or FirehoseState.objects.filter(updated_at__gte=recent).exists()


def stream_note(search: Search, reading: bool | None = None) -> str:
    """What the listening page says of a search on a network with a firehose that this
    install reads (`reading`: streaming(), when the caller asked already); "" otherwise."""
    live = {network.name for network in registry.descriptors() if network.firehose}
    if not live.intersection(search.networks):
        return ""
    if not (streaming() if reading is None else reading):
        return ""
    query = _parsed(search.query)
    if query is None:
        return "not on the live stream: edit it to mend it"
    if unanchored(query):
        return "not on the live stream: it has no word to look for"
    return "live"


# -- the sink ------------------------------------------------------------------------


def _authored(item: Incoming) -> Incoming:
    """The stream may not say the author's handle: its id stands for it until known."""
    return item if item.author_handle else replace(item, author_handle=item.author_id)


Matched = dict[
    int, dict[str, tuple[Incoming, set[int]]]
]  # workspace -> post id -> (post, searches)


def _matched(arrivals: Arrivals) -> Matched:
    """The posts some search matched, by workspace, with the ids of those searches."""
    current = matcher(arrivals.network)
    found = [(post, searches) for post in arrivals.posts if (searches := current.match(post))]
    named = with_authors(arrivals.network, [post for post, _ in found])  # handles, where told
    by_workspace: Matched = {}
    for post, (_, searches) in zip(named, found, strict=True):
        item = _authored(post.item)
        for search in searches:
            posts = by_workspace.setdefault(current.workspace_of[search], {})
            posts.setdefault(item.external_id, (item, set()))[1].add(search)
    return by_workspace


def prepare(arrivals: Arrivals) -> list[Catch]:
    """What each workspace keeps of the batch (see the module); no transaction held."""
    by_workspace, network = _matched(arrivals), arrivals.network
    if not by_workspace:
        return []
    workspaces = Workspace.objects.in_bulk(list(by_workspace))
    own = own_accounts(network, list(by_workspace))
    posts = {ws: [item for item, _ in found.values()] for ws, found in by_workspace.items()}
    known = stored(network, posts)
    kept: list[tuple[Workspace, list[Incoming], Sequence[tuple[Incoming, Collection[int]]]]] = []
    for pk, found in by_workspace.items():
        if pk not in workspaces:
            continue  # removed meanwhile
        ids = {post for ws, post in known if ws == pk}
        matched = [(item, s) for item, s in found.values() if not own[pk].wrote(item)]
        kept.append((workspaces[pk], fresh(posts[pk], ids, own[pk]), matched))
    triaged = triage([(workspace, new) for workspace, new, _ in kept])
    return [
        Catch(ws, found, matched) for (ws, _, matched), found in zip(kept, triaged, strict=True)
    ]


def store(arrivals: Arrivals, prepared: list[Catch]) -> int:
    """The hits of the batch stored (ingest.keep), for the searches that still exist; how
    many were new."""
    wanted = {search for c in prepared for _, searches in c.matched for search in searches}
    if not wanted:
        return 0
    live = set(Search.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    catches = []
    for catch in prepared:  # a post whose searches all went meanwhile is not kept
        matched = [(item, kept) for item, s in catch.matched if (kept := set(s) & live)]
        ids = {item.external_id for item, _ in matched}
        found = [one for one in catch.found if one.item.external_id in ids]
        if matched:
            catches.append(Catch(catch.workspace, found, matched))
    return keep(arrivals.network, catches)


LISTENING_FIREHOSE: FirehoseSink[list[Catch]] = FirehoseSink(prepare, store)
