"""People from what Porch sees: a sweep makes a person of every author of a new incoming
message (porch.inbox) and of every new listening hit (porch.listening).

Each source is read in primary-key order after a cursor (people.Sweep, one row per source for
the whole install: one indexed range query a batch, however many workspaces), in batches of
BATCH rows. A batch groups its rows by author (the network's id, else the handle), calls
`identify` once per author, moves each person's first and last seen times, and makes a lead
of a person whose message or hit has the lead intent (status "other" becomes "lead").

Rows younger than SETTLE are left for the next sweep: a row's key is drawn when it is
inserted, so on PostgreSQL a transaction that commits late could hold a key below one already
swept; waiting a few seconds lets every such transaction finish first (SQLite has one writer).

Safe with two workers: the cursor row is locked (select_for_update, on PostgreSQL) and moved
by a conditional UPDATE from the value read, in the batch's own transaction; a worker that
loses rolls its batch back. A batch done twice changes nothing (identify is idempotent; seen
times only widen), so a worker that dies anywhere leaves nothing half-done.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from porch.inbox.models import Message, MessageKind
from porch.listening.models import Hit
from porch.people import search
from porch.people.models import Identity, Person, Status, Sweep
from porch.people.services import identify
from porch.triage.base import Intent
from porch.workspaces.models import ConnectedAccount, Workspace, network_choices

BATCH = 1000
SETTLE = timedelta(seconds=5)
MAX_BATCHES = 20  # a periodic run's share: 20,000 rows, then the next run goes on


@dataclass(frozen=True)
class Seen:
    """One row of a source, as the sweep needs it (`own`: the business's own words)."""

    pk: int
    workspace_id: int
    network: str
    author_id: str
    handle: str
    name: str
    at: datetime
    lead: bool
    stored_at: datetime
    own: bool = False


Reader = Callable[[int, int], list[Seen]]
OURS = MessageKind.OURS


def _messages(after: int, limit: int) -> list[Seen]:
    fields = ("pk", "workspace_id", "network", "author_id", "author_handle", "author_name")
    rows = Message.objects.filter(pk__gt=after).order_by("pk")[:limit]
    found = rows.values_list(*fields, "sent_at", "intent", "fetched_at", "kind")
    return [
        Seen(
            pk,
            ws,
            net,
            aid.strip(),
            handle.strip(),
            name.strip(),
            at,
            intent == Intent.LEAD,
            stored,
            kind == OURS,
        )
        for pk, ws, net, aid, handle, name, at, intent, stored, kind in found
    ]


def _hits(after: int, limit: int) -> list[Seen]:
    fields = ("pk", "workspace_id", "network", "author_id", "author_handle", "author_name")
    rows = Hit.objects.filter(pk__gt=after).order_by("pk")[:limit]
    found = rows.values_list(*fields, "sent_at", "intent", "created_at")
    return [
        Seen(
            pk,
            ws,
            net,
            aid.strip(),
            handle.strip(),
            name.strip(),
            at,
            intent == Intent.LEAD,
            stored,
        )
        for pk, ws, net, aid, handle, name, at, intent, stored in found
    ]


SOURCES: dict[str, Reader] = {"inbox": _messages, "listening": _hits}


class _Lost(Exception):
    """Another worker moved the cursor first: this batch is rolled back."""


def sweep(*, settle: timedelta = SETTLE, batches: int | None = None, size: int = BATCH) -> int:
    """Sweep every source until it is caught up (or `batches` batches each); rows swept."""
    total = 0
    for name in SOURCES:
        done = 0
        while batches is None or done < batches:
            swept = sweep_batch(name, settle=settle, size=size)
            if not swept:
                break
            total, done = total + swept, done + 1
    return total


def sweep_batch(source: str, *, settle: timedelta = SETTLE, size: int = BATCH) -> int:
    """One batch of `source` after its cursor: how many rows it moved past (0 = caught up,
    or another worker took this batch)."""
    state, _ = Sweep.objects.get_or_create(source=source)
    until = timezone.now() - settle
    try:
        with transaction.atomic():
            after = Sweep.objects.select_for_update().get(pk=state.pk).after
            rows = _settled(SOURCES[source](after, size), until)
            if not rows:
                return 0
            people_from(rows)
            moved = Sweep.objects.filter(pk=state.pk, after=after).update(
                after=rows[-1].pk, swept_at=timezone.now()
            )
            if moved != 1:
                raise _Lost
    except _Lost:
        return 0
    return len(rows)


def _settled(rows: list[Seen], until: datetime) -> list[Seen]:
    """The rows up to the first one stored after `until` (a later sweep takes the rest)."""
    for index, row in enumerate(rows):
        if row.stored_at > until:
            return rows[:index]
    return rows


@dataclass
class _Author:
    """What a batch saw of one author: their latest handle and name, when, whether a lead."""

    latest: Seen
    first: datetime
    last: datetime
    lead_at: datetime | None = None

    def see(self, row: Seen) -> None:
        if row.at >= self.latest.at:
            self.latest = row
        self.first, self.last = min(self.first, row.at), max(self.last, row.at)
        if row.lead and (self.lead_at is None or row.at < self.lead_at):
            self.lead_at = row.at


def people_from(rows: Iterable[Seen]) -> int:
    """Make or find the person of each row's author (the business's own rows and accounts
    left out) and note when they were seen and whether they are a lead; how many authors.

    An author whose identity shows what the batch saw needs nothing made; one no identity
    names at all (neither by id nor by handle) is made with the others at once; the rest
    (renamed, adopting a handle-only identity...) go through identify()'s rules."""
    installed = set(dict(network_choices()))
    authors = {k: a for k, a in _authors(rows).items() if k[1] in installed}
    known, taken = _known({key: a.latest.handle for key, a in authors.items()})
    people: dict[int, list[_Author]] = {}
    new, slow = [], []
    for key, author in authors.items():
        seen = author.latest
        person_id, handle, name = known.get(key, (None, "", ""))
        if person_id is not None and (
            not key[2] or (handle, name) == (seen.handle, seen.name or name)
        ):
            people.setdefault(person_id, []).append(author)
        elif person_id is None and (key[0], key[1], seen.handle) not in taken:
            new.append((key, author))
        else:
            slow.append(author)
    handles = Counter((key[0], key[1], author.latest.handle) for key, author in new)
    slow += [a for k, a in new if handles[(k[0], k[1], a.latest.handle)] > 1]
    made = _create([(k, a) for k, a in new if handles[(k[0], k[1], a.latest.handle)] == 1])
    for key, author in new:
        if key in made:
            people.setdefault(made[key], []).append(author)
        elif handles[(key[0], key[1], author.latest.handle)] == 1:
            slow.append(author)  # another worker made it meanwhile
    workspaces = Workspace.objects.in_bulk({a.latest.workspace_id for a in slow})
    for author in slow:
        seen = author.latest
        workspace = workspaces[seen.workspace_id]
        identity = identify(workspace, seen.network, seen.author_id, seen.handle, seen.name)
        people.setdefault(identity.person_id, []).append(author)
    _seen_all(people)
    return len(authors)


def _create(new: list[tuple["Key", _Author]]) -> dict["Key", int]:
    """Persons and identities for authors no identity names, made at once; the unique
    constraints refuse what another worker made meanwhile (its person is removed again)."""
    if not new:
        return {}
    persons = Person.objects.bulk_create(
        [
            Person(
                workspace_id=a.latest.workspace_id,
                display_name=a.latest.name or a.latest.handle,
                search_key=search.key_of(a.latest.name or a.latest.handle, [a.latest.handle]),
            )
            for _, a in new
        ]
    )
    identities = [
        Identity(
            workspace_id=key[0],
            person_id=person.pk,
            network=key[1],
            stable_id=author.latest.author_id,
            handle=author.latest.handle,
            display_name=author.latest.name,
        )
        for (key, author), person in zip(new, persons, strict=True)
    ]
    Identity.objects.bulk_create(identities, ignore_conflicts=True)
    known, _ = _known({key: author.latest.handle for key, author in new})
    made = {key: known[key][0] for key, _ in new if key in known}
    Person.objects.filter(pk__in={p.pk for p in persons} - set(made.values())).delete()
    return made


Key = tuple[int, str, str, str]  # workspace, network, author id, handle ("" where the id is)


def _authors(rows: Iterable[Seen]) -> dict[Key, _Author]:
    rows = [row for row in rows if not row.own and row.handle]
    ours = _own_accounts({row.workspace_id for row in rows})
    authors: dict[Key, _Author] = {}
    for row in rows:
        if {
            (row.workspace_id, row.network, row.handle),
            (row.workspace_id, row.network, row.author_id),
        } & ours:
            continue
        key = (row.workspace_id, row.network, row.author_id, "" if row.author_id else row.handle)
        if key in authors:
            authors[key].see(row)
        else:
            authors[key] = _Author(row, row.at, row.at, row.at if row.lead else None)
    return authors


def _own_accounts(workspace_ids: set[int]) -> set[tuple[int, str, str]]:
    """(workspace, network, handle or id) of the business's own accounts."""
    found = ConnectedAccount.objects.filter(workspace_id__in=workspace_ids)
    own = set()
    for workspace, network, handle, external in found.values_list(
        "workspace_id", "network", "handle", "external_id"
    ):
        own.add((workspace, network, handle))
        if external:
            own.add((workspace, network, external))
    return own


def _known(
    keys: dict[Key, str],
) -> tuple[dict[Key, tuple[int, str, str]], set[tuple[int, str, str]]]:
    """(person, handle, display name) of the authors' identities already there, and every
    (workspace, network, handle) an identity shows among the authors' (keys: each author's
    latest handle), in one query per
    workspace and network; one whose handle or name changed still goes to identify."""
    found: dict[Key, tuple[int, str, str]] = {}
    taken: set[tuple[int, str, str]] = set()
    groups: dict[tuple[int, str], list[Key]] = {}
    for key in keys:
        groups.setdefault(key[:2], []).append(key)
    for (workspace_id, network), group in groups.items():
        ids = [key[2] for key in group if key[2]]
        rows = Identity.objects.filter(workspace_id=workspace_id, network=network).filter(
            models.Q(stable_id__in=ids) | models.Q(handle__in=[keys[k] for k in group])
        )
        for stable_id, handle, name, person in rows.values_list(
            "stable_id", "handle", "display_name", "person_id"
        ):
            found[(workspace_id, network, stable_id, "" if stable_id else handle)] = (
                person,
                handle,
                name,
            )
            taken.add((workspace_id, network, handle))
    return found, taken


def _seen_all(people: dict[int, list[_Author]]) -> None:
    """Widen each person's first and last seen times (one statement run for every person:
    executemany, as the ORM would compile an UPDATE each); a lead-intent row makes its
    person a lead."""
    adapt, now = connection.ops.adapt_datetimefield_value, timezone.now()
    rows = []
    for pk, seen_as in sorted(people.items()):
        first = adapt(min(a.first for a in seen_as))
        last = adapt(max(a.last for a in seen_as))
        rows.append((first, first, last, last, adapt(now), pk))
    with connection.cursor() as cursor:
        cursor.executemany(WIDEN, rows)
    for person_id, seen_as in people.items():
        leads = [a.lead_at for a in seen_as if a.lead_at is not None]
        if leads:
            since = Value(min(leads), output_field=models.DateTimeField())
            Person.objects.filter(pk=person_id, status__in=[Status.OTHER, Status.LEAD]).update(
                status=Status.LEAD, lead_at=Coalesce(F("lead_at"), since)
            )


WIDEN = f"""UPDATE {Person._meta.db_table} SET
    first_seen_at = CASE WHEN first_seen_at IS NULL OR first_seen_at > %s
        THEN %s ELSE first_seen_at END,
    last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < %s
        THEN %s ELSE last_seen_at END,
    updated_at = %s
    WHERE id = %s"""  # noqa: S608 - the table's name is the model's own
