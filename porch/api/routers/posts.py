"""Posts: compose (draft, queue into the accounts' slots, or at a time), the list and one
post's results per account, submit, approve, send back, cancel, and changes to one account's
target. The checks and the rules are publishing's (compose.problems/check, create_post and
publishing.services), called with the caller's member: a helper's scheduled post waits for
an owner or manager whatever the token's scopes. Drafts need the write scope; anything
that puts a post on its way to a network needs publish."""

from datetime import datetime
from typing import Annotated, Literal

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Path, Query

from porch.api.auth import Caller, needs
from porch.api.errors import ApiError
from porch.api.idempotency import idempotent
from porch.api.pagination import LIMIT, MAX_LIMIT, page
from porch.api.schemas import ERRORS, When
from porch.core.params import ID_MAX
from porch.insights.models import HistoryPost
from porch.publishing import services
from porch.publishing.compose import (
    Draft,
    Problem,
    Version,
    check,
    create_post,
    problems,
)
from porch.publishing.models import Post, PostingSlot, PostStatus, PostTarget, Visibility
from porch.workspaces.models import ConnectedAccount

router = Router(tags=["posts"])

ID = Path(..., ge=1, le=ID_MAX)
NO_POST = "No such post in this workspace."
NO_TARGET = "No such target of this post."
NO_ACCOUNT = "No such account in this workspace."
MAX_TEXT = 40_000  # far above any network's limit: the networks' own rules answer first
MAX_ACCOUNTS = 50


# --- schemas ---------------------------------------------------------------------------------

AccountId = Annotated[int, Field(ge=1, le=ID_MAX)]


class VersionIn(Schema):
    account_id: int = Field(..., ge=1, le=ID_MAX)
    text: str | None = Field(
        None, min_length=1, max_length=MAX_TEXT, pattern=r"\S", description="null: the post's text"
    )
    thread: bool = Field(False, description="split into a thread where it is too long")
    public_there: bool = Field(
        False, description="followers only: post publicly on a network that has no such posts"
    )


class PostIn(Schema):
    text: str = Field(..., min_length=1, max_length=MAX_TEXT, pattern=r"\S")
    account_ids: list[AccountId] = Field(..., min_length=1, max_length=MAX_ACCOUNTS)
    versions: list[VersionIn] = Field(
        default_factory=list,
        max_length=MAX_ACCOUNTS,
        description="an account's own text or thread (each account in account_ids)",
    )
    when: Literal["draft", "queue", "at"] = Field(
        "queue", description="draft; queue: each account's next free slot; at: `at`"
    )
    at: When | None = Field(None, description="with its offset, for when=at")
    visibility: Literal["public", "followers"] = "public"
    pillar: str = Field("", max_length=60)
    repeat_every_days: int | None = Field(None, ge=1, le=365)
    track_links: bool = False
    confirm_duplicates: bool = Field(
        False, description="schedule it even though an account posted nearly the same lately"
    )


class FiguresOut(Schema):
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int | None
    engagement: int
    measured_at: datetime | None


class TargetOut(Schema):
    id: int
    account_id: int
    network: str
    account_handle: str
    text: str
    parts: list[str]  # the thread's parts, the first is `text`
    state: str  # draft, scheduled, publishing, published, failed
    scheduled_at: datetime | None
    published_at: datetime | None
    url: str
    error: str  # what went wrong and what to do, when it failed
    figures: FiguresOut | None  # engagement counts once insights has read them


class PostOut(Schema):
    id: int
    text: str
    status: str  # draft, awaiting_approval, scheduled, published, failed
    visibility: str
    pillar: str
    source: str
    repeat_every_days: int | None
    track_links: bool
    review_comment: str  # why an owner or manager sent it back
    author_email: str | None
    created_at: datetime
    targets: list[TargetOut]


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None


class SendBackIn(Schema):
    comment: str = Field(..., max_length=500)


class TargetPatch(Schema):
    text: str | None = Field(None, max_length=MAX_TEXT)
    thread: bool = False
    at: When | None = Field(None, description="a new time, with its offset")


class SlotOut(Schema):
    id: int
    account_id: int
    weekday: int  # 0 = Monday
    # a wall-clock time in the account's zone: no offset, so not JSON Schema's "time" format
    time: str = Field(..., pattern=r"^\d\d:\d\d$", description="HH:MM in the account's zone")
    timezone: str


# --- reading ---------------------------------------------------------------------------------


def _posts(caller: Caller) -> "QuerySet[Post]":
    return Post.objects.filter(workspace=caller.workspace).select_related("author")


def _post(caller: Caller, post_id: int) -> Post:
    found = _posts(caller).filter(pk=post_id).first()
    if found is None:
        raise ApiError(404, "not_found", NO_POST)
    return found


def _figures(targets: list[PostTarget]) -> dict[tuple[int, str], FiguresOut]:
    """Insights' latest counts for the targets that went out, in one query."""
    published = [t for t in targets if t.external_id]
    if not published:
        return {}
    rows = HistoryPost.objects.filter(
        account_id__in={t.account_id for t in published},
        external_id__in={t.external_id for t in published},
    )
    return {
        (h.account_id, h.external_id): FiguresOut(
            likes=h.likes,
            reposts=h.reposts,
            replies=h.replies,
            quotes=h.quotes,
            impressions=h.impressions,
            engagement=h.engagement,
            measured_at=h.metrics_at,
        )
        for h in rows
    }


def _out(posts: list[Post]) -> list[PostOut]:
    targets = list(
        PostTarget.objects.filter(post__in=posts)
        .select_related("account")
        .order_by("scheduled_at", "pk")
    )
    figures = _figures(targets)
    by_post: dict[int, list[TargetOut]] = {p.pk: [] for p in posts}
    for t in targets:
        by_post[t.post_id].append(
            TargetOut(
                id=t.pk,
                account_id=t.account_id,
                network=t.account.network,
                account_handle=t.account.handle,
                text=t.text,
                parts=t.parts(),
                state=t.state,
                scheduled_at=t.scheduled_at,
                published_at=t.published_at,
                url=t.url,
                error=t.error,
                figures=figures.get((t.account_id, t.external_id)) if t.external_id else None,
            )
        )
    return [
        PostOut(
            id=p.pk,
            text=p.text,
            status=p.status,
            visibility=p.visibility,
            pillar=p.pillar,
            source=p.source,
            repeat_every_days=p.repeat_every_days,
            track_links=p.track_links,
            review_comment=p.review_comment,
            author_email=p.author.email if p.author else None,
            created_at=p.created_at,
            targets=by_post[p.pk],
        )
        for p in posts
    ]


def _one(caller: Caller, post_id: int) -> PostOut:
    return _out([_post(caller, post_id)])[0]


def _account(caller: Caller, account_id: int) -> ConnectedAccount:
    found = caller.workspace.accounts.filter(pk=account_id).first()
    if found is None:
        raise ApiError(404, "not_found", NO_ACCOUNT)
    return found


@router.get("/posts", response={200: PostPage, **ERRORS}, operation_id="list_posts")
def list_posts(
    request: HttpRequest,
    state: PostStatus | None = None,
    account: int | None = Query(None, ge=1, le=ID_MAX, description="posts to this account"),
    cursor: str | None = None,
    limit: int = Query(LIMIT, ge=1, le=MAX_LIMIT),
) -> PostPage:
    """The workspace's posts, newest first, each with its targets (one per account): their
    state, time, link and error. Filters: state (the post's status) and account (posts with
    a target on that account)."""
    caller = needs(request, "read")
    posts = _posts(caller)
    if state is not None:
        posts = posts.filter(status=state.value)
    if account is not None:
        chosen = _account(caller, account)
        posts = posts.filter(pk__in=PostTarget.objects.filter(account=chosen).values("post_id"))
    rows, next_cursor = page(
        posts,
        order=["-created_at"],
        cursor=cursor,
        limit=limit,
        filters={"state": state.value if state else None, "account": account},
    )
    return PostPage(items=_out(rows), next_cursor=next_cursor)


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS}, operation_id="get_post")
def get_post(request: HttpRequest, post_id: int = ID) -> PostOut:
    """One post and its results per account: each target's state, scheduled and published
    times, link, error (what to do about it) and, once insights has read them, its
    engagement figures."""
    caller = needs(request, "read")
    return _one(caller, post_id)


@router.get("/slots", response={200: list[SlotOut], **ERRORS}, operation_id="list_slots")
def list_slots(request: HttpRequest) -> list[SlotOut]:
    """Every account's weekly posting times (local wall-clock, in the account's zone): a
    post with when=queue takes each account's next free one."""
    caller = needs(request, "read")
    slots = PostingSlot.objects.filter(account__workspace=caller.workspace).select_related(
        "account"
    )
    return [
        SlotOut(
            id=s.pk,
            account_id=s.account_id,
            weekday=s.weekday,
            time=f"{s.time:%H:%M}",
            timezone=s.account.timezone,
        )
        for s in slots.order_by("account_id", "weekday", "time", "pk")
    ]


# --- composing -------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_input", message, fields=[{"field": field, "message": message}])


def _own_versions(caller: Caller, body: PostIn) -> tuple[list[Version], dict[int, int]]:
    """The draft's versions, one per account id (each resolved in the caller's workspace),
    and which body.versions entry each came from (version index -> entry index)."""
    ids = list(dict.fromkeys(body.account_ids))
    found = {a.pk: a for a in caller.workspace.accounts.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise ApiError(404, "not_found", NO_ACCOUNT)
    entries: dict[int, int] = {}
    for number, entry in enumerate(body.versions):
        if entry.account_id not in found:
            raise _invalid(f"versions[{number}].account_id", "Not one of account_ids.")
        if entry.account_id in entries:
            raise _invalid(f"versions[{number}].account_id", "One version an account.")
        entries[entry.account_id] = number
    versions = []
    for account_id in ids:
        own = body.versions[entries[account_id]] if account_id in entries else None
        text = own.text if own is not None and own.text is not None else body.text
        thread, public_there = (own.thread, own.public_there) if own else (False, False)
        versions.append(Version(found[account_id], text.strip(), thread, public_there))
    came_from = {index: entries[a] for index, a in enumerate(ids) if a in entries}
    return versions, came_from


def _field(problem: Problem, body: PostIn, came_from: dict[int, int]) -> str:
    """Where in the body the problem is: "versions[1].text", "text", "account_ids[0]"."""
    if problem.version is None:
        return "account_ids" if problem.field == "versions" else problem.field
    number = came_from.get(problem.version)
    if problem.field == "text":
        own = number is not None and body.versions[number].text is not None
        return f"versions[{number}].text" if own else "text"
    if number is not None:
        return f"versions[{number}].{problem.field}"
    return f"account_ids[{problem.version}]"


def _refuse_problems(draft: Draft, body: PostIn, came_from: dict[int, int]) -> None:
    found = problems(draft)
    if not found:
        return
    fields = [
        {
            "field": _field(p, body, came_from),
            "message": p.message,
            "account": p.account_id,
            "network": p.network or None,
        }
        for p in found
    ]
    raise ApiError(422, "compose_error", found[0].message, fields=fields)


@router.post("/posts", response={201: PostOut, **ERRORS}, operation_id="create_post")
@idempotent
def create_post_op(request: HttpRequest, body: PostIn) -> Status[PostOut]:
    """Write a post for some of the workspace's accounts: a draft (scope write), or
    scheduled into each account's next free slot (when=queue) or at a time (when=at) (scope
    publish). Each account may have its own text or be a thread (`versions`). Every
    network's rules are checked at once: a 422 `compose_error` lists each problem in
    `fields` (the body's field, the account and network, what to do). An account that
    posted nearly the same in the last 30 days answers 409 `duplicate_post` unless
    confirm_duplicates. A helper's scheduled post waits for an owner's or manager's
    approval (status awaiting_approval)."""
    caller = needs(request, "write" if body.when == "draft" else "publish")
    versions, came_from = _own_versions(caller, body)
    draft = Draft(
        text=body.text.strip(),
        versions=versions,
        when=body.when,
        at=body.at,
        pillar=body.pillar.strip(),
        repeat_every_days=body.repeat_every_days,
        track_links=body.track_links,
        confirm_duplicates=body.confirm_duplicates,
        visibility=Visibility(body.visibility),
    )
    _refuse_problems(draft, body, came_from)
    warnings = check(draft, timezone.now())
    if warnings and not body.confirm_duplicates and body.when != "draft":
        message = " ".join(warnings) + " Send confirm_duplicates: true to schedule it anyway."
        raise ApiError(409, "duplicate_post", message)
    post = create_post(caller.member, caller.member.user, draft)
    return Status(201, _one(caller, post.pk))


# --- after writing ---------------------------------------------------------------------------


@router.post(
    "/posts/{post_id}/submit", response={200: PostOut, **ERRORS}, operation_id="submit_post"
)
@idempotent
def submit_post(request: HttpRequest, post_id: int = ID) -> PostOut:
    """Schedule a draft: each account's target keeps its time if it is still ahead, else
    takes the account's next free slot. A helper's post then waits for approval."""
    caller = needs(request, "publish")
    services.submit(caller.member, _post(caller, post_id))
    return _one(caller, post_id)


@router.post(
    "/posts/{post_id}/approve", response={200: PostOut, **ERRORS}, operation_id="approve_post"
)
@idempotent
def approve_post(request: HttpRequest, post_id: int = ID) -> PostOut:
    """Approve a post waiting for approval (owner or manager): it goes out at its times."""
    caller = needs(request, "publish")
    services.approve(caller.member, _post(caller, post_id))
    return _one(caller, post_id)


@router.post(
    "/posts/{post_id}/send-back",
    response={200: PostOut, **ERRORS},
    operation_id="send_back_post",
)
@idempotent
def send_back_post(request: HttpRequest, body: SendBackIn, post_id: int = ID) -> PostOut:
    """Send a post waiting for approval back to its author with what should change (owner or
    manager): it becomes a draft again."""
    caller = needs(request, "publish")
    services.send_back(caller.member, _post(caller, post_id), body.comment)
    return _one(caller, post_id)


@router.post(
    "/posts/{post_id}/cancel", response={200: PostOut, **ERRORS}, operation_id="cancel_post"
)
@idempotent
def cancel_post(request: HttpRequest, post_id: int = ID) -> PostOut:
    """Take a post off the schedule before any of it goes out: it becomes a draft again
    (submit schedules it anew). Too late once a target is going out or went out (422
    `compose_error`)."""
    caller = needs(request, "publish")
    services.cancel(caller.member, _post(caller, post_id))
    return _one(caller, post_id)


def _target(caller: Caller, post_id: int, target_id: int) -> PostTarget:
    post = _post(caller, post_id)
    found = post.targets.select_related("account", "post").filter(pk=target_id).first()
    if found is None:
        raise ApiError(404, "not_found", NO_TARGET)
    return found


@router.patch(
    "/posts/{post_id}/targets/{target_id}",
    response={200: PostOut, **ERRORS},
    operation_id="update_post_target",
)
@idempotent
def update_post_target(
    request: HttpRequest, body: TargetPatch, post_id: int = ID, target_id: int = ID
) -> PostOut:
    """Change one account's text (`thread`: split it where too long) or time before it goes
    out. Scope write for a draft, publish otherwise. A helper's change to an approved post
    sends the whole post back for approval; nothing of it goes out before."""
    caller = needs(request, "write")
    target = _target(caller, post_id, target_id)
    if target.post.status != PostStatus.DRAFT:
        needs(request, "publish")
    if body.text is None and body.at is None:
        raise _invalid("text", "Send a new text, a new time, or both.")
    with transaction.atomic():  # both changes or neither
        if body.text is not None:
            services.edit(caller.member, target, body.text.strip(), body.thread)
        if body.at is not None:
            services.reschedule(caller.member, target, body.at)
    return _one(caller, post_id)


@router.post(
    "/posts/{post_id}/targets/{target_id}/retry",
    response={200: PostOut, **ERRORS},
    operation_id="retry_post_target",
)
@idempotent
def retry_post_target(request: HttpRequest, post_id: int = ID, target_id: int = ID) -> PostOut:
    """Send a failed target again now (its approved text). Nothing changes for a target
    that did not fail."""
    caller = needs(request, "publish")
    services.retry(caller.member, _target(caller, post_id, target_id))
    return _one(caller, post_id)
