"""Privacy: erase everything Porch holds that names a person, on their request, and export it
all as JSON first.

    erase_person(member, person)   owner or manager; one transaction; counts of what went
    export_person(member, person)  owner or manager; a JSON-serialisable dict for a download

Each app says what it holds about a person through a small registry, so an app added later
(offers: codes and redemptions) registers from its AppConfig.ready() and erasure and export
reach it without a change here:

    register_erasure(fn)   fn(subject) -> {"what": count erased}
    register_export(fn)    fn(subject) -> {"what": [rows as plain dicts]}

A Subject is the person being erased or exported, with their identities and the queries that
find their rows in the inbox and in listening: a row is theirs when its network id is one of
their identities' ids (the stable id, or Mastodon's server-local id), or when it kept only a
handle and that handle is theirs. The built-in sources, run in this order:

- triage: the owner's label corrections of the person's messages and hits (a correction keeps a
  copy of the text, not a link), and a retrain of the workspace's model without them;
- inbox: the conversations whose contact is the person, with everything in them (the business's
  replies, notes, alerts), and their messages in other conversations; other messages that
  answered one of theirs forget its id;
- listening: their hits (with the searches' matches and the owner's marks), mutes of their
  handles, their hits' ids in spike alerts, and other hits' references to them;
- people itself, last: peer suggestions and follows-of-followers that name their accounts,
  merges that moved their identities, the person (identities, follows, merge suggestions and
  merges into them go with it), and the admin's log entries about them.
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet

from porch.errors import NotAllowed, NotFound
from porch.inbox.models import Conversation, Message, MessageKind, Note, Reply
from porch.listening.models import Hit, HitMark, Mute, MuteKind, SearchHit, SpikeAlert
from porch.people.models import (
    Follow,
    Identity,
    Merge,
    MergeSuggestion,
    PeerSuggestion,
    Person,
    TheirFollow,
)
from porch.triage.models import TriageCorrection
from porch.workspaces.models import Membership, Role, Workspace

CHUNK = 500  # values in one IN (...): well under every database's limit


@dataclass(frozen=True)
class Subject:
    """The person being erased or exported, with their identities."""

    workspace: Workspace
    person: Person
    identities: tuple[Identity, ...]

    def authored(self, network: str, id_field: str, handle_field: str) -> Q:
        """Rows whose author (network, id, handle in these fields) is one of the identities."""
        found = Q(pk__in=[])
        for identity in self.identities:
            found |= Q(**{network: identity.network}) & self._by(identity, id_field, handle_field)
        return found

    def _by(self, identity: Identity, id_field: str, handle_field: str) -> Q:
        ids = account_ids(identity)
        if ids:  # its id, or its handle on a row that kept no id
            return Q(**{f"{id_field}__in": ids}) | Q(
                **{handle_field: identity.handle, id_field: ""}
            )
        # Handle-only: the handle, on rows whose id no other identity of the network holds.
        others = Identity.objects.filter(workspace=self.workspace, network=identity.network)
        others = others.exclude(pk=identity.pk)
        return Q(**{handle_field: identity.handle}) & ~(
            Q(**{f"{id_field}__in": others.exclude(stable_id="").values("stable_id")})
            | Q(**{f"{id_field}__in": others.exclude(local_id="").values("local_id")})
        )

    def conversations(self) -> "QuerySet[Conversation]":
        mine = self.authored("account__network", "contact_id", "contact_handle")
        return Conversation.objects.filter(workspace=self.workspace).filter(mine)

    def messages(self) -> "QuerySet[Message]":
        """Their messages, and every message of the conversations they are the contact of."""
        theirs = self.authored("network", "author_id", "author_handle")
        in_theirs = Q(conversation__in=self.conversations())
        return Message.objects.filter(workspace=self.workspace).filter(theirs | in_theirs)

    def hits(self) -> "QuerySet[Hit]":
        theirs = self.authored("network", "author_id", "author_handle")
        return Hit.objects.filter(workspace=self.workspace).filter(theirs)

    def texts(self) -> set[str]:
        """What they wrote, as the inbox and listening keep it (the business's replies not)."""
        said = self.messages().exclude(kind=MessageKind.OURS).values_list("text", flat=True)
        return set(said) | set(self.hits().values_list("text", flat=True))

    def handles(self) -> set[str]:
        return {identity.handle for identity in self.identities}


def account_ids(identity: Identity) -> list[str]:
    """The ids a network gives the account: its stable id, and a server-local one."""
    return [value for value in (identity.stable_id, identity.local_id) if value]


Eraser = Callable[[Subject], dict[str, int]]
Exporter = Callable[[Subject], dict[str, Any]]
ERASERS: list[Eraser] = []
EXPORTERS: list[Exporter] = []


def register_erasure(eraser: Eraser) -> None:
    """Add what an app erases of a person; registering the same function again changes nothing."""
    if eraser not in ERASERS:
        ERASERS.append(eraser)


def register_export(exporter: Exporter) -> None:
    """Add what an app exports of a person; registering it again changes nothing."""
    if exporter not in EXPORTERS:
        EXPORTERS.append(exporter)


def _allowed(member: Membership, person: Person) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can erase or export a person.")
    if person.workspace_id != member.workspace_id:
        raise NotFound("This person is not in your workspace.")


def _subject(person: Person) -> Subject:
    identities = tuple(Identity.objects.filter(person=person).order_by("pk"))
    return Subject(person.workspace, person, identities)


@transaction.atomic
def erase_person(member: Membership, person: Person) -> dict[str, int]:
    """Erase everything Porch holds that names `person`, in one transaction; what went, counted."""
    _allowed(member, person)
    locked = Person.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None:
        raise NotFound("This person is not here any more: erased already, or merged.")
    subject = _subject(locked)
    erased: dict[str, int] = {}
    for eraser in ERASERS:
        for what, count in eraser(subject).items():
            erased[what] = erased.get(what, 0) + count
    erased.update(_erase_people(subject))
    return erased


def export_person(member: Membership, person: Person) -> dict[str, Any]:
    """Everything Porch holds about `person`, as plain JSON values."""
    _allowed(member, person)
    subject = _subject(person)
    exported: dict[str, Any] = {
        "person": plain(person, exclude=("workspace",)),
        "identities": [plain(i, exclude=("workspace", "person")) for i in subject.identities],
    }
    exported.update(_export_people(subject))
    for exporter in EXPORTERS:
        exported.update(exporter(subject))
    json.dumps(exported)  # a value no encoder takes fails here, not in the download
    return exported


# ---------------------------------------------------------------- rows as plain values


def plain(row: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A row's own fields (foreign keys as ids) as JSON values."""
    skip = set(exclude)
    values: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.name not in skip and not getattr(field, "generated", False):
            values[field.name] = _json(getattr(row, field.attname))
    return values


def _json(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(values, key=str)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# ---------------------------------------------------------------- triage


def _corrections(subject: Subject) -> list[TriageCorrection]:
    found: list[TriageCorrection] = []
    for texts in _chunks(subject.texts()):
        rows = TriageCorrection.objects.filter(workspace=subject.workspace, text__in=texts)
        found.extend(rows)
    return sorted(found, key=lambda row: row.pk)


def erase_corrections(subject: Subject) -> dict[str, int]:
    """The owner's corrections of what they wrote; the workspace's model relearns without them."""
    ids = [row.pk for row in _corrections(subject)]
    for chunk in _chunks(ids):
        TriageCorrection.objects.filter(pk__in=chunk).delete()
    if ids:
        from porch.triage.tasks import retrain_workspace_model

        workspace_id = subject.workspace.pk
        transaction.on_commit(lambda: retrain_workspace_model.enqueue(workspace_id))
    return {"corrections": len(ids)}


def export_corrections(subject: Subject) -> dict[str, Any]:
    rows = _corrections(subject)
    return {"corrections": [plain(row, exclude=("workspace",)) for row in rows]}


# ---------------------------------------------------------------- inbox


def erase_inbox(subject: Subject) -> dict[str, int]:
    """Their conversations (with replies, notes, alerts) and their messages elsewhere."""
    conversations = subject.conversations()
    counts = {
        "notes": Note.objects.filter(conversation__in=conversations).count(),
        "replies": Reply.objects.filter(conversation__in=conversations).count(),
    }
    messages = subject.messages()
    external_ids = set(messages.values_list("external_id", flat=True))
    counts["messages"] = messages.delete()[1].get(Message._meta.label, 0)
    counts["conversations"] = conversations.delete()[1].get(Conversation._meta.label, 0)
    others = Message.objects.filter(workspace=subject.workspace)
    for chunk in _chunks(external_ids):  # answers to their posts forget which post
        others.filter(in_reply_to__in=chunk).update(in_reply_to="")
        Reply.objects.filter(
            conversation__workspace=subject.workspace, in_reply_to__in=chunk
        ).update(in_reply_to="")
    return counts


def export_inbox(subject: Subject) -> dict[str, Any]:
    conversations = subject.conversations().order_by("first_message_at", "pk")
    messages = subject.messages().order_by("sent_at", "pk")
    replies = Reply.objects.filter(conversation__in=conversations).order_by("created_at", "pk")
    notes = Note.objects.filter(conversation__in=conversations).order_by("created_at", "pk")
    private = ("claimed_by", "claimed_at", "check_first", "idempotency_key")
    return {
        "conversations": [plain(row, exclude=("workspace",)) for row in conversations],
        "messages": [plain(row, exclude=("workspace",)) for row in messages],
        "replies": [plain(row, exclude=private) for row in replies],
        "notes": [plain(row) for row in notes],
    }


# ---------------------------------------------------------------- listening


def erase_listening(subject: Subject) -> dict[str, int]:
    """Their hits with the searches' matches and marks, mutes of them, references to them."""
    hits = subject.hits()
    ids = set(hits.values_list("pk", flat=True))
    external_ids = set(hits.values_list("external_id", flat=True))
    counts = {"matches": 0, "marks": 0, "hits": 0}
    for chunk in _chunks(ids):
        counts["matches"] += SearchHit.objects.filter(hit_id__in=chunk).count()
        counts["marks"] += HitMark.objects.filter(hit_id__in=chunk).count()
        counts["hits"] += Hit.objects.filter(pk__in=chunk).delete()[1].get(Hit._meta.label, 0)
    others = Hit.objects.filter(workspace=subject.workspace)
    for chunk in _chunks(external_ids):
        others.filter(quotes_id__in=chunk).update(quotes_id="")
        others.filter(reposts_id__in=chunk).update(reposts_id="")
    _forget_in_spike_alerts(subject.workspace, ids)
    named = Q(pk__in=[])
    for handle in subject.handles():
        named |= Q(value__iexact=handle) | Q(value__iexact=f"@{handle}")
    mutes = Mute.objects.filter(workspace=subject.workspace, kind=MuteKind.AUTHOR).filter(named)
    counts["mutes"] = mutes.delete()[0]
    return counts


def _forget_in_spike_alerts(workspace: Workspace, hit_ids: set[int]) -> None:
    if not hit_ids:
        return
    for alert in SpikeAlert.objects.filter(search__workspace=workspace).only("hit_ids"):
        kept = [hit for hit in alert.hit_ids if hit not in hit_ids]
        if len(kept) != len(alert.hit_ids):
            SpikeAlert.objects.filter(pk=alert.pk).update(hit_ids=kept)


def export_listening(subject: Subject) -> dict[str, Any]:
    hits = list(subject.hits().order_by("sent_at", "pk"))
    exported = []
    for hit in hits:
        row = plain(hit, exclude=("workspace",))
        row["searches"] = sorted(hit.searches.values_list("name", flat=True))
        row["marked_relevant"] = [mark.relevant for mark in hit.marks.order_by("pk")]
        exported.append(row)
    return {"hits": exported}


# ---------------------------------------------------------------- people itself


def _named_accounts(subject: Subject) -> Q:
    """Rows with (network, stable_id) fields that name one of the identities."""
    found = Q(pk__in=[])
    for identity in subject.identities:
        ids = account_ids(identity)
        if ids:
            found |= Q(network=identity.network, stable_id__in=ids)
    return found


def _merges_of(subject: Subject) -> list[Merge]:
    """Merges into the person, and merges (into others, since undone) that moved theirs."""
    mine = {identity.pk for identity in subject.identities}
    found = []
    for merge in Merge.objects.filter(workspace=subject.workspace).order_by("pk"):
        moved = merge.moved.get("identities", []) if isinstance(merge.moved, dict) else []
        ids = {
            item.get("identity", item.get("id")) if isinstance(item, dict) else item
            for item in moved
        }
        if merge.into_id == subject.person.pk or ids & mine:
            found.append(merge)
    return found


def _erase_people(subject: Subject) -> dict[str, int]:
    workspace, person = subject.workspace, subject.person
    peers = PeerSuggestion.objects.filter(workspace=workspace)
    peers = peers.filter(Q(person=person) | _named_accounts(subject))
    counts = {"peer_suggestions": peers.delete()[0]}
    counts["peer_reasons"] = _forget_in_peer_reasons(subject)
    their = TheirFollow.objects.filter(follower__workspace=workspace).filter(
        _named_accounts(subject)
    )
    counts["followed_by_followers"] = their.delete()[0]
    counts["merges"] = Merge.objects.filter(pk__in=[m.pk for m in _merges_of(subject)]).delete()[0]
    counts["merge_suggestions"] = MergeSuggestion.objects.filter(Q(a=person) | Q(b=person)).count()
    counts["follows"] = Follow.objects.filter(identity__person=person).count()
    counts["identities"] = len(subject.identities)
    _forget_in_admin_log(Identity, [identity.pk for identity in subject.identities])
    _forget_in_admin_log(Person, [person.pk])
    person.delete()
    counts["people"] = 1
    return counts


def needles(subject: Subject) -> list[str]:
    """What names the person in another row's text: handles, ids, names (a short name, which
    would match inside other words, is not one)."""
    names = {subject.person.display_name, *(i.display_name for i in subject.identities)}
    found = {name for name in names if len(name) >= 6 or " " in name.strip()}
    for identity in subject.identities:
        found.update({identity.handle, *account_ids(identity)})
    return sorted(value.strip() for value in found if value.strip())


def _forget_in_peer_reasons(subject: Subject) -> int:
    """Other peers' reasons that name the person (one of the shared followers): they are left
    out of the lists, and their names out of the sentences; how many suggestions changed."""
    wanted = needles(subject)
    named = Q(pk__in=[])
    for needle in wanted:  # as stored: SQLite's JSON keeps other letters as \u escapes
        named |= Q(why__icontains=needle) | Q(why__icontains=json.dumps(needle)[1:-1])
    changed = 0
    for peer in PeerSuggestion.objects.filter(workspace=subject.workspace).filter(named):
        PeerSuggestion.objects.filter(pk=peer.pk).update(why=redacted(peer.why, wanted))
        changed += 1
    return changed


def _is_them(item: object, wanted: list[str]) -> bool:
    """A list's item that is about the person: their name or handle, or a record naming them."""
    if isinstance(item, str):
        return item.strip().lstrip("@").casefold() in {n.casefold() for n in wanted}
    text = json.dumps(item, ensure_ascii=False).casefold()
    return any(needle.casefold() in text for needle in wanted)


def redacted(value: Any, wanted: list[str]) -> Any:
    """`value` (JSON) without the person: list items that are them are left out (a follower,
    a post of theirs); other strings lose their names ("a, b, c" loses "b, ")."""
    if isinstance(value, dict):
        return {key: redacted(item, wanted) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item, wanted) for item in value if not _is_them(item, wanted)]
    if isinstance(value, str):
        for needle in wanted:
            pattern = re.compile(rf"(?:,\s*)?{re.escape(needle)}(?:,\s*)?", re.IGNORECASE)
            value = pattern.sub(lambda m: ", " if m.group().count(",") == 2 else "", value)
        return value
    return value


def _forget_in_admin_log(model: type[models.Model], ids: list[int]) -> None:
    kind = ContentType.objects.get_for_model(model)
    LogEntry.objects.filter(content_type=kind, object_id__in=[str(pk) for pk in ids]).delete()


def _export_people(subject: Subject) -> dict[str, Any]:
    person = subject.person
    follows = Follow.objects.filter(identity__person=person).select_related("account")
    suggestions = MergeSuggestion.objects.filter(Q(a=person) | Q(b=person)).order_by("pk")
    peers = PeerSuggestion.objects.filter(workspace=subject.workspace)
    peers = peers.filter(Q(person=person) | _named_accounts(subject)).order_by("pk")
    their = TheirFollow.objects.filter(follower__person=person).order_by("pk")
    return {
        "follows": [
            {**plain(f), "account_handle": f.account.handle, "network": f.account.network}
            for f in follows.order_by("pk")
        ],
        "their_follows": [plain(row) for row in their],
        "merge_suggestions": [plain(row, exclude=("workspace",)) for row in suggestions],
        "merges": [plain(row, exclude=("workspace",)) for row in _merges_of(subject)],
        "peer_suggestions": [plain(row, exclude=("workspace",)) for row in peers],
    }


# Corrections first: they are found by the texts of the messages and hits erased next.
for _eraser in (erase_corrections, erase_inbox, erase_listening):
    register_erasure(_eraser)
for _exporter in (export_inbox, export_listening, export_corrections):
    register_export(_exporter)
