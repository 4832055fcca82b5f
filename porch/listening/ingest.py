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
"""

from collections.abc import Sequence
from datetime import date
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
from porch.triage.loading import load_classifier
from porch.triage.services import classifier_for
from porch.workspaces.models import Workspace

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


def fast_classifier(workspace: Workspace) -> Classifier:
    """The workspace's own model where it is of the fast tier, else the shipped fast one:
    listening reads many more posts than the inbox."""
    found = classifier_for(workspace)
    return found if found.tier == "fast" else load_classifier("fast")


def asks(text: str, intent: str) -> bool:
    """Whether a post asks something: triage says so, or it carries a question mark."""
    return intent == Intent.QUESTION or "?" in text


def _known(workspace: Workspace, network: str, items: Sequence[Incoming]) -> set[str]:
    ids = [item.external_id for item in items]
    found = Hit.objects.filter(workspace=workspace, network=network, external_id__in=ids)
    return set(found.values_list("external_id", flat=True))


def own_handles(workspace: Workspace) -> set[str]:
    """The workspace's own accounts' handles: what the shop posts is not what people say."""
    handles = workspace.accounts.values_list("handle", flat=True)
    return {handle.lstrip("@").lower() for handle in handles}


def prepare(batch: Batch) -> list[Found]:
    """The posts not stored yet (each once) and not the shop's own, classified in one
    batch."""
    account = batch.account
    known, fresh = _known(account.workspace, account.network, batch.items), []
    own = own_handles(account.workspace)
    known |= {
        item.external_id for item in batch.items if item.author_handle.lstrip("@").lower() in own
    }
    for item in batch.items:
        if item.external_id not in known:
            known.add(item.external_id)
            fresh.append(item)
    if not fresh:
        return []
    texts = [item.text for item in fresh]
    results = fast_classifier(account.workspace).classify(texts)
    judged = relevance.judge(account.workspace.pk, texts)
    return [Found(*found) for found in zip(fresh, results, judged, strict=True)]


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


def _link_quotes(workspace: Workspace, network: str, items: Sequence[Incoming]) -> None:
    """A quote or repost points at the hit of the post it quotes or reposts: the page's
    quotes at hits stored already, and earlier quotes at the page's posts."""
    ids = {item.external_id for item in items}
    hits = Hit.objects.filter(workspace=workspace, network=network)
    for link, kept in LINKS:
        wanted = ids | {str(getattr(item, link)) for item in items} - {""}
        unlinked = hits.filter(**{f"{kept}__in": wanted, f"{link}__isnull": True})
        referred = dict(unlinked.values_list("pk", kept))
        if not referred:
            continue
        targets = dict(
            hits.filter(external_id__in=set(referred.values())).values_list("external_id", "pk")
        )
        for pk, external_id in referred.items():
            if external_id in targets:
                hits.filter(pk=pk).update(**{f"{link}_id": targets[external_id]})


def store(batch: Batch, prepared: list[Found]) -> int:
    """Store the new hits and link the page's posts to the search; how many hits were new.
    A search paused while its page was fetched still gets the page: its cursor moves on."""
    search = _search(batch.key, paused_too=True)
    if search is None:
        return 0
    workspace, network = batch.account.workspace, batch.account.network
    known = _known(workspace, network, [found.item for found in prepared])
    fresh = [
        _hit(workspace, network, found) for found in prepared if found.item.external_id not in known
    ]
    Hit.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = [item.external_id for item in batch.items]
    hits = Hit.objects.filter(workspace=workspace, network=network, external_id__in=ids)
    links = [SearchHit(search=search, hit=hit, sent_at=hit.sent_at) for hit in hits]
    SearchHit.objects.bulk_create(links, ignore_conflicts=True)
    _link_quotes(workspace, network, batch.items)
    return len(fresh)


LISTENING_SINK: Sink[list[Found]] = Sink(prepare, store)
