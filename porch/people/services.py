"""Who wrote it: `identify` turns an author seen on a network into an Identity and its Person.

The rules, in order:
- With a stable id (a Bluesky DID, an X user id...), the identity is the one with that id on
  that network. A renamed account (same id, new handle) keeps its identity and person; the
  handle and the display name are updated to what was seen last.
- With a stable id no identity has yet, a handle-only identity of the same handle on that
  network (one made from a message that carried no id) is that account: it takes the id.
- Without a stable id (stable_id ""), the identity is the handle-only one of that handle, else
  the identity with an id that shows that handle now (the last updated, when several do),
  else a new handle-only identity. A handle-only call never renames an identity.
- A new identity gets a new Person; identities on two networks are two people until the owner
  merges them (a later slice). Handles are kept as given: their spelling is the network's.

Safe under concurrency: the unique constraints (one identity per id, one handle-only identity
per handle) refuse a second row, and a worker that loses the race looks again in a savepoint,
so a caller's own transaction stays usable. Updates are conditional on the identity's key being
what was read, so two workers adopting one handle-only identity cannot both succeed.
"""

import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from porch.core.who import Author, Who
from porch.errors import InputError, NotAllowed, NotFound
from porch.people import search
from porch.people.models import Follow, Identity, Person, Status
from porch.workspaces.models import Membership, Role, Workspace, network_choices

ATTEMPTS = 3  # a lost race is settled by the second look; the third is slack


class _Moved(Exception):
    """The identity read a moment ago changed its key meanwhile: look again."""


def identify(
    workspace: Workspace, network: str, stable_id: str, handle: str, display_name: str = ""
) -> Identity:
    """The identity of an author (made, with its person, when new); idempotent."""
    stable_id, handle, display_name = stable_id.strip(), handle.strip(), display_name.strip()
    if not handle:
        raise ValueError("an identity needs a handle")
    if network not in dict(network_choices()):
        raise ValueError(f"{network!r} is not an installed network")
    lost: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _identify_once(workspace, network, stable_id, handle, display_name)
        except (IntegrityError, _Moved) as exc:  # another worker made or changed it: look again
            lost = exc
    assert lost is not None
    raise lost


def _identify_once(
    workspace: Workspace, network: str, stable_id: str, handle: str, display_name: str
) -> Identity:
    found = _find(workspace, network, stable_id, handle)
    if found is None:
        name = display_name or handle
        person = Person.objects.create(
            workspace=workspace, display_name=name, search_key=search.key_of(name, [handle])
        )
        return Identity.objects.create(
            workspace=workspace,
            person=person,
            network=network,
            stable_id=stable_id,
            handle=handle,
            display_name=display_name,
        )
    if stable_id:  # what a call with an id says is the account's name now
        _update(found, stable_id=stable_id, handle=handle, display_name=display_name)
    return found


def _find(workspace: Workspace, network: str, stable_id: str, handle: str) -> Identity | None:
    on_network = Identity.objects.filter(workspace=workspace, network=network)
    if stable_id:
        by_id = on_network.filter(stable_id=stable_id).first()
        return by_id or on_network.filter(stable_id="", handle=handle).first()
    handle_only = on_network.filter(stable_id="", handle=handle).first()
    return handle_only or on_network.filter(handle=handle).order_by("-updated_at", "-pk").first()


def _update(identity: Identity, *, stable_id: str, handle: str, display_name: str) -> None:
    """Take the id (adopting a handle-only identity), the handle and the display name seen
    last; the person's name follows when it was the identity's old one."""
    changes = {"stable_id": stable_id, "handle": handle}
    if display_name:
        changes["display_name"] = display_name
    changes = {k: v for k, v in changes.items() if getattr(identity, k) != v}
    if not changes:
        return
    old_name = identity.display_name or identity.handle
    now = timezone.now()
    keyed = Identity.objects.filter(pk=identity.pk, stable_id=identity.stable_id)
    if not keyed.update(**changes, updated_at=now):
        raise _Moved
    for field, value in changes.items():
        setattr(identity, field, value)
    identity.updated_at = now
    new_name = identity.display_name or identity.handle
    if new_name != old_name:
        Person.objects.filter(pk=identity.person_id, display_name=old_name).update(
            display_name=new_name, updated_at=now
        )
    if "handle" in changes or new_name != old_name:
        search.refresh([identity.person_id])


# The pages: the list of people, what the inbox and listening show of an author, and the
# owner's changes to a person (status, tags, note, joint venture), each checked by role.

LIST_PAGE = 50
FEW = 2000  # a search finding at most this many is ordered from their ids
MAX_TAGS = 20
TAG_LENGTH = 40


@dataclass(frozen=True)
class PeopleList:
    """One page of the list, with how many match and how many there are of each status."""

    rows: list[Person]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


def _matching(member: Membership, query: str, status: str, tag: str) -> QuerySet[Person]:
    rows = Person.objects.filter(workspace=member.workspace)
    if status:
        rows = rows.filter(status=status)
    if tag:  # tags are a JSON list: match the tag as it is written there, quotes included
        rows = rows.filter(
            tags__icontains=json.dumps(tag, ensure_ascii=connection.vendor != "postgresql")
        )
    if query:  # name or handle, folded: one read of the (workspace, search_key) index
        rows = rows.filter(search_key__contains=query)
    return rows


def matching(
    member: Membership, query: str = "", status: str = "", tag: str = ""
) -> QuerySet[Person]:
    """The workspace's people the list finds by name or handle, status and tag, unordered:
    for a caller that pages them itself (the API: porch.api.pagination)."""
    return _matching(member, search.fold(query.lstrip("@").strip()), status, tag.strip())


def people_list(
    member: Membership,
    query: str = "",
    status: str = "",
    tag: str = "",
    leads_first: bool = False,
    page: int = 1,
) -> PeopleList:
    """The workspace's people, last seen first (leads before the rest when asked), by name
    or handle, status and tag; each part read through the (workspace, status, last seen)
    indexes, a page of LIST_PAGE at a time. A search that finds a few people (most do) reads
    them from the search index first, then orders just those."""
    counts = _counts(member.workspace)
    query, tag = search.fold(query.lstrip("@").strip()), tag.strip()
    rows = _matching(member, query, status, tag)
    if query:
        few = list(rows.values_list("pk", flat=True)[: FEW + 1])
        if len(few) <= FEW:
            rows = Person.objects.filter(pk__in=few)
        total = len(few) if len(few) <= FEW else rows.count()
    elif tag:
        total = rows.count()
    else:  # the counts already say
        total = counts.get(status, 0) if status else sum(counts.values())
    pages = max(1, -(-total // LIST_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * LIST_PAGE
    newest = ("-last_seen_at", "-pk")
    if leads_first and not status:
        leads = rows.filter(status=Status.LEAD).order_by(*newest)
        rest = rows.exclude(status=Status.LEAD).order_by(*newest)
        found = _concatenated([leads, rest], start, LIST_PAGE)
    else:
        found = _slice(rows.order_by(*newest), start, LIST_PAGE)
    return PeopleList(found, total, page, pages, counts)


def _slice(rows: QuerySet[Person], start: int, limit: int) -> list[Person]:
    """Rows start..start+limit: their ids read from the index first (a deep page steps over
    index entries, not whole rows), then just those people."""
    ids = list(rows.values_list("pk", flat=True)[start : start + limit])
    found = Person.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def _counts(workspace: Workspace) -> dict[str, int]:
    """How many people of each status: one count a status, each a range of the
    (workspace, status, last seen) index (a GROUP BY reads the whole index, slower)."""
    everyone = Person.objects.filter(workspace=workspace)
    found = {value: everyone.filter(status=value).count() for value in Status.values}
    return {value: n for value, n in found.items() if n}


def _concatenated(parts: list[QuerySet[Person]], start: int, limit: int) -> list[Person]:
    """Rows start..start+limit of the parts one after the other (each counted only when the
    page reaches past it)."""
    found: list[Person] = []
    for part in parts:
        if len(found) >= limit:
            break
        if start:
            size = part.count()
            if start >= size:
                start -= size
                continue
        found += _slice(part, start, limit - len(found))
        start = 0
    return found


def person_of(member: Membership, pk: int) -> Person:
    """The member's workspace's person `pk`; NotFound otherwise (never another workspace's)."""
    found = Person.objects.filter(pk=pk, workspace=member.workspace).first()
    if found is None:
        raise NotFound("No such person in this workspace.")
    return found


def _may_change(member: Membership, person: Person) -> None:
    if person.workspace_id != member.workspace_id:
        raise NotAllowed("This person is not in your workspace.")
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can change what Porch knows of a person.")


def clean_tags(raw: str) -> list[str]:
    """Tags as the owner types them, comma-separated: trimmed, without repeats, in order."""
    tags: list[str] = []
    for tag in (part.strip() for part in raw.split(",")):
        if not tag or tag.lower() in {t.lower() for t in tags}:
            continue
        if len(tag) > TAG_LENGTH:
            raise InputError(f"A tag is at most {TAG_LENGTH} characters: “{tag[:20]}…” is longer.")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InputError(f"At most {MAX_TAGS} tags a person.")
    return tags


def update_person(
    member: Membership, person: Person, *, status: str, tags: list[str], note: str
) -> Person:
    """Set the person's status, tags and note (owner or manager); made a lead, since now."""
    _may_change(member, person)
    if status not in Status.values:
        raise InputError("Choose one of the statuses.")
    person.status, person.tags, person.note = status, tags, note
    if status == Status.LEAD and person.lead_at is None:
        person.lead_at = timezone.now()
    person.save(update_fields=["status", "tags", "note", "lead_at", "updated_at"])
    return person


def describe_authors(workspace: Workspace, authors: list[Author]) -> dict[Author, Who]:
    """What the pages show of these authors (porch.core.who's describer): in three queries."""
    wanted = Q(pk__in=[])
    for author in authors:
        by_handle = Q(stable_id="", handle=author.handle)
        # A row without an id: its handle's identity, which may have learnt its id since.
        key = (
            Q(stable_id=author.author_id) | by_handle
            if author.author_id
            else Q(handle=author.handle)
        )
        wanted |= Q(network=author.network) & key
    identities = list(Identity.objects.filter(wanted, workspace=workspace).select_related("person"))
    persons = {identity.person_id for identity in identities}
    following = set(
        Follow.objects.filter(identity__person_id__in=persons, gone_at__isnull=True).values_list(
            "identity__person_id", flat=True
        )
    )
    networks = dict(
        Identity.objects.filter(person_id__in=persons)
        .values_list("person_id")
        .annotate(n=Count("network", distinct=True))
        .order_by()
    )
    known: dict[Author, Who] = {}
    for author in authors:
        identity = _identity_of(author, identities)
        if identity is None:
            continue
        person = identity.person
        known[author] = Who(
            name=str(person),
            url=reverse("people:person", args=[workspace.slug, person.pk]),
            status="" if person.status == Status.OTHER else person.get_status_display(),
            follows=person.pk in following,
            networks=networks.get(person.pk, 1),
        )
    return known


def _identity_of(author: Author, identities: list[Identity]) -> Identity | None:
    on_network = [i for i in identities if i.network == author.network]
    if author.author_id:
        by_id = next((i for i in on_network if i.stable_id == author.author_id), None)
        if by_id is not None:
            return by_id
    handle_only = (i for i in on_network if not i.stable_id and i.handle == author.handle)
    found = next(handle_only, None)
    if found is not None or author.author_id:
        return found
    # as identify() reads a handle-only author: the identity showing the handle, latest first
    showing = [i for i in on_network if i.handle == author.handle]
    return max(showing, key=lambda i: (i.updated_at, i.pk), default=None)
