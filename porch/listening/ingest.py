"""Listening on the generic poller: a source per search (its key is the search's id) and
the sink that stores what it finds as hits.

fetch(client, key, cursor)  the search's page after `cursor`, checked locally against the
                            query whatever the network's own search did; on a network that
                            bills reads, nothing once the search's monthly budget is spent
                            (no error: the account's status is not the search's business),
                            and the reads counted afterwards
prepare(batch)              no transaction held: the posts not stored yet, triaged with the
                            fast tier and judged by the workspace's relevance model
                            (porch.listening.relevance: flagged, never dropped)
store(batch, prepared)      inside the poller's transaction with the cursor: new hits
                            created (once per workspace, network and post) and every post of
                            the page linked to the search, so a post two searches find is
                            one hit with two searches

The firehose's sink (porch/listening/firehose.py) goes the same way for the posts its
matcher finds: `stored`, `own_accounts` and `fresh` pick the new posts, `triage` classifies
them (one call per classifier for every workspace of a batch), `keep` stores them (Catch:
what one workspace keeps, with the searches each post matched).
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from django.db.models import F

from porch.listening import relevance
from porch.listening.models import Hit, Search, SearchHit
from porch.networks.base import ErrorCode, Incoming, NetworkClient, NetworkError, Page
from porch.networks.models import month_start
from porch.networks.poller import Batch, Sink, Source
from porch.networks.query import Query, SearchSyntaxError, parse
from porch.networks.registry import descriptor
from porch.triage.base import Classifier, Intent, Triage
from porch.triage.loading import load_classifier, tier_of
from porch.triage.models import WorkspaceModel
from porch.triage.services import active_model, classifier_for
from porch.workspaces.models import ConnectedAccount, Workspace

LISTENING = "listening"  # the poller's source: one row per (account, search id)


def _search(key: str, *, paused_too: bool = False) -> Search | None:
    found = Search.objects.filter(pk=int(key)) if key.isdigit() else Search.objects.none()
    return (found if paused_too else found.filter(active=True)).first()


def reads_left(search: Search, month: date | None = None) -> int | None:
    """Posts the search may still read this month on networks that bill reads (None: no
    budget of its own; the account's monthly cost cap still applies)."""
    if search.monthly_read_budget is None:
        return None
    used = search.reads_this_month if search.month == (month or month_start()) else 0
    return max(0, search.monthly_read_budget - used)


def count_reads(search: Search, reads: int) -> None:
    """Add `reads` to this month's count (a new month starts from them)."""
    month = month_start()
    same_month = Search.objects.filter(pk=search.pk, month=month)
    if not same_month.update(reads_this_month=F("reads_this_month") + reads):
        Search.objects.filter(pk=search.pk).update(month=month, reads_this_month=reads)


def fetch(client: NetworkClient, key: str, cursor: str) -> Page:
    """The search's next page (see the module); an empty one, cursor kept, when the search
    is gone, paused, or out of budget."""
    search = _search(key)
    paid = descriptor(client.account.network).can.paid_reads
    if search is None or (paid and reads_left(search) == 0):
        return Page([], cursor)
    query, before = _query(search), client.usage.reads
    page = client.search(query, cursor, reads_left(search) if paid else None)
    if paid:
        count_reads(search, client.usage.reads - before)
    kept = [item for item in page.items if query.matches(item.text, item.lang)]
    return Page(kept, page.cursor, page.more)


def _query(search: Search) -> Query:
    """The search's query; one the parser refuses (stored before it checked) fails this
    search's row alone, with the parser's words, instead of the whole poll."""
    try:
        return parse(search.query)
    except SearchSyntaxError as exc:
        text = (
            f"The search {search.name} cannot run: {exc.message.rstrip('.')}. Edit it to mend it."
        )
        raise NetworkError(text, permanent=True, code=ErrorCode.INVALID) from None


LISTENING_SOURCE = Source(LISTENING, fetch)


class Found(NamedTuple):
    item: Incoming
    triage: Triage
    irrelevant: bool = False  # the relevance model would hide it


class Catch(NamedTuple):
    """What one workspace keeps of a batch: its new posts, triaged, and every post of the
    batch it matched (stored already or not) with the ids of the searches that matched it."""

    workspace: Workspace
    found: list[Found]
    matched: Sequence[tuple[Incoming, Collection[int]]]


class Own(NamedTuple):
    """A workspace's own accounts: what the shop posts is not what people say."""

    handles: frozenset[str]  # lower case, without the @, on every network
    ids: frozenset[str]  # the network's ids of its accounts there

    def wrote(self, item: Incoming) -> bool:
        by_id = bool(item.author_id) and item.author_id in self.ids
        return by_id or item.author_handle.lstrip("@").lower() in self.handles


def fast_classifier(workspace: Workspace) -> Classifier:
    """The workspace's own model where it is of the fast tier, else the shipped fast one:
    listening reads many more posts than the inbox (and a model of another tier is not
    loaded only to be set aside: the transformer tier holds a hundred megabytes)."""
    record = active_model(workspace)
    if record is not None and tier_of(Path(record.path)) == "fast":
        found = classifier_for(workspace)
        if found.tier == "fast":
            return found
    return load_classifier("fast")


def fast_classifiers(workspaces: Iterable[Workspace]) -> dict[int, Classifier]:
    """fast_classifier of each workspace, the database asked once which have a model of
    their own (the others share the shipped one, as classifier_for gives it)."""
    workspaces = list(workspaces)
    promoted = WorkspaceModel.objects.filter(workspace__in=workspaces, promoted=True)
    own = set(promoted.values_list("workspace_id", flat=True))
    shipped = load_classifier("fast") if len(own) < len(workspaces) else None
    return {
        ws.pk: fast_classifier(ws) if ws.pk in own or shipped is None else shipped
        for ws in workspaces
    }


def asks(text: str, intent: str) -> bool:
    """Whether a post asks something: triage says so, or it carries a question mark."""
    return intent == Intent.QUESTION or "?" in text


def stored(network: str, posts: Mapping[int, Iterable[Incoming]]) -> set[tuple[int, str]]:
    """(workspace id, external id) of the posts of `posts` (by workspace id) stored as hits."""
    ids = {item.external_id for items in posts.values() for item in items}
    if not ids:
        return set()
    found = Hit.objects.filter(network=network, workspace_id__in=list(posts), external_id__in=ids)
    wanted = {(workspace, item.external_id) for workspace, items in posts.items() for item in items}
    return set(found.values_list("workspace_id", "external_id")) & wanted


def own_accounts(network: str, workspace_ids: Collection[int]) -> dict[int, Own]:
    """Each workspace's own accounts (see Own), in one query."""
    handles: dict[int, set[str]] = {pk: set() for pk in workspace_ids}
    ids: dict[int, set[str]] = {pk: set() for pk in workspace_ids}
    rows = ConnectedAccount.objects.filter(workspace_id__in=list(workspace_ids))
    for workspace, on, handle, external_id in rows.values_list(
        "workspace_id", "network", "handle", "external_id"
    ):
        handles[workspace].add(handle.lstrip("@").lower())
        if on == network and external_id:
            ids[workspace].add(external_id)
    return {pk: Own(frozenset(handles[pk]), frozenset(ids[pk])) for pk in workspace_ids}


def fresh(items: Iterable[Incoming], known: Collection[str], own: Own) -> list[Incoming]:
    """The posts not stored yet (each once) and not the shop's own."""
    seen, kept = set(known), []
    for item in items:
        if item.external_id not in seen and not own.wrote(item):
            seen.add(item.external_id)
            kept.append(item)
    return kept


def triage(batches: Sequence[tuple[Workspace, Sequence[Incoming]]]) -> list[list[Found]]:
    """Each workspace's posts classified with its fast classifier (one call for all the
    workspaces that share one) and judged by its relevance model."""
    classifiers = fast_classifiers(ws for ws, items in batches if items)
    texts: dict[int, list[str]] = {}  # id of a classifier -> the texts it classifies
    for ws, items in batches:
        if items:
            texts.setdefault(id(classifiers[ws.pk]), []).extend(item.text for item in items)
    distinct = {id(c): c for c in classifiers.values()}
    shared = {key: iter(c.classify(texts[key])) for key, c in distinct.items()}
    out = []
    for ws, items in batches:
        results = [next(shared[id(classifiers[ws.pk])]) for _ in items] if items else []
        judged = relevance.judge(ws.pk, [item.text for item in items])
        out.append([Found(*found) for found in zip(items, results, judged, strict=True)])
    return out


def prepare(batch: Batch) -> list[Found]:
    """The posts not stored yet (each once) and not the shop's own, classified in one
    batch."""
    workspace, network = batch.account.workspace, batch.account.network
    known = {post for _, post in stored(network, {workspace.pk: batch.items})}
    own = own_accounts(network, [workspace.pk])[workspace.pk]
    (found,) = triage([(workspace, fresh(batch.items, known, own))])
    return found


def _hit(workspace: Workspace, network: str, found: Found) -> Hit:
    item, result, irrelevant = found
    return Hit(
        workspace=workspace,
        network=network,
        external_id=item.external_id,
        author_handle=item.author_handle,
        author_name=item.author_name,
        author_id=item.author_id,
        text=item.text,
        url=item.url,
        sent_at=item.sent_at,
        lang=item.lang,
        intent=result.intent,
        sentiment=result.sentiment,
        sentiment_score=result.sentiment_score,
        urgency=result.urgency,
        is_question=asks(item.text, result.intent),
        quotes_id=item.quote_of,
        reposts_id=item.repost_of,
        judged_irrelevant=irrelevant,
    )


LINKS = (("quote_of", "quotes_id"), ("repost_of", "reposts_id"))


def _link_quotes(network: str, posts: Mapping[int, Sequence[Incoming]]) -> None:
    """A quote or repost points at the hit of the post it quotes or reposts, in its
    workspace: the posts' quotes at hits stored already, and earlier quotes at the posts."""
    ids = {item.external_id for items in posts.values() for item in items}
    hits = Hit.objects.filter(network=network, workspace_id__in=list(posts))
    for link, kept in LINKS:
        links = {str(getattr(item, link)) for items in posts.values() for item in items}
        unlinked = hits.filter(**{f"{kept}__in": ids | links - {""}, f"{link}__isnull": True})
        referred = {
            pk: (ws, post) for pk, ws, post in unlinked.values_list("pk", "workspace_id", kept)
        }
        if not referred:
            continue
        wanted = hits.filter(external_id__in={post for _, post in referred.values()})
        targets = {
            (ws, post): pk
            for ws, post, pk in wanted.values_list("workspace_id", "external_id", "pk")
        }
        for pk, target in referred.items():
            if target in targets:
                hits.filter(pk=pk).update(**{f"{link}_id": targets[target]})


def keep(network: str, catches: Sequence[Catch]) -> int:
    """Inside the caller's transaction: the new hits created (once per workspace, network
    and post), each matched post linked to its searches, quotes and reposts linked; how
    many hits were new. The poller's sink and the firehose's both store through here."""
    known = stored(network, {c.workspace.pk: [f.item for f in c.found] for c in catches})
    new = [
        _hit(c.workspace, network, found)
        for c in catches
        for found in c.found
        if (c.workspace.pk, found.item.external_id) not in known
    ]
    Hit.objects.bulk_create(new, ignore_conflicts=True)
    posts = {c.workspace.pk: [item for item, _ in c.matched] for c in catches}
    ids = {item.external_id for items in posts.values() for item in items}
    hits = Hit.objects.filter(network=network, workspace_id__in=list(posts), external_id__in=ids)
    rows = hits.values_list("workspace_id", "external_id", "pk", "sent_at")
    found = {(ws, post): (pk, sent_at) for ws, post, pk, sent_at in rows}
    links = [
        SearchHit(search_id=search, hit_id=hit, sent_at=sent_at)
        for c in catches
        for item, searches in c.matched
        if (c.workspace.pk, item.external_id) in found
        for hit, sent_at in [found[c.workspace.pk, item.external_id]]
        for search in searches
    ]
    SearchHit.objects.bulk_create(links, ignore_conflicts=True)
    _link_quotes(network, posts)
    return len(new)


def store(batch: Batch, prepared: list[Found]) -> int:
    """Store the new hits and link the page's posts to the search; how many hits were new.
    A search paused while its page was fetched still gets the page: its cursor moves on."""
    search = _search(batch.key, paused_too=True)
    if search is None:
        return 0
    matched: list[tuple[Incoming, Collection[int]]] = [(item, (search.pk,)) for item in batch.items]
    return keep(batch.account.network, [Catch(batch.account.workspace, prepared, matched)])


LISTENING_SINK: Sink[list[Found]] = Sink(prepare, store)
