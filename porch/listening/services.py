"""What the listening pages, the plan and the API do with searches and hits.

create_search, edit_search, pause_search, delete_search   an owner or manager; the query
            is checked by the parser (porch.networks.query) and each network must be able
            to search (its descriptor's can.search)
searches_of, hits_of   any member
take_to_inbox          any member: the hit becomes an inbox conversation, its first message
reply                  any member: take_to_inbox, then the inbox's reply (outbox, approval)
answer_askers          any member: one reply to each person who asked a recurring question
engage                 an owner or manager: like or repost the hit, or follow its author
mute, unmute           an owner or manager: an author's or a word's hits leave the streams
mark_not_relevant      any member: the hit leaves the streams (the relevance model's lesson)
mark_relevant          any member: a hidden hit (marked, or judged by the model) is back
week_counts, conversations_of   figures for the listening pages
looking                any member: when the search last looked on each network, and why
            it stopped there if it did (a search's failure is its own, not the account's)
plan_searches          the plan's accept: its searches, on the plan's networks that search
keep_following         the poller's rows in step with a search: one per network it runs
            on (the workspace's first account there), none while it is paused

A refusal by role is NotAllowed; anything else refused is a PorchError whose message the
page shows.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from porch.errors import Conflict, InputError, NotAllowed
from porch.inbox import services as inbox
from porch.inbox.models import Conversation, Message, Reply
from porch.listening.ingest import LISTENING
from porch.listening.models import Hit, HitMark, Mute, MuteKind, Search, SearchHit, SearchKind
from porch.networks.base import Incoming, NetworkDescriptor
from porch.networks.models import SyncState
from porch.networks.poller import follow
from porch.networks.query import parse
from porch.networks.registry import descriptor
from porch.networks.sync import client_for
from porch.triage.base import Triage
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace


def _manager(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can change the searches.")


def _in_workspace(member: Membership, found: Search | Hit) -> None:
    if found.workspace_id != member.workspace_id:
        raise NotAllowed("This search is not in your workspace.")


def check_networks(networks: Iterable[str]) -> list[str]:
    """The networks, each once, in the order given; InputError for one that cannot search."""
    chosen = list(dict.fromkeys(networks))
    if not chosen:
        raise InputError("Choose at least one network to search.")
    for name in chosen:
        try:
            network = descriptor(name)
        except ValueError:
            raise InputError(f"{name} is not a network Porch knows.") from None
        if not network.can.search:
            raise InputError(f"{network.label}s cannot be searched: choose another network.")
    return chosen


def _budget(budget: int | None) -> int | None:
    if budget is not None and budget < 0:
        raise InputError("A monthly read budget is a number of posts, 0 or more.")
    return budget


def _kind(kind: str) -> str:
    if kind not in SearchKind.values:
        raise InputError(f"{kind} is not a kind of search.")
    return kind


TWICE = "A search for exactly this is there already: change the query or its kind."


def _unique(member: Membership, query: str, kind: str, search: Search | None = None) -> None:
    """Conflict when another of the workspace's searches of this kind says the same (in
    other capitals or spacing: "Rye  bread" is "rye bread")."""
    others = Search.objects.filter(workspace=member.workspace, kind=kind)
    if search is not None:
        others = others.exclude(pk=search.pk)
    said = _said(query)
    if any(_said(other) == said for other in others.values_list("query", flat=True)):
        raise Conflict(TWICE)


def _said(query: str) -> str:
    """What a query says, whatever its capitals and spacing (a stored one the parser now
    refuses: its text)."""
    try:
        return parse(query).to_text().casefold()
    except InputError:
        return query.casefold()


@contextmanager
def _once() -> Iterator[None]:
    """A second request saving the same search at the same moment: the unique constraint
    refuses it, and the owner reads why."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict(TWICE) from None


def _clean(name: str, query: str) -> tuple[str, str]:
    query = query.strip()
    parse(query)  # SearchSyntaxError (an InputError) says what to fix
    return (name.strip() or query)[:100], query


@transaction.atomic
def create_search(
    member: Membership,
    name: str,
    query: str,
    kind: str,
    networks: Sequence[str],
    budget: int | None = None,
) -> Search:
    _manager(member)
    name, query = _clean(name, query)
    _unique(member, query, kind)
    with _once():
        search = Search.objects.create(
            workspace=member.workspace,
            name=name,
            query=query,
            kind=_kind(kind),
            networks=check_networks(networks),
            monthly_read_budget=_budget(budget),
            created_by=member.user,
        )
    keep_following(search)
    return search


@transaction.atomic
def edit_search(
    member: Membership,
    search: Search,
    name: str,
    query: str,
    kind: str,
    networks: Sequence[str],
    budget: int | None = None,
) -> Search:
    """Change a search; a changed query starts its runs afresh (new cursors)."""
    _manager(member)
    _in_workspace(member, search)
    name, query = _clean(name, query)
    _unique(member, query, kind, search)
    if query != search.query:
        unfollow(search)
    search.name, search.query, search.kind = name, query, _kind(kind)
    search.networks, search.monthly_read_budget = check_networks(networks), _budget(budget)
    with _once():
        search.save()
    keep_following(search)
    return search


def pause_search(member: Membership, search: Search, active: bool = False) -> Search:
    """Pause a search (its cursors are kept for when it resumes), or resume it."""
    _manager(member)
    _in_workspace(member, search)
    Search.objects.filter(pk=search.pk).update(active=active, updated_at=timezone.now())
    search.active = active  # (updated_at tells the stream's matcher the searches changed)
    keep_following(search)
    return search


@transaction.atomic
def delete_search(member: Membership, search: Search) -> None:
    """Remove a search; its hits stay for the other searches that found them, and those
    someone marked stay as the relevance model's lessons."""
    _manager(member)
    _in_workspace(member, search)
    unfollow(search)
    search.delete()
    orphans = Hit.objects.filter(workspace=member.workspace, searches__isnull=True)
    orphans.filter(marks__isnull=True).delete()


def searches_of(member: Membership) -> QuerySet[Search]:
    return Search.objects.filter(workspace=member.workspace)


def hits_of(member: Membership, search: Search | None = None) -> QuerySet[Hit]:
    """The workspace's hits (or one search's), newest first."""
    if search is not None:
        _in_workspace(member, search)
        return search.hits.order_by("-searchhit__sent_at", "-pk")
    return Hit.objects.filter(workspace=member.workspace).order_by("-sent_at", "-pk")


def _rows(search: Search) -> QuerySet[SyncState]:
    return SyncState.objects.filter(
        source=LISTENING, key=str(search.pk), account__workspace=search.workspace_id
    )


class Looking(NamedTuple):
    """How a search fares on one network: when it last looked, and why it stopped if so."""

    network: str
    handle: str
    last_looked: datetime | None
    error: str


def looking(member: Membership, search: Search) -> list[Looking]:
    """The search's poller rows, one per network it runs on with an account."""
    _in_workspace(member, search)
    rows = _rows(search).select_related("account").order_by("account__network")
    return [
        Looking(
            descriptor(row.account.network).label,
            row.account.handle,
            row.last_synced_at,
            row.last_error if row.failures else "",
        )
        for row in rows
    ]


def unfollow(search: Search) -> None:
    _rows(search).delete()


def keep_following(search: Search) -> None:
    """The poller's rows for the search (see the module); a paused search's stay, not due,
    so that it resumes where it stopped."""
    if not search.active:
        return None
    wanted = []
    for network in search.networks:
        account = (
            ConnectedAccount.objects.filter(workspace=search.workspace_id, network=network)
            .order_by("pk")
            .first()
        )
        if account is not None:
            wanted.append(follow(account, LISTENING, str(search.pk)).pk)
    _rows(search).exclude(pk__in=wanted).delete()
    return None


def plan_searches(
    member: Membership, searches: Sequence[Mapping[str, Any]], networks: Sequence[str]
) -> int:
    """The plan's searches (query, kind, and the networks each runs on, else the plan's) on
    those networks that can search, each once however often the plan is accepted; how many
    were new. One the parser refuses, or with no network that can search, is left out."""
    _manager(member)
    made = 0
    for found in searches:
        searchable = [name for name in found.get("networks") or networks if _searchable(name)]
        if not searchable:
            continue
        query = str(found["query"]).strip()[:512]
        kind = found["kind"] if found["kind"] in SearchKind.values else SearchKind.OTHER
        try:
            parse(query)
        except InputError:
            continue
        search, created = Search.objects.get_or_create(
            workspace=member.workspace,
            query=query,
            kind=kind,
            defaults={"name": query[:100], "networks": searchable, "created_by": member.user},
        )
        made += created
        keep_following(search)
    return made


def _searchable(name: str) -> bool:
    try:
        return descriptor(name).can.search
    except ValueError:
        return False


def take_to_inbox(member: Membership, hit: Hit) -> Conversation:
    """The hit as an inbox conversation whose first message it is, on the workspace's
    account of its network (so the response clock and saved replies work); taking it again
    gives the same conversation."""
    _in_workspace(member, hit)
    account = _account_for(member, hit, "the inbox answers from it")
    item = Incoming(
        external_id=hit.external_id,
        kind="mention",
        author_handle=hit.author_handle,
        author_name=hit.author_name,
        text=hit.text,
        sent_at=hit.sent_at,
        url=hit.url,
        author_id=hit.author_id,
    )
    triage = Triage(hit.intent, {}, hit.sentiment, hit.sentiment_score, hit.urgency)
    return inbox.take_in(member, account, item, triage)


def _network_of(hit: Hit) -> NetworkDescriptor:
    """The hit's network; Conflict when Porch no longer has it installed (settings.NETWORKS)."""
    try:
        return descriptor(hit.network)
    except ValueError:
        raise Conflict(
            f"Porch no longer has {hit.network} installed: it cannot act on this post."
        ) from None


def _account_for(member: Membership, hit: Hit, why: str) -> ConnectedAccount:
    """The workspace's (first) account on the hit's network; Conflict when it has none, or
    when the network is no longer installed."""
    label = _network_of(hit).label
    account = (
        ConnectedAccount.objects.filter(workspace=member.workspace, network=hit.network)
        .order_by("pk")
        .first()
    )
    if account is None:
        raise Conflict(f"Connect a {label} account first: {why}.")
    return account


ENGAGE_ACTIONS = ("like", "repost", "follow")


def engage(member: Membership, hit: Hit, action: str) -> None:
    """Like or repost the hit, or follow its author, from the workspace's account on its
    network (an owner or manager). Doing it twice changes nothing: the networks' own like,
    repost and follow are idempotent."""
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can like, repost or follow.")
    _in_workspace(member, hit)
    if action not in ENGAGE_ACTIONS:
        raise InputError(f"{action} is not something Porch can do with a post.")
    network = _network_of(hit)
    if not network.can.engage:
        raise Conflict(f"Porch cannot like, repost or follow on {network.label} yet.")
    account = _account_for(member, hit, "Porch acts from it")
    with client_for(account) as client:
        if action == "follow":
            client.follow(hit.author_id or hit.author_handle)
        elif action == "repost":
            client.repost(hit.external_id)
        else:
            client.like(hit.external_id)


def reply(member: Membership, hit: Hit, text: str) -> Reply:
    """Answer the hit: it is taken to the inbox and the reply goes out as the inbox's do
    (stored first, sent once through the outbox; a helper's waits for approval)."""
    conversation = take_to_inbox(member, hit)
    return inbox.submit_reply(member, member.user, conversation, text)


def follow_all(workspace: Workspace | None = None) -> int:
    """keep_following for every active search (of one workspace); how many."""
    found = Search.objects.filter(active=True)
    if workspace is not None:
        found = found.filter(workspace=workspace)
    count = 0
    for search in found.select_related("workspace"):
        keep_following(search)
        count += 1
    return count


# The stream pages' actions and figures --------------------------------------------------


def mute(member: Membership, kind: str, value: str) -> Mute:
    """Hide an author's hits, or those with a word, from every stream (owner or manager)."""
    _manager(member)
    value = value.strip().lstrip("@") if kind == MuteKind.AUTHOR else value.strip()
    if kind not in MuteKind.values or not value:
        raise InputError("Say which author or word to mute.")
    found, _ = Mute.objects.get_or_create(workspace=member.workspace, kind=kind, value=value[:255])
    return found


def unmute(member: Membership, found: Mute) -> None:
    _manager(member)
    if found.workspace_id != member.workspace_id:
        raise NotAllowed("This mute is not in your workspace.")
    found.delete()


def mark_not_relevant(member: Membership, hit: Hit) -> HitMark:
    """Any member: the hit leaves the streams, and is a lesson for the relevance model."""
    return _mark(member, hit, relevant=False)


@transaction.atomic
def mark_relevant(member: Membership, hit: Hit) -> HitMark:
    """Any member: the hit is relevant after all. It is back in the streams whoever marked
    it not relevant and whatever the relevance model judged, and a lesson for the model."""
    found = _mark(member, hit, relevant=True)
    Hit.objects.filter(pk=hit.pk).update(judged_irrelevant=False)
    hit.judged_irrelevant = False
    return found


@transaction.atomic
def _mark(member: Membership, hit: Hit, relevant: bool) -> HitMark:
    """The member's mark on the hit; the latest word stands (the others' contrary marks go,
    so the model never learns the hit both ways), and the model learns again."""
    _in_workspace(member, hit)
    HitMark.objects.filter(hit=hit).exclude(relevant=relevant).delete()
    found, _ = HitMark.objects.update_or_create(
        hit=hit, marked_by=member.user, defaults={"relevant": relevant}
    )
    relearn(member.workspace_id)
    return found


def relearn(workspace_id: int) -> None:
    """Once the marks are in, the relevance model learns them again (a background task)."""
    from porch.listening.tasks import learn_relevance  # the tasks call these services

    transaction.on_commit(lambda: learn_relevance.enqueue(workspace_id))


def week_counts(member: Membership, since: datetime) -> dict[int, int]:
    """Hits each of the workspace's searches found sent since `since`."""
    found = SearchHit.objects.filter(search__workspace=member.workspace, sent_at__gte=since)
    counted = found.values("search").annotate(count=Count("pk"))
    return dict(counted.values_list("search", "count"))


def conversations_of(member: Membership, hits: Sequence[Hit]) -> dict[int, int]:
    """Hit pk -> the inbox conversation it was taken to, for those taken."""
    wanted = {(hit.network, hit.external_id): hit.pk for hit in hits}
    found = Message.objects.filter(
        workspace=member.workspace, external_id__in=[external for _, external in wanted]
    ).values_list("account__network", "external_id", "conversation_id")
    return {wanted[(n, e)]: convo for n, e, convo in found if (n, e) in wanted}


# What people say: answering a recurring question ----------------------------------------

ANSWER_MOST = 20  # people one answer goes to at a time


def newest_askers(hits: Iterable[Hit], most: int = ANSWER_MOST) -> list[Hit]:
    """Each author's newest hit, the newest first, at most `most` of them."""
    newest: dict[str, Hit] = {}
    for hit in sorted(hits, key=lambda hit: (hit.sent_at, hit.pk or 0), reverse=True):
        newest.setdefault(hit.author_handle.lower(), hit)
    return list(newest.values())[:most]


def answer_askers(member: Membership, hits: Iterable[Hit], text: str) -> int:
    """Reply `text` to the people who asked a recurring question (its `hits`): one reply
        each, to their newest post, at most ANSWER_MOST people (newest first), each as `reply`
        does (a helper's waits for approval). Every hit must be the workspace's and a question,
        and each network's account there: else nothing is sent. How many replies it made (an
    asker who has this very answer already is not sent it twice)."""
    from porch.listening.analytics import question_in  # analytics reads the streams

    hits = list(hits)
    for hit in hits:
        _in_workspace(member, hit)
        if not (hit.is_question or question_in(hit.text)):
            raise InputError("Only the posts that asked the question can be answered here.")
    if not text.strip():
        raise InputError("The answer is empty: write it first.")
    askers = newest_askers(hits)
    if not askers:
        raise InputError("Choose a question to answer.")
    for hit in askers:
        _account_for(member, hit, "the answers go out from it")
    made = 0
    for hit in askers:  # one who has this answer already (a second click) is not sent it again
        conversation = take_to_inbox(member, hit)
        if not Reply.objects.filter(conversation=conversation, text=text).exists():
            inbox.submit_reply(member, member.user, conversation, text)
            made += 1
    return made
