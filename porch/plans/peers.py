"""Peer discovery: accounts in the niche worth a collaboration, ranked with why, and an
introduction to each drafted from the plan.

The signals, over the last WINDOW:
1. Listening: the author's posts that the niche's searches found (niche, hashtags,
   questions, the owner's other searches), less those judged or marked not relevant; the
   share of them that is positive; how often other found posts quote or repost theirs; the
   topics are the names of the searches that found them.
2. Follows of followers: accounts that the business's followers follow (TheirFollow rows of
   the identities that follow one of its accounts now), counted per account.
3. The plan: the peers the owner named in the workshop, matched to an account by handle
   or by name.

    score = 3 log(1 + posts) quality + 2 log(1 + shared followers) + 0.5 topics
            + 4 (named in the plan) + 0.5 log(1 + quotes and reposts)
    quality = relevant share x (0.5 + 0.5 positive share)

Never suggested: the business's own accounts, people the owner marked customer, VIP, lead,
competitor or press, muted authors, and competitors: an account named like a competitor
search (its handle or name holds the search's name), or one the competitor searches found
at least as often as the niche's (someone who mentions a rival now and then among many
posts about the niche is not one). An author known only from listening needs MIN_POSTS
posts ("posts often"). The best KEEP are stored through porch.people.peers.store_ranking,
which keeps what the owner chose.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q

from porch.core.templatetags.porch_links import web_url
from porch.errors import NotAllowed
from porch.listening.models import Hit, HitMark, Mute, MuteKind, Search, SearchHit, SearchKind
from porch.networks.base import TextRules
from porch.networks.registry import descriptor
from porch.people.models import (
    Follow,
    Identity,
    NetworkSuggestion,
    PeerSuggestion,
    Status,
    TheirFollow,
)
from porch.people.peers import Ranked, store_ranking
from porch.plans.generate import PEERS, drafts, values_of
from porch.plans.limits import POST_LIMITS
from porch.plans.services import latest_plan
from porch.plans.writing import Variant, first_fitting, llm_rewriter, shorten
from porch.triage.base import Intent
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace

WINDOW = timedelta(days=60)
KEEP = 50
MIN_POSTS = 2
POSTS_SHOWN = 3
FOLLOWERS_SHOWN = 3
# What a peer posts about: the niche's searches. People asking questions (a question search,
# or a hit triaged as a question, a lead, a complaint or spam) are prospects, not peers.
TOPIC_KINDS = (SearchKind.NICHE, SearchKind.HASHTAG, SearchKind.OTHER)
ASKING = (Intent.QUESTION, Intent.LEAD, Intent.COMPLAINT, Intent.SPAM)
NOT_PEERS = (Status.CUSTOMER, Status.VIP, Status.LEAD, Status.COMPETITOR, Status.PRESS)

Key = tuple[str, str]  # (network, stable id or lower-case handle)


@dataclass
class Candidate:
    network: str
    stable_id: str  # the network's id, else the handle
    handle: str
    name: str
    posts: int = 0  # found by the niche's searches, not hidden
    hidden: int = 0  # judged or marked not relevant
    positive: int = 0
    echoes: int = 0  # times other found posts quoted or reposted theirs
    shared: int = 0  # the business's followers who follow them
    topics: set[str] = field(default_factory=set)
    in_plan: bool = False
    rival: int = 0  # posts a competitor search found
    suggested_by: str = ""  # the network that suggests the business follows them, by its label

    def score(self) -> float:
        quality = 0.0
        if self.posts:
            relevant = self.posts / (self.posts + self.hidden)
            quality = relevant * (0.5 + 0.5 * self.positive / self.posts)
        return (
            3.0 * math.log1p(self.posts) * quality
            + 2.0 * math.log1p(self.shared)
            + 0.5 * len(self.topics)
            + 4.0 * self.in_plan
            + 0.5 * math.log1p(self.echoes)
            + 1.0 * bool(self.suggested_by)
        )

    def worth_it(self) -> bool:
        return self.in_plan or self.shared > 0 or self.posts >= MIN_POSTS or bool(self.suggested_by)


class Pool:
    """The candidates, one per account: by id, and by handle where a signal has no id."""

    def __init__(self) -> None:
        self.by_id: dict[Key, Candidate] = {}
        self.by_handle: dict[Key, Candidate] = {}

    def find(self, network: str, stable_id: str, handle: str) -> Candidate | None:
        if stable_id and (network, stable_id) in self.by_id:
            return self.by_id[(network, stable_id)]
        return self.by_handle.get((network, handle.lstrip("@").lower()))

    def get(self, network: str, stable_id: str, handle: str, name: str) -> Candidate:
        found = self.find(network, stable_id, handle)
        if found is None:
            found = Candidate(network, stable_id or handle, handle, name)
            self.by_handle[(network, handle.lstrip("@").lower())] = found
        elif stable_id and found.stable_id == found.handle:  # the id, learnt from this signal
            found.stable_id = stable_id
        if stable_id:
            self.by_id[(network, stable_id)] = found
        found.name = found.name or name
        return found

    def all(self) -> list[Candidate]:
        return list({id(c): c for c in [*self.by_id.values(), *self.by_handle.values()]}.values())


# ---- the signals -------------------------------------------------------------------------


def _from_listening(pool: Pool, workspace: Workspace, since: datetime) -> None:
    marked = set(
        HitMark.objects.filter(
            hit__workspace=workspace, relevant=False, hit__sent_at__gte=since
        ).values_list("hit_id", flat=True)
    )
    rows = (
        SearchHit.objects.filter(
            search__workspace=workspace, search__kind__in=TOPIC_KINDS, sent_at__gte=since
        )
        .exclude(hit__intent__in=ASKING)
        .values_list(
            "hit_id",
            "search__name",
            "hit__network",
            "hit__author_id",
            "hit__author_handle",
            "hit__author_name",
            "hit__judged_irrelevant",
            "hit__sentiment",
        )
    )
    counted: set[int] = set()
    for hit_id, topic, network, author_id, handle, name, irrelevant, sentiment in rows.iterator(
        chunk_size=5000
    ):
        candidate = pool.get(network, author_id, handle, name)
        hidden = irrelevant or hit_id in marked
        if not hidden:
            candidate.topics.add(topic)
        if hit_id in counted:
            continue
        counted.add(hit_id)
        if hidden:
            candidate.hidden += 1
        else:
            candidate.posts += 1
            candidate.positive += sentiment == "positive"


def _from_rival_searches(pool: Pool, workspace: Workspace, since: datetime) -> None:
    rows = SearchHit.objects.filter(
        search__workspace=workspace, search__kind=SearchKind.COMPETITOR, sent_at__gte=since
    ).values_list(
        "hit_id", "hit__network", "hit__author_id", "hit__author_handle", "hit__author_name"
    )
    for _, network, author_id, handle, name in rows.distinct().iterator(chunk_size=5000):
        pool.get(network, author_id, handle, name).rival += 1


def _echoes(pool: Pool, workspace: Workspace, since: datetime) -> None:
    found = Hit.objects.filter(workspace=workspace, sent_at__gte=since)
    for link in ("quote_of", "repost_of"):
        rows = found.filter(**{f"{link}__isnull": False}).values_list(
            f"{link}__network", f"{link}__author_id", f"{link}__author_handle"
        )
        for network, author_id, handle in rows.iterator(chunk_size=5000):
            candidate = pool.find(network, author_id, handle)
            if candidate is not None:
                candidate.echoes += 1


def _followers(workspace: Workspace) -> Any:
    return Follow.objects.filter(
        account__workspace=workspace, gone_at__isnull=True, identity__workspace=workspace
    ).values("identity_id")


def _from_followers(pool: Pool, workspace: Workspace) -> None:
    rows = (
        TheirFollow.objects.filter(follower_id__in=_followers(workspace))
        .values("network", "stable_id")
        .annotate(n=Count("follower_id", distinct=True), h=Max("handle"), d=Max("display_name"))
    )
    for row in rows.iterator(chunk_size=5000):
        candidate = pool.get(row["network"], row["stable_id"], row["h"], row["d"])
        candidate.shared = max(candidate.shared, row["n"])


def _from_networks(pool: Pool, workspace: Workspace) -> None:
    """The accounts the networks themselves suggest the business follows."""
    rows = NetworkSuggestion.objects.filter(account__workspace=workspace).values_list(
        "network", "stable_id", "handle", "display_name"
    )
    for network, stable_id, handle, name in rows.iterator(chunk_size=5000):
        pool.get(network, stable_id, handle, name).suggested_by = _label(network)


def _label(network: str) -> str:
    try:
        return descriptor(network).label
    except ValueError:  # a network no longer installed
        return network


def _plan_names(workspace: Workspace) -> list[str]:
    plan = latest_plan(workspace)
    names = plan.answers.get("peers", []) if plan else []
    return [str(n).strip().lstrip("@") for n in names if str(n).strip().lstrip("@")]


def _named(name: str, handle: str, display_name: str) -> bool:
    wanted = name.lower()
    return wanted in (handle.lstrip("@").lower(), display_name.strip().lower())


def _from_plan(pool: Pool, workspace: Workspace) -> None:
    for name in _plan_names(workspace):
        matches = [c for c in pool.all() if _named(name, c.handle, c.name)]
        if not matches:
            matches = _accounts_named(pool, workspace, name)
        for candidate in matches:
            candidate.in_plan = True


def _accounts_named(pool: Pool, workspace: Workspace, name: str) -> list[Candidate]:
    """Accounts Porch knows of (people, any found post) with this handle or name."""
    handles = [name, f"@{name}"]
    by_person = Identity.objects.filter(workspace=workspace).filter(
        Q(handle__iexact=name) | Q(display_name__iexact=name)
    )
    found = [pool.get(i.network, i.stable_id, i.handle, i.display_name) for i in by_person[:5]]
    if found:
        return found
    hits = Hit.objects.filter(workspace=workspace).filter(
        Q(author_handle__iexact=handles[0])
        | Q(author_handle__iexact=handles[1])
        | Q(author_name__iexact=name)
    )
    rows = hits.values_list("network", "author_id", "author_handle", "author_name").distinct()
    return [pool.get(*row) for row in rows[:5]]


# ---- who is never a peer -----------------------------------------------------------------


@dataclass
class Excluded:
    ids: set[Key] = field(default_factory=set)  # (network, id)
    handles: set[Key] = field(default_factory=set)  # (network, lower-case handle)
    muted: set[str] = field(default_factory=set)  # muted authors' ids and handles, any network
    rivals: set[str] = field(default_factory=set)  # the competitor searches' names, letters only

    def add(self, rows: Iterable[tuple[str, str, str]]) -> None:
        for network, stable_id, handle in rows:
            if stable_id:
                self.ids.add((network, stable_id))
            if handle:
                self.handles.add((network, handle.lstrip("@").lower()))

    def allows(self, candidate: Candidate) -> bool:
        handle = candidate.handle.lstrip("@").lower()
        return not (
            (candidate.network, candidate.stable_id) in self.ids
            or (candidate.network, handle) in self.handles
            or candidate.stable_id.lower() in self.muted
            or handle in self.muted
            or self.is_rival(candidate)
        )

    def is_rival(self, c: Candidate) -> bool:
        """Named like a competitor search, or found by them as often as by the niche's."""
        names = (_letters(c.handle), _letters(c.name))
        named = any(len(r) >= 4 and any(r in n for n in names) for r in self.rivals)
        return named or (c.rival > 0 and c.rival >= c.posts + c.hidden)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def excluded(workspace: Workspace) -> Excluded:
    """The accounts never suggested: our own, people marked so, competitors, muted."""
    found = Excluded()
    own = ConnectedAccount.objects.filter(workspace=workspace)
    found.add(own.values_list("network", "external_id", "handle"))
    marked = Identity.objects.filter(workspace=workspace, person__status__in=NOT_PEERS)
    found.add(marked.values_list("network", "stable_id", "handle"))
    rivals = Search.objects.filter(workspace=workspace, kind=SearchKind.COMPETITOR)
    found.rivals = {_letters(n) for n in rivals.values_list("name", flat=True)} - {""}
    muted = Mute.objects.filter(workspace=workspace, kind=MuteKind.AUTHOR)
    found.muted = {v.lstrip("@").lower() for v in muted.values_list("value", flat=True)}
    return found


# ---- ranking -----------------------------------------------------------------------------


def candidates(workspace: Workspace, now: datetime) -> list[Candidate]:
    """Every account the signals name, allowed ones only, best first."""
    since = now - WINDOW
    pool = Pool()
    _from_listening(pool, workspace, since)
    _from_rival_searches(pool, workspace, since)
    _echoes(pool, workspace, since)
    _from_followers(pool, workspace)
    _from_networks(pool, workspace)
    _from_plan(pool, workspace)
    allowed = excluded(workspace)
    found = [c for c in pool.all() if c.worth_it() and allowed.allows(c)]
    found.sort(key=lambda c: (-c.score(), c.network, c.handle))
    return found


def rank_peers(workspace: Workspace, now: datetime) -> int:
    """Rank the niche's accounts and keep the best KEEP with why; how many are kept.
    Dismissed ones stay dismissed, saved ones saved, whatever the new ranking."""
    since = now - WINDOW
    best = candidates(workspace, now)[:KEEP]
    ranked = [
        Ranked(
            c.network, c.stable_id, c.handle, c.name, round(c.score(), 4), why(workspace, c, since)
        )
        for c in best
    ]
    return store_ranking(workspace, ranked, now)


def look_again(member: Membership, now: datetime) -> int:
    """The page's "look again": rank now (an owner or manager)."""
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can look for peers.")
    return rank_peers(member.workspace, now)


def rank_everywhere(now: datetime) -> int:
    """The periodic job: rank every workspace's peers; how many workspaces."""
    count = 0
    for workspace in Workspace.objects.order_by("pk").iterator():
        rank_peers(workspace, now)
        count += 1
    return count


# ---- why ---------------------------------------------------------------------------------


def _best_posts(workspace: Workspace, c: Candidate, since: datetime) -> list[dict[str, str]]:
    author = Q(author_id=c.stable_id) if c.stable_id != c.handle else Q(author_handle=c.handle)
    found = Hit.objects.filter(
        author,
        workspace=workspace,
        network=c.network,
        sent_at__gte=since,
        judged_irrelevant=False,
        searchhit__search__kind__in=TOPIC_KINDS,
    ).exclude(Q(marks__relevant=False) | Q(intent__in=ASKING))
    rows = found.order_by("-sentiment_score", "-sent_at", "pk").values_list("url", "text")
    rows = rows.distinct()
    return [
        {"url": web_url(url), "text": shorten(" ".join(text.split()), 200)}
        for url, text in rows[:POSTS_SHOWN]
    ]


def _some_followers(workspace: Workspace, c: Candidate) -> list[str]:
    rows = TheirFollow.objects.filter(
        network=c.network,
        stable_id=c.stable_id,
        follower__workspace=workspace,
        follower__follows__account__workspace=workspace,
        follower__follows__gone_at__isnull=True,
    )
    handles = rows.order_by("follower__handle").values_list("follower__handle", flat=True)
    return list(handles.distinct()[:FOLLOWERS_SHOWN])


def why(workspace: Workspace, c: Candidate, since: datetime) -> dict[str, Any]:
    """What the page says about the suggestion: the posts, the shared followers, the topics,
    whether the plan names them, and a sentence for each."""
    topics = sorted(c.topics)
    lines = []
    if c.posts:
        hidden = f" ({c.hidden} more not relevant)" if c.hidden else ""
        about = f" about {', '.join(topics)}" if topics else ""
        lines.append(f"Posted {c.posts} times{about} in {WINDOW.days} days{hidden}.")
    followers = _some_followers(workspace, c) if c.shared else []
    if c.shared:
        more = "\u2026" if c.shared > len(followers) else ""
        lines.append(f"Followed by {c.shared} of your followers ({', '.join(followers)}{more}).")
    if c.echoes:
        lines.append(f"Quoted or reposted {c.echoes} times in what your searches found.")
    if c.suggested_by:
        lines.append(f"{c.suggested_by} suggests you follow them.")
    if c.in_plan:
        lines.append("Named in your plan.")
    return {
        "posts": _best_posts(workspace, c, since) if c.posts else [],
        "post_count": c.posts,
        "shared_followers": c.shared,
        "followers": followers,
        "topics": topics,
        "in_plan": c.in_plan,
        "suggested_by": c.suggested_by,
        "echoes": c.echoes,
        "lines": lines,
    }


# ---- an introduction ---------------------------------------------------------------------

INTRODUCTIONS = [
    Variant(t)
    for t in (
        "Hello {peer}! I'm with {name}: we sell {sells} {in_where}. We love your posts about "
        "{topic}, and we think our customers would love what you do. Fancy teaming up?",
        "Hello {peer}! I'm with {name}: we sell {sells}. We love your posts about {topic}. "
        "Fancy teaming up on something?",
        "Hello {peer}! I'm with {name}: we sell {sells}. We love what you do. Fancy teaming "
        "up on something?",
        "Hello {peer}! I'm with {name}. We love what you do. Fancy teaming up on something?",
        "Hello! We love what you do. Fancy teaming up on something together?",
    )
]


@dataclass(frozen=True)
class Introduction:
    message: str  # to send the peer
    post: str  # the plan's public shout-out, with the peer's name in it


def _rules(network: str) -> Sequence[TextRules]:
    return [POST_LIMITS[network]] if network in POST_LIMITS else list(POST_LIMITS.values())


def draft_introduction(member: Membership, suggestion: PeerSuggestion) -> Introduction:
    """A message introducing the business to the peer, and the plan's shout-out post, from
    the plan's answers and templates; rewritten when a rewrite is configured. Changes
    nothing (any member may draft)."""
    if suggestion.workspace_id != member.workspace_id:
        raise NotAllowed("This suggestion is not in your workspace.")
    plan = latest_plan(member.workspace)
    answers: dict[str, Any] = dict(plan.answers) if plan else {"name": member.workspace.name}
    peer = suggestion.display_name or suggestion.handle
    values = values_of(answers) | {"peer": peer}
    topics = suggestion.why.get("topics") or []
    if topics:
        values["topic"] = str(topics[0])
    rules = _rules(suggestion.network)
    message = first_fitting(INTRODUCTIONS, values, rules)
    post = _shout_out(answers, peer, suggestion.network)
    rewrite = llm_rewriter()
    if rewrite is not None:
        voice = str(answers.get("voice", "friendly"))
        message = rewrite(message, rules, voice)
        post = rewrite(post, rules, voice) if post else post
    return Introduction(message, post)


def _shout_out(answers: dict[str, Any], peer: str, network: str) -> str:
    """The plan's own post about a peer (its "Neighbours and partners" template)."""
    networks = [network] if network in POST_LIMITS else list(POST_LIMITS)
    try:
        written = drafts({**answers, "peers": [peer]}, networks)
    except ValueError:  # no template of the plan fits
        return ""
    return next((d["text"] for d in written if d["pillar"] == PEERS), "")
