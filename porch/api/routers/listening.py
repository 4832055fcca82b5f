"""Listening: the searches (read by anyone; made, changed, paused and removed by an owner or
manager), what they found (hits, newest first, filtered as the stream page is) and the
stream's actions on a hit: mark it (not) relevant, take it to the inbox (write), and like,
repost, follow or answer it on its network (publish)."""

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query

from porch.api.auth import Caller, needs
from porch.api.errors import ApiError
from porch.api.idempotency import idempotent, idempotent_send
from porch.api.pagination import page
from porch.api.schemas import ERRORS
from porch.listening import services
from porch.listening.models import Hit, Search, SearchKind
from porch.listening.stream import Filters, stream_rows
from porch.networks import registry
from porch.triage.base import INTENTS, SENTIMENTS

router = Router(tags=["listening"])


class SearchOut(Schema):
    id: int
    name: str
    query: str
    kind: str
    networks: list[str]
    active: bool
    monthly_read_budget: int | None
    hits_this_week: int
    created_at: datetime
    updated_at: datetime


class SearchIn(Schema):
    name: str = Field("", max_length=100, description="shown in lists; the query when empty")
    query: str = Field(..., min_length=1, max_length=512, description="porch's search syntax")
    kind: SearchKind = SearchKind.OTHER
    networks: list[str] = Field(
        ..., min_length=1, max_length=20, description="network names; each must be able to search"
    )
    monthly_read_budget: int | None = Field(None, ge=0, le=10_000_000)


class SearchPatch(Schema):
    """Only what is sent changes; `active` pauses (false) or resumes (true) the search."""

    name: str | None = Field(None, max_length=100)
    query: str | None = Field(None, min_length=1, max_length=512)
    kind: SearchKind | None = None
    networks: list[str] | None = Field(None, min_length=1, max_length=20)
    monthly_read_budget: int | None = Field(None, ge=0, le=10_000_000)
    active: bool | None = None


class SearchPage(Schema):
    items: list[SearchOut]
    next_cursor: str | None


class HitOut(Schema):
    id: int
    network: str
    author_handle: str
    author_name: str
    text: str
    url: str
    sent_at: datetime
    lang: str
    intent: str
    sentiment: str
    urgency: float
    is_question: bool
    judged_irrelevant: bool
    conversation_id: int | None  # the inbox conversation it was taken to


class HitPage(Schema):
    items: list[HitOut]
    next_cursor: str | None


class MarkIn(Schema):
    relevant: bool = Field(..., description="false: hide it from the streams; true: show it")


class MarkOut(Schema):
    hit_id: int
    relevant: bool


class TakenOut(Schema):
    hit_id: int
    conversation_id: int


class EngageIn(Schema):
    action: Literal["like", "repost", "follow"] = Field(..., description="follow: its author")


class EngageOut(Schema):
    hit_id: int
    action: str


class HitReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=10_000)


class HitReplyOut(Schema):
    id: int
    conversation_id: int
    status: str  # pending: waits for approval (a helper's); queued, sent, failed...


def _search(caller: Caller, search_id: int) -> Search:
    found = Search.objects.filter(workspace=caller.workspace, pk=search_id).first()
    if found is None:
        raise ApiError(404, "not_found", "No such search in this workspace.")
    return found


def _hit(caller: Caller, hit_id: int) -> Hit:
    found = Hit.objects.filter(workspace=caller.workspace, pk=hit_id).first()
    if found is None:
        raise ApiError(404, "not_found", "No such hit in this workspace.")
    return found


def _week(caller: Caller) -> dict[int, int]:
    return services.week_counts(caller.member, timezone.now() - timedelta(days=7))


def _out(search: Search, week: dict[int, int]) -> SearchOut:
    return SearchOut(
        id=search.pk,
        name=search.name,
        query=search.query,
        kind=search.kind,
        networks=list(search.networks),
        active=search.active,
        monthly_read_budget=search.monthly_read_budget,
        hits_this_week=week.get(search.pk, 0),
        created_at=search.created_at,
        updated_at=search.updated_at,
    )


@router.get("/searches", response={200: SearchPage, **ERRORS}, operation_id="list_searches")
def list_searches(
    request: HttpRequest, cursor: str | None = None, limit: int = Query(50, ge=1, le=200)
) -> SearchPage:
    """The workspace's searches, oldest first, with how many hits each found this week."""
    caller = needs(request, "read")
    rows, next_cursor = page(
        services.searches_of(caller.member), order=("created_at",), cursor=cursor, limit=limit
    )
    week = _week(caller)
    return SearchPage(items=[_out(s, week) for s in rows], next_cursor=next_cursor)


@router.post("/searches", response={201: SearchOut, **ERRORS}, operation_id="create_search")
@idempotent
def create_search(request: HttpRequest, body: SearchIn) -> Status[SearchOut]:
    """Listen for a query (an owner or manager). A query the parser cannot read is a 422
    `search_syntax_error` saying what to fix; the same query and kind twice, a 409."""
    caller = needs(request, "write")
    search = services.create_search(
        caller.member,
        body.name,
        body.query,
        body.kind,
        body.networks,
        body.monthly_read_budget,
    )
    return Status(201, _out(search, {}))


@router.get("/searches/{search_id}", response={200: SearchOut, **ERRORS}, operation_id="get_search")
def get_search(request: HttpRequest, search_id: int) -> SearchOut:
    """One search."""
    caller = needs(request, "read")
    return _out(_search(caller, search_id), _week(caller))


@router.patch(
    "/searches/{search_id}", response={200: SearchOut, **ERRORS}, operation_id="update_search"
)
@idempotent
def update_search(request: HttpRequest, search_id: int, body: SearchPatch) -> SearchOut:
    """Change a search (an owner or manager): only the fields sent change; a changed query
    starts its runs afresh. `active: false` pauses it, `true` resumes it."""
    caller = needs(request, "write")
    search = _search(caller, search_id)
    sent = body.model_dump(exclude_unset=True)
    active = sent.pop("active", None)
    if sent:
        values = {
            "name": search.name,
            "query": search.query,
            "kind": search.kind,
            "networks": search.networks,
            "budget": search.monthly_read_budget,
        }
        values.update({k: v for k, v in sent.items() if k != "monthly_read_budget"})
        if "monthly_read_budget" in sent:
            values["budget"] = sent["monthly_read_budget"]
        for name in ("name", "query", "kind", "networks"):
            if values[name] is None:
                raise ApiError(
                    422,
                    "invalid_input",
                    f"{name} cannot be null.",
                    fields=[{"field": f"body.{name}", "message": "Send a value, or leave it out."}],
                )
        search = services.edit_search(caller.member, search, **values)
    if active is not None:
        search = services.pause_search(caller.member, search, active=active)
    search.refresh_from_db()
    return _out(search, _week(caller))


@router.delete(
    "/searches/{search_id}", response={204: None, **ERRORS}, operation_id="delete_search"
)
@idempotent
def delete_search(request: HttpRequest, search_id: int) -> Status[None]:
    """Remove a search (an owner or manager); hits other searches found stay."""
    caller = needs(request, "write")
    services.delete_search(caller.member, _search(caller, search_id))
    return Status(204, None)


def _allowed(name: str, value: str, allowed: list[str] | tuple[str, ...]) -> str:
    if value and value not in allowed:
        raise ApiError(
            422,
            "invalid_input",
            f"{value} is not a {name} Porch knows.",
            fields=[{"field": f"query.{name}", "message": f"One of: {', '.join(allowed)}."}],
        )
    return value


def _hits_out(caller: Caller, hits: list[Hit]) -> list[HitOut]:
    taken = services.conversations_of(caller.member, hits)
    return [
        HitOut(
            id=hit.pk,
            network=hit.network,
            author_handle=hit.author_handle,
            author_name=hit.author_name,
            text=hit.text,
            url=hit.url,
            sent_at=hit.sent_at,
            lang=hit.lang,
            intent=hit.intent,
            sentiment=hit.sentiment,
            urgency=hit.urgency,
            is_question=hit.is_question,
            judged_irrelevant=hit.judged_irrelevant,
            conversation_id=taken.get(hit.pk),
        )
        for hit in hits
    ]


@router.get(
    "/searches/{search_id}/hits", response={200: HitPage, **ERRORS}, operation_id="list_hits"
)
def list_hits(
    request: HttpRequest,
    search_id: int,
    network: str = "",
    intent: str = "",
    sentiment: str = "",
    questions: bool = False,
    hidden: bool = False,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> HitPage:
    """What a search found, newest first, without muted authors and words and without the
    hits marked (or judged) not relevant; `hidden=true` lists just those marked or judged
    not relevant (to restore one). Filters as the stream page: network, intent, sentiment,
    questions (only questions)."""
    caller = needs(request, "read")
    search = _search(caller, search_id)
    filters = Filters(
        network=_allowed("network", network, [name for name, _ in registry.choices()]),
        intent=_allowed("intent", intent, INTENTS),
        sentiment=_allowed("sentiment", sentiment, SENTIMENTS),
        questions=questions,
        hidden=hidden,
    )
    hits, next_cursor = page(
        stream_rows(caller.member, search, filters),
        order=("-sent_at",),
        cursor=cursor,
        limit=limit,
        filters={"search": search.pk, **asdict(filters)},
    )
    return HitPage(items=_hits_out(caller, hits), next_cursor=next_cursor)


@router.post("/hits/{hit_id}/mark", response={200: MarkOut, **ERRORS}, operation_id="mark_hit")
@idempotent
def mark_hit(request: HttpRequest, hit_id: int, body: MarkIn) -> MarkOut:
    """Mark a hit not relevant (it leaves the streams) or relevant after all (it is back);
    any member. The relevance model learns from the marks."""
    caller = needs(request, "write")
    hit = _hit(caller, hit_id)
    if body.relevant:
        services.mark_relevant(caller.member, hit)
    else:
        services.mark_not_relevant(caller.member, hit)
    return MarkOut(hit_id=hit.pk, relevant=body.relevant)


@router.post("/hits/{hit_id}/take", response={200: TakenOut, **ERRORS}, operation_id="take_hit")
@idempotent
def take_hit(request: HttpRequest, hit_id: int) -> TakenOut:
    """The hit becomes an inbox conversation (any member); taking it again gives the same
    one. 409 when the workspace has no account on the hit's network."""
    caller = needs(request, "write")
    conversation = services.take_to_inbox(caller.member, _hit(caller, hit_id))
    return TakenOut(hit_id=hit_id, conversation_id=conversation.pk)


@router.post(
    "/hits/{hit_id}/engage", response={200: EngageOut, **ERRORS}, operation_id="engage_hit"
)
@idempotent_send
def engage_hit(request: HttpRequest, hit_id: int, body: EngageIn) -> EngageOut:
    """Like or repost the hit, or follow its author, from the workspace's account on its
    network (an owner or manager; doing it twice changes nothing)."""
    caller = needs(request, "publish")
    services.engage(caller.member, _hit(caller, hit_id), body.action)
    return EngageOut(hit_id=hit_id, action=body.action)


@router.post(
    "/hits/{hit_id}/replies", response={201: HitReplyOut, **ERRORS}, operation_id="reply_to_hit"
)
@idempotent_send
def reply_to_hit(request: HttpRequest, hit_id: int, body: HitReplyIn) -> Status[HitReplyOut]:
    """Answer the hit: it is taken to the inbox and the reply goes out through its outbox
    (any member; a helper's waits for approval)."""
    caller = needs(request, "publish")
    reply = services.reply(caller.member, _hit(caller, hit_id), body.text)
    return Status(
        201, HitReplyOut(id=reply.pk, conversation_id=reply.conversation_id, status=reply.status)
    )
