"""One person, several networks: merge suggestions from real profile evidence, which only the
owner (or a manager) confirms; a confirmed merge can be undone. Nothing merges by itself.

Evidence, from what the identities' profiles show (Identity.handle, website, links, bio):
- profile links: one identity's links (website, profile fields, addresses in the bio, and
  handles written as @name.domain or @user@server) point at the other's profile (its stored
  profile_url, or the address its network's descriptor makes of its handle or stable id).
  Both ways 1.0, one way 0.6 (0.7 when its network verified the link).
- a handle that is a domain (a network whose descriptor says its handles are domains, and
  not one of the handles it hands out itself) and the other identity links to that domain:
  0.9 when its network verified the link (links[].verified_at), else 0.8.
- the same website (not a shared host such as linktr.ee, nor a network's own host) and the
  same display name: 0.6; the same website alone 0.3; the same name alone 0.1.
The kinds add up (each kind counts once, at its strongest); a pair is suggested at 0.6.
The evidence is kept as sentences for the owner, naming the links.

The rule that never breaks: two identities of one network are never one person. Candidates
are persons; pairs come only from blocks of persons sharing a key (a site's host, a profile
address, a name with a host), and blocks of more than BLOCK_CAP persons are skipped (a host
that many share says nothing). A pair whose persons share a network is never suggested, and
confirm_merge checks again, with the rows locked, since identities may have moved.

confirm_merge keeps the older person, moves the other's identities and whatever else points at
it (peer suggestions, earlier merges...), merges tags, note, status, lead and won amount, then
deletes the merged-away person; Merge.moved keeps all it needs for undo_merge to bring that
person back (same id, same fields) with its identities, and to put the kept person's fields
back where nobody changed them since. Undoing says the two are not one: their pair stays as a
dismissed suggestion.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import combinations
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from porch.errors import Conflict, NotAllowed
from porch.networks import registry
from porch.networks.base import AccountRef
from porch.people import search
from porch.people.models import (
    Identity,
    Merge,
    MergeSuggestion,
    Person,
    Status,
    SuggestionState,
)
from porch.workspaces.models import Membership, Role, Workspace

THRESHOLD = 0.6
BLOCK_CAP = 50  # persons in one block; more share a host that says nothing about who is who
# Hosts where many people have a page: a link there is never "their website".
SHARED_HOSTS = frozenset(
    {
        *("linktr.ee", "bio.link", "carrd.co", "instagram.com", "youtube.com", "youtu.be"),
        *("tiktok.com", "github.com", "medium.com", "substack.com", "linkedin.com"),
        *("threads.net", "pinterest.com", "etsy.com", "patreon.com", "ko-fi.com"),
        *("buymeacoffee.com", "beacons.ai", "lnk.bio", "linkin.bio", "about.me", "t.co"),
        *("bit.ly", "wa.me", "google.com", "goo.gl", "gmail.com", "twitter.com"),
        *("wordpress.com", "blogspot.com", "tumblr.com", "wixsite.com", "squarespace.com"),
    }
)
WEIGHTS = {"mutual": 1.0, "verified": 0.9, "domain": 0.8, "one-way": 0.6}
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.I)
_MENTION = re.compile(r"(?<![\w@])@([\w.-]+\.[a-z]{2,}|[\w.-]+@[\w-]+(?:\.[\w-]+)+)", re.I)
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_FIELDS = ("person_id", "network", "handle", "stable_id", "display_name")
_MORE = ("profile_url", "website", "links", "bio")


# Reading the profiles: keys for links, profiles and sites.


def url_key(url: str) -> str:
    """ "host/path" in lower case, without scheme, www., query or a trailing slash (by hand:
    urlsplit is a third of the suggester's time at 100k people)."""
    rest = url.strip().lower()
    scheme = rest.find("://")
    if scheme >= 0:
        rest = rest[scheme + 3 :]
    if "?" in rest or "#" in rest:
        rest = rest.partition("?")[0].partition("#")[0]
    host, _, path = rest.partition("/")
    if "@" in host or ":" in host:
        host = host.rpartition("@")[2].partition(":")[0]
    host = host.removeprefix("www.")
    path = path.rstrip("/")
    if not host or " " in host:
        return ""
    return f"{host}/{path}" if path else host


def _under(host: str, hosts: frozenset[str] | set[str]) -> bool:
    """host is one of hosts or a subdomain of one."""
    while "." in host:  # a bare top-level domain is nobody's host
        if host in hosts:
            return True
        host = host.partition(".")[2]
    return False


def _host(key: str) -> str:
    return key.partition("/")[0]


def _name_key(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.casefold()))


@dataclass
class Link:
    url: str  # as the profile shows it
    key: str  # url_key, or "@handle" for a handle written in the bio
    verified: bool = False


@dataclass
class Claims:
    """What one identity's profile says, for the evidence."""

    pk: int
    network: str
    handle: str
    network_label: str
    display: str  # the display name as shown
    profiles: set[str]  # the keys that lead to this profile
    links: list[Link]
    domain: str  # its handle, when the handle is a domain it holds; else ""
    sites: dict[str, str] = field(default_factory=dict)  # host -> an address shown

    @cached_property
    def name(self) -> str:
        """The display name, normalised (read for few identities: it is made when asked)."""
        return _name_key(self.display)

    @property
    def label(self) -> str:
        return f"the {self.network_label} profile {self.handle}"


class Reader:
    """Turns identity rows into Claims, asking each network's descriptor (cached)."""

    def __init__(self) -> None:
        self.descriptors = {d.name: d for d in registry.descriptors()}
        self._makers: dict[str, Callable[[AccountRef], str] | None] = {}
        self.network_hosts = {_host(k) for k in self._network_pages()} - {""}
        self.shared = SHARED_HOSTS | self.network_hosts
        self._sites: dict[str, bool] = {}  # host -> is it a website of its own

    def _network_pages(self) -> Iterator[str]:
        for name in self.descriptors:
            yield url_key(self.profile_address(name, "someone"))

    def profile_address(self, network: str, handle: str) -> str:
        if network not in self._makers:
            path = self.descriptors[network].profile_url if network in self.descriptors else ""
            self._makers[network] = import_string(path) if path else None
        make = self._makers[network]
        return make(AccountRef(network, handle)) if make and handle else ""

    def domain(self, network: str, handle: str) -> str:
        descriptor = self.descriptors.get(network)
        hosted = descriptor.hosted_handles if descriptor else None
        text = handle.strip().lower().lstrip("@")
        if hosted is None or not _DOMAIN.match(text):
            return ""
        if _under(text, set(hosted)):
            return ""
        return text

    def is_site(self, key: str) -> bool:
        host = _host(key)
        if not host or "." not in host or "/@" in f"{key}/":
            return False
        known = self._sites.get(host)
        if known is None:
            known = self._sites[host] = not _under(host, self.shared)
        return known

    def claims(self, row: dict[str, Any]) -> Claims:
        network, handle, stable_id = row["network"], row["handle"], row["stable_id"]
        descriptor = self.descriptors.get(network)
        network_label = descriptor.label if descriptor else network
        # The page the profile gave, else the one its network makes of the handle; and the
        # page by its stable id (a DID), which some links use.
        shown = row["profile_url"] or self.profile_address(network, handle)
        profiles = {url_key(shown)}
        if stable_id:
            profiles.add(url_key(self.profile_address(network, stable_id)))
            if stable_id.startswith(("http://", "https://")):
                profiles.add(url_key(stable_id))
        bare = handle.strip().lower().lstrip("@")
        if "." in bare:  # a handle written in a bio: @name.domain or @user@server
            profiles.add(f"@{bare}")
        found = Claims(
            pk=row["pk"],
            network=network,
            handle=handle,
            network_label=network_label,
            display=row["display_name"].strip(),
            profiles=profiles - {""},
            links=list(_links(row)),
            domain=self.domain(network, handle),
        )
        for link in found.links:
            if not link.key.startswith("@") and self.is_site(link.key):
                found.sites.setdefault(_host(link.key), link.url)
        return found


def _links(row: dict[str, Any]) -> Iterator[Link]:
    """The links a profile shows: website, its links (verified or not), the bio's."""
    seen: set[str] = set()
    shown: list[tuple[str, bool]] = [(row["website"], False)]
    for item in row["links"] or []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            shown.append((item["url"], bool(item.get("verified_at"))))
    bio = row["bio"] or ""
    if "http" in bio:
        shown += [(url.rstrip(".,;:!?"), False) for url in _URL.findall(bio)]
    for url, verified in sorted(shown, key=lambda pair: not pair[1]):  # verified ones first
        key = url_key(url) if url else ""
        if key and key not in seen:
            seen.add(key)
            yield Link(url.strip(), key, verified)
    for mention in _MENTION.findall(bio) if "@" in bio else ():
        key = f"@{mention.lower().rstrip('.')}"
        if key not in seen:
            seen.add(key)
            yield Link(f"@{mention.rstrip('.')}", key)


# Scoring a pair of persons.


@dataclass
class Found:
    score: float
    evidence: list[str]


def evidence(one: list[Claims], other: list[Claims]) -> Found:
    """The evidence that two persons (their identities' claims) are one, and its score."""
    best: dict[str, tuple[float, str]] = {}

    def keep(kind: str, weight: float, sentence: str) -> None:
        if weight > best.get(kind, (0.0, ""))[0]:
            best[kind] = (weight, sentence)

    for a in one:
        for b in other:
            for kind, weight, sentence in _between(a, b):
                keep(kind, weight, sentence)
    site = _same_site(one, other)
    if site:
        keep("site", *site)
    score = round(min(1.0, sum(weight for weight, _ in best.values())), 2)
    ordered = sorted(best.values(), key=lambda pair: -pair[0])
    return Found(score, [sentence for _, sentence in ordered])


def _between(a: Claims, b: Claims) -> Iterator[tuple[str, float, str]]:
    yield from _profile_links(a, b)
    yield from _domain(a, b)
    yield from _domain(b, a)


def _profile_links(a: Claims, b: Claims) -> Iterator[tuple[str, float, str]]:
    to_b = next((link for link in a.links if link.key in b.profiles), None)
    to_a = next((link for link in b.links if link.key in a.profiles), None)
    if to_b and to_a:
        yield (
            "link",
            WEIGHTS["mutual"],
            f"{_cap(a.label)} links to {to_b.url}{_verified(to_b, a)}, "
            f"and {b.label} links back to {to_a.url}{_verified(to_a, b)}.",
        )
    for source, link, target in ((a, to_b, b), (b, to_a, a)):
        if link and not (to_a and to_b):
            yield (
                "link",
                WEIGHTS["one-way"] + (0.1 if link.verified else 0.0),
                f"{_cap(source.label)} links to {link.url}{_verified(link, source)}, "
                f"which is {target.label}.",
            )


def _domain(a: Claims, b: Claims) -> Iterator[tuple[str, float, str]]:
    """a's handle is a domain it holds, and b links to it (or to a page on it)."""
    if not a.domain:
        return
    for link in b.links:
        host = _host(link.key)
        if link.key.startswith("@") or not host or "/@" in f"{link.key}/":
            continue
        if a.domain == host or a.domain.endswith(f".{host}"):
            kind = "verified" if link.verified else "domain"
            yield (
                "domain",
                WEIGHTS[kind],
                f"The {a.network_label} handle {a.handle} is a domain of its own, "
                f"and {b.label} links to {link.url}{_verified(link, b)}.",
            )


def _same_site(one: list[Claims], other: list[Claims]) -> tuple[float, str] | None:
    mine = {host: url for c in one for host, url in c.sites.items()}
    theirs = {host: url for c in other for host, url in c.sites.items()}
    shared = sorted(mine.keys() & theirs.keys())
    names = {c.name for c in one if c.name} & {c.name for c in other if c.name}
    called = next((f"“{c.display}”" for c in one if c.name in names), "")
    if not shared:
        return (0.1, f"Both are called {called}.") if called else None
    host = shared[0]
    where = mine[host] if mine[host] == theirs[host] else f"{mine[host]} and {theirs[host]}"
    if called:
        return 0.6, f"Both are called {called} and both show the website {host}: {where}."
    return 0.3, f"Both show the website {host}: {where}."


def _verified(link: Link, by: Claims) -> str:
    return f" (verified by {by.network_label})" if link.verified else ""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# The suggester.


def suggest_merges(workspace: Workspace) -> int:
    """Suggest every pair of persons the evidence says are one; returns how many were made.
    A pair suggested before, in any state, is not made again (a dismissed one stays so)."""
    reader = Reader()
    people: dict[int, list[Claims]] = defaultdict(list)
    rows = Identity.objects.filter(workspace=workspace).values("pk", *_FIELDS, *_MORE)
    for row in rows.iterator(chunk_size=5000):
        people[row["person_id"]].append(reader.claims(row))
    known = set(MergeSuggestion.objects.filter(workspace=workspace).values_list("a_id", "b_id"))
    made: list[MergeSuggestion] = []
    for a, b in sorted(candidates(people)):
        if (a, b) in known or networks(people[a]) & networks(people[b]):
            continue
        found = evidence(people[a], people[b])
        if found.score >= THRESHOLD:
            made.append(
                MergeSuggestion(
                    workspace=workspace, a_id=a, b_id=b, score=found.score, evidence=found.evidence
                )
            )
    MergeSuggestion.objects.bulk_create(made, batch_size=1000, ignore_conflicts=True)
    return len(made)


def networks(claims: Iterable[Claims]) -> set[str]:
    return {c.network for c in claims}


def candidates(people: dict[int, list[Claims]]) -> set[tuple[int, int]]:
    """Pairs (lower id first) of persons sharing a key, from blocks of at most BLOCK_CAP."""
    blocks: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for person, claims in people.items():
        for key in _keys(claims):
            blocks[key].add(person)
    pairs: set[tuple[int, int]] = set()
    for block in blocks.values():
        if 1 < len(block) <= BLOCK_CAP:
            pairs.update(combinations(sorted(block), 2))
    return pairs


def _keys(claims: list[Claims]) -> Iterator[tuple[str, ...]]:
    for c in claims:
        for key in c.profiles:
            yield ("profile", key)
        for link in c.links:
            yield ("profile", link.key)
        for host in c.sites:
            yield ("site", host)
            if c.name:
                yield ("name+site", c.name, host)
        labels = c.domain.split(".")
        for start in range(max(0, len(labels) - 1)):
            yield ("site", ".".join(labels[start:]))


# What the owner does: confirm, dismiss, undo.


def _manager(member: Membership, workspace_id: int) -> None:
    if member.workspace_id != workspace_id:
        raise NotAllowed("This is not in your workspace.")
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can merge people.")


def dismiss(member: Membership, suggestion: MergeSuggestion) -> None:
    """The owner says these two are not one: the pair is never suggested again."""
    _manager(member, suggestion.workspace_id)
    done = MergeSuggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.OPEN).update(
        state=SuggestionState.DISMISSED
    )
    if not done:
        raise Conflict("This suggestion was already settled.")
    suggestion.state = SuggestionState.DISMISSED


def confirm_merge(member: Membership, suggestion: MergeSuggestion) -> Merge:
    """Merge the suggested pair into the older person; Conflict when it is no longer open or
    the two now share a network (that suggestion is then dropped)."""
    _manager(member, suggestion.workspace_id)
    with transaction.atomic():
        fresh = (
            MergeSuggestion.objects.select_for_update()
            .filter(pk=suggestion.pk, state=SuggestionState.OPEN)
            .first()
        )
        if fresh is None:
            raise Conflict("This suggestion was already settled.")
        pair = list(
            Person.objects.select_for_update()
            .filter(pk__in=[fresh.a_id, fresh.b_id])
            .order_by("created_at", "pk")
        )
        identities = list(Identity.objects.select_for_update().filter(person__in=pair))
        shared = _shared_networks(identities)
        if shared:
            fresh.delete()
        else:
            return _merge(fresh, pair[0], pair[1], identities)
    raise Conflict(f"These two are both on {shared} now, so they cannot be one person.")


def _shared_networks(identities: list[Identity]) -> str:
    by_person: dict[int, set[str]] = defaultdict(set)
    for identity in identities:
        by_person[identity.person_id].add(identity.network)
    sets = list(by_person.values())
    both = sets[0] & sets[1] if len(sets) == 2 else set()
    labels = {d.name: d.label for d in registry.descriptors()}
    return ", ".join(sorted(labels.get(n, n) for n in both))


def _merge(
    suggestion: MergeSuggestion, into: Person, away: Person, identities: list[Identity]
) -> Merge:
    moved_ids = sorted(i.pk for i in identities if i.person_id == away.pk)
    before = _fields(into)
    _combine(into, away)
    into.save()
    after = _fields(into)
    changed = [name for name in after if after[name] != before[name] and name != "updated_at"]
    Identity.objects.filter(pk__in=moved_ids).update(person=into, updated_at=timezone.now())
    search.refresh([into.pk])
    moved: dict[str, Any] = {
        "person": {"id": away.pk, **_fields(away)},
        "identities": moved_ids,
        "before": {name: before[name] for name in changed},
        "after": {name: after[name] for name in changed},
        "suggestion": {"score": suggestion.score, "evidence": suggestion.evidence},
        "refs": _repoint(away, into),
        "suggestions": _keep_dismissals(away, into, suggestion),
    }
    merge = Merge.objects.create(workspace_id=into.workspace_id, into=into, moved=moved)
    away.delete()  # its open suggestions (this one too) go with it
    _drop_overlapping(into)
    return merge


RANKED = [Status.LEAD, Status.CUSTOMER, Status.VIP]  # a later one says more than an earlier


def _combine(into: Person, away: Person) -> None:
    """The kept person takes what the other adds: tags, note, status, lead, won, ventures."""
    into.tags = [*into.tags, *(tag for tag in away.tags if tag not in into.tags)]
    if away.note.strip() and away.note.strip() not in into.note:
        into.note = f"{into.note.rstrip()}\n\n{away.note.strip()}".strip()
    into.status = _status(into.status, away.status)
    into.display_name = into.display_name or away.display_name
    into.venture = into.venture or away.venture
    into.first_seen_at = _pick(min, into.first_seen_at, away.first_seen_at)
    into.last_seen_at = _pick(max, into.last_seen_at, away.last_seen_at)
    into.lead_at = _pick(min, into.lead_at, away.lead_at)
    if away.won_amount is not None:  # two deals won are both counted
        into.won_amount = (into.won_amount or Decimal(0)) + away.won_amount
    into.won_at = _pick(max, into.won_at, away.won_at)


def _status(kept: str, other: str) -> str:
    if kept == Status.OTHER:
        return other
    if kept in RANKED and other in RANKED:
        return max(kept, other, key=lambda s: RANKED.index(Status(s)))
    return kept


def _pick(choose: Callable[..., Any], one: Any, other: Any) -> Any:
    given = [value for value in (one, other) if value is not None]
    return choose(given) if given else None


def _fields(person: Person) -> dict[str, Any]:
    """Every field of a person but its id, as JSON can keep them."""
    found: dict[str, Any] = {}
    for each in Person._meta.concrete_fields:
        if not each.primary_key:
            value = each.value_from_object(person)
            found[each.attname] = None if value is None else each.value_to_string(person)
    return found


def _restore(person: Person, fields: dict[str, Any]) -> None:
    for each in Person._meta.concrete_fields:
        if each.attname in fields:
            raw = fields[each.attname]
            setattr(person, each.attname, None if raw is None else each.to_python(raw))


def _references() -> Iterator[models.ForeignKey[Any, Any]]:
    """The foreign keys to Person of other models (not identities, not suggestions)."""
    for rel in Person._meta.related_objects:
        if rel.related_model in (Identity, MergeSuggestion) or rel.many_to_many:
            continue
        assert isinstance(rel.field, models.ForeignKey)
        yield rel.field


def _repoint(away: Person, into: Person) -> list[list[Any]]:
    """Move what points at the merged-away person (its peer suggestions, merges into it...)
    to the kept one; [model label, field, ids] of what moved."""
    moved: list[list[Any]] = []
    for key in _references():
        rows = key.model._default_manager.filter(**{key.attname: away.pk})
        if key.one_to_one and key.model._default_manager.filter(**{key.attname: into.pk}):
            continue  # the kept person has its own; the other's goes with it
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            key.model._default_manager.filter(pk__in=ids).update(**{key.attname: into.pk})
            moved.append([key.model._meta.label, key.attname, ids])
    return moved


def _keep_dismissals(away: Person, into: Person, confirmed: MergeSuggestion) -> list[list[int]]:
    """The other's dismissed pairs become the kept person's (where that pair is free), so a
    dismissal stays one; [id, a, b] of each as it was."""
    kept: list[list[int]] = []
    theirs = MergeSuggestion.objects.filter(
        models.Q(a=away) | models.Q(b=away), state=SuggestionState.DISMISSED
    ).exclude(pk=confirmed.pk)
    for row in theirs:
        other = row.b_id if row.a_id == away.pk else row.a_id
        a, b = sorted((into.pk, other))
        if other == into.pk or MergeSuggestion.objects.filter(a_id=a, b_id=b).exists():
            continue
        kept.append([row.pk, row.a_id, row.b_id])
        MergeSuggestion.objects.filter(pk=row.pk).update(a_id=a, b_id=b)
    return kept


def _drop_overlapping(person: Person) -> None:
    """Open suggestions of a person that now has identities of the other's networks."""
    mine = set(person.identities.values_list("network", flat=True))
    rows = MergeSuggestion.objects.filter(
        models.Q(a=person) | models.Q(b=person), state=SuggestionState.OPEN
    )
    for row in rows:
        other = row.b_id if row.a_id == person.pk else row.a_id
        theirs = Identity.objects.filter(person_id=other).values_list("network", flat=True)
        if mine & set(theirs):
            row.delete()


def undo_merge(member: Membership, merge: Merge) -> Person:
    """Bring the merged-away person back with its identities and fields; returns it."""
    _manager(member, merge.workspace_id)
    with transaction.atomic():
        fresh = Merge.objects.select_for_update().filter(pk=merge.pk, undone_at=None).first()
        if fresh is None:
            raise Conflict("This merge was already undone.")
        moved = fresh.moved
        fields = dict(moved["person"])
        person = Person(pk=fields.pop("id"))
        _restore(person, fields)
        created_at = person.created_at  # bulk_create stamps it with now
        Person.objects.bulk_create([person])
        Person.objects.filter(pk=person.pk).update(created_at=created_at)
        person.created_at = created_at
        Identity.objects.filter(pk__in=moved["identities"], person_id=fresh.into_id).update(
            person=person, updated_at=timezone.now()
        )
        _undo_refs(moved["refs"], fresh.into_id, person.pk)
        _undo_fields(fresh.into_id, moved["before"], moved["after"])
        search.refresh([person.pk, fresh.into_id])
        for pk, a, b in moved["suggestions"]:
            MergeSuggestion.objects.filter(pk=pk).update(a_id=a, b_id=b)
        _dismiss_pair(fresh, person, moved["suggestion"])
        fresh.undone_at = timezone.now()
        fresh.save(update_fields=["undone_at"])
        merge.undone_at = fresh.undone_at
    return person


def _undo_refs(refs: list[list[Any]], into_id: int, person_id: int) -> None:
    for label, attname, ids in refs:
        model = apps.get_model(label)
        model._default_manager.filter(pk__in=ids, **{attname: into_id}).update(
            **{attname: person_id}
        )


def _undo_fields(into_id: int, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Put back the kept person's fields the merge changed, unless changed again since."""
    into = Person.objects.select_for_update().get(pk=into_id)
    now = _fields(into)
    back = {name: value for name, value in before.items() if now.get(name) == after[name]}
    if back:
        _restore(into, back)
        into.save()


def _dismiss_pair(merge: Merge, person: Person, suggestion: dict[str, Any]) -> None:
    a, b = sorted((merge.into_id, person.pk))
    MergeSuggestion.objects.get_or_create(
        a_id=a,
        b_id=b,
        defaults={
            "workspace_id": merge.workspace_id,
            "score": suggestion["score"],
            "evidence": suggestion["evidence"],
            "state": SuggestionState.DISMISSED,
        },
    )
