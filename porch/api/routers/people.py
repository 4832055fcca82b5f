"""People: everyone who talks to or about the business, found as the people page finds them
(name or handle, status, tag), each with their identities and history; what the owner knows
of them (status, tags, note, joint venture), merging a suggested pair, and erasing or
exporting a person on their request (owner or manager)."""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import DateTimeField, Q, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.params.functions import Query

from porch.api.auth import Caller, needs
from porch.api.errors import ApiError
from porch.api.idempotency import idempotent
from porch.api.pagination import page
from porch.api.schemas import ERRORS
from porch.people import history, merge, peers, privacy, services
from porch.people.forms import NOTE_LENGTH
from porch.people.models import (
    Identity,
    MergeSuggestion,
    Person,
    Status,
    SuggestionState,
    Venture,
)

router = Router(tags=["people"])

HISTORY_SHOWN = 20
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # never seen: after everyone seen


class IdentityOut(Schema):
    id: int
    network: str
    handle: str
    display_name: str
    stable_id: str
    profile_url: str


class PersonOut(Schema):
    id: int
    display_name: str
    status: str
    tags: list[str]
    note: str
    venture: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    lead_at: datetime | None
    won_amount: Decimal | None
    identities: list[IdentityOut]


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class EntryOut(Schema):
    kind: str  # message, ours (the business's reply), hit, note, correction
    id: int
    at: datetime
    network: str
    text: str
    sentiment: str
    intent: str
    url: str
    conversation_id: int | None
    by: str  # a note's or a correction's author (a member's email)


class SuggestionOut(Schema):
    id: int
    other_id: int  # the person this one may also be
    score: float
    evidence: list[str]


class PersonDetail(PersonOut):
    conversation_ids: list[int]  # the inbox conversations of their messages
    history: list[EntryOut]  # newest first: their messages, replies, hits, notes
    history_more: bool  # older entries exist (the web page pages on)
    merge_suggestions: list[SuggestionOut]  # open: confirm with POST .../merge


class PersonPatch(Schema):
    """Only what is sent changes."""

    status: Status | None = None
    tags: list[str] | None = Field(None, description="each at most 40 characters, 20 at most")
    note: str | None = Field(None, max_length=NOTE_LENGTH)
    venture: Venture | Literal[""] | None = Field(None, description='"" for none')


class MergeIn(Schema):
    other_id: int = Field(..., description="the other person of an open merge suggestion")


class MergeOut(Schema):
    merge_id: int
    into_id: int  # the person kept (the older one)
    merged_id: int  # the person merged away (its id is gone until an undo)


class EraseIn(Schema):
    confirm: bool = Field(False, description="must be true: erasing cannot be undone")


class EraseOut(Schema):
    erased: dict[str, int]  # what went, counted


def _person(caller: Caller, person_id: int) -> Person:
    found = Person.objects.filter(workspace=caller.workspace, pk=person_id).first()
    if found is None:
        raise ApiError(404, "not_found", "No such person in this workspace.")
    return found


def _identity(row: Identity) -> IdentityOut:
    return IdentityOut(
        id=row.pk,
        network=row.network,
        handle=row.handle,
        display_name=row.display_name,
        stable_id=row.stable_id,
        profile_url=row.profile_url,
    )


def _fields(person: Person, identities: list[Identity]) -> dict[str, Any]:
    return {
        "id": person.pk,
        "display_name": str(person),
        "status": person.status,
        "tags": list(person.tags),
        "note": person.note,
        "venture": person.venture,
        "first_seen_at": person.first_seen_at,
        "last_seen_at": person.last_seen_at,
        "lead_at": person.lead_at,
        "won_amount": person.won_amount,
        "identities": [_identity(i) for i in identities],
    }


def _identities_of(people: Sequence[Person]) -> dict[int, list[Identity]]:
    found: dict[int, list[Identity]] = {}
    rows = Identity.objects.filter(person__in=people).order_by("network", "handle", "pk")
    for row in rows:
        found.setdefault(row.person_id, []).append(row)
    return found


@router.get("/people", response={200: PersonPage, **ERRORS}, operation_id="list_people")
def list_people(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="part of a name or handle"),
    status: Status | None = None,
    tag: str = Query("", max_length=40),
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> PersonPage:
    """The workspace's people, last seen first (never seen last), found as the people page
    finds them: by name or handle (`q`), status and tag."""
    caller = needs(request, "read")
    found = services.matching(caller.member, q, status or "", tag)
    seen = Coalesce("last_seen_at", Value(NEVER), output_field=DateTimeField())
    rows, next_cursor = page(
        found.annotate(seen=seen),
        order=("-seen",),
        cursor=cursor,
        limit=limit,
        filters={"q": q, "status": status or "", "tag": tag},
    )
    identities = _identities_of(rows)
    items = [PersonOut(**_fields(p, identities.get(p.pk, []))) for p in rows]
    return PersonPage(items=items, next_cursor=next_cursor)


def _suggestions(person: Person) -> list[SuggestionOut]:
    rows = MergeSuggestion.objects.filter(
        Q(a=person) | Q(b=person), workspace=person.workspace, state=SuggestionState.OPEN
    ).order_by("-score", "pk")
    return [
        SuggestionOut(
            id=s.pk,
            other_id=s.b_id if s.a_id == person.pk else s.a_id,
            score=s.score,
            evidence=[str(line) for line in s.evidence],
        )
        for s in rows
    ]


def _detail(person: Person) -> PersonDetail:
    found = history.history_page(person, None, limit=HISTORY_SHOWN)
    entries = [
        EntryOut(id=e.pk, **{k: v for k, v in asdict(e).items() if k != "pk"})
        for e in found.entries
    ]
    return PersonDetail(
        **_fields(person, list(person.identities.order_by("network", "handle", "pk"))),
        conversation_ids=history.conversations_of(person),
        history=entries,
        history_more=found.next is not None,
        merge_suggestions=_suggestions(person),
    )


@router.get(
    "/people/{person_id}", response={200: PersonDetail, **ERRORS}, operation_id="get_person"
)
def get_person(request: HttpRequest, person_id: int) -> PersonDetail:
    """A person: who they are on each network, what the owner knows, the inbox conversations
    of their messages, their newest history across networks and open merge suggestions."""
    caller = needs(request, "read")
    return _detail(_person(caller, person_id))


@router.patch(
    "/people/{person_id}", response={200: PersonDetail, **ERRORS}, operation_id="update_person"
)
@idempotent
def update_person(request: HttpRequest, person_id: int, body: PersonPatch) -> PersonDetail:
    """Change a person's status, tags, note or joint venture (an owner or manager); only
    what is sent changes. Tags are trimmed and kept once each, in order."""
    caller = needs(request, "write")
    person = _person(caller, person_id)
    sent = body.model_dump(exclude_unset=True)
    status = sent.get("status") or person.status
    tags = services.clean_tags(",".join(sent["tags"] or [])) if "tags" in sent else person.tags
    note = (sent["note"] or "") if "note" in sent else person.note
    services.update_person(caller.member, person, status=status, tags=tags, note=note)
    venture = sent.get("venture")
    if "venture" in sent and (venture or "") != person.venture:
        peers.set_venture(caller.member, person, venture or "")
    person.refresh_from_db()
    return _detail(person)


@router.post(
    "/people/{person_id}/merge", response={200: MergeOut, **ERRORS}, operation_id="merge_person"
)
@idempotent
def merge_person(request: HttpRequest, person_id: int, body: MergeIn) -> MergeOut:
    """Confirm the open merge suggestion between this person and `other_id` (an owner or
    manager), as the merges page does: they become one, the older kept. Only a pair Porch
    suggested merges (404 otherwise); a settled one, or two now on one network, is a 409."""
    caller = needs(request, "write")
    person = _person(caller, person_id)
    other = _person(caller, body.other_id)
    suggestion = MergeSuggestion.objects.filter(
        Q(a=person, b=other) | Q(a=other, b=person), workspace=caller.workspace
    ).first()
    if suggestion is None:
        raise ApiError(404, "not_found", "Porch has not suggested merging these two.")
    done = merge.confirm_merge(caller.member, suggestion)
    merged = other.pk if done.into_id == person.pk else person.pk
    return MergeOut(merge_id=done.pk, into_id=done.into_id, merged_id=merged)


@router.post(
    "/people/{person_id}/erase", response={200: EraseOut, **ERRORS}, operation_id="erase_person"
)
@idempotent
def erase_person(request: HttpRequest, person_id: int, body: EraseIn) -> EraseOut:
    """Erase everything Porch holds that names the person, on their request (an owner or
    manager). It cannot be undone: send {"confirm": true}; export first if they asked."""
    caller = needs(request, "write")
    person = _person(caller, person_id)
    if not body.confirm:
        raise ApiError(
            422,
            "confirm_required",
            'Erasing cannot be undone: send {"confirm": true} to erase this person.',
            fields=[{"field": "body.confirm", "message": "Must be true."}],
        )
    return EraseOut(erased=privacy.erase_person(caller.member, person))


@router.get(
    "/people/{person_id}/export",
    response={200: dict[str, Any], **ERRORS},
    operation_id="export_person",
)
def export_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """Everything Porch holds about the person, as the people page's export gives it (an
    owner or manager): the person, identities, messages, hits, codes..."""
    caller = needs(request, "read")
    return privacy.export_person(caller.member, _person(caller, person_id))
