"""The inbox: conversations in the page's order and with its filters, their messages, and
what a member does on them (status, assignee, intent correction, notes, replies and the
approval of helpers' replies). Every id is looked up in the caller's workspace first;
then the service the page calls decides, with the caller's member and role."""

from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Path, Query

from porch.api.auth import Caller, needs
from porch.api.errors import ApiError
from porch.api.idempotency import idempotent, idempotent_send
from porch.api.pagination import LIMIT, MAX_LIMIT, page
from porch.api.schemas import ERRORS
from porch.core.params import ID_MAX, parse_id
from porch.core.who import Author, describe
from porch.inbox import services
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    Intent,
    Message,
    MessageKind,
    Note,
    Reply,
)
from porch.inbox.queries import NOBODY, inbox

router = Router(tags=["inbox"])

ID = Path(..., ge=1, le=ID_MAX)
ASSIGNEE = r"^(me|none|[1-9][0-9]{0,17})$"
NO_CONVERSATION = "No such conversation in this workspace."
NO_REPLY = "No such reply in this workspace."


class AssigneeOut(Schema):
    member_id: int | None  # null when the person has left the workspace
    email: str


class ConversationOut(Schema):
    id: int
    account_id: int
    network: str
    account_handle: str
    contact_handle: str
    status: str
    intent: str
    urgency: float  # 0..1, from triage
    assignee: AssigneeOut | None
    first_message_at: datetime
    last_message_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    preview: str | None  # the latest message's text


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class ContactOut(Schema):
    handle: str
    network_id: str  # the network's stable id of the contact; "" where unknown
    name: str | None  # what Porch knows of the person (people), else null
    person_status: str  # "Customer", "Lead"...; "" when none


class AlertDeliveryOut(Schema):
    channel: str
    status: str
    attempts: int
    sent_at: datetime | None
    error: str


class AlertOut(Schema):
    alerted_at: datetime | None  # when the urgent-complaint alert was raised; null: never
    deliveries: list[AlertDeliveryOut]


class NoteOut(Schema):
    id: int
    text: str
    author_email: str | None
    created_at: datetime


class ReplyOut(Schema):
    id: int
    conversation_id: int
    text: str
    status: str  # pending (awaits approval), returned, queued, sending, sent, failed
    status_text: str
    comment: str  # why it was sent back
    error: str  # why it is not sent yet and what to do
    author_email: str | None
    created_at: datetime
    decided_at: datetime | None
    sent_message_id: int | None


class ConversationDetailOut(ConversationOut):
    contact: ContactOut
    sentiment: str | None  # the customer's latest message's
    alert: AlertOut
    notes: list[NoteOut]
    unsent_replies: list[ReplyOut]


class MessageOut(Schema):
    id: int
    kind: str  # mention, reply, direct, ours
    external_id: str
    author_handle: str
    author_name: str
    text: str
    url: str
    sent_at: datetime
    intent: str
    sentiment: str
    urgency: float


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class ConversationPatch(Schema):
    status: ConversationStatus | None = None
    intent: Intent | None = None  # a new intent is a correction the triage model learns from
    assignee_id: int | None = Field(None, ge=1, le=ID_MAX)  # a member's id; null: nobody


# Something besides blanks (Python's str.strip blanks, as the services check them).
WRITTEN = r"[^\s\x1c-\x1f]"


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=63_000, pattern=WRITTEN)


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=5_000, pattern=WRITTEN)


class ReplySendBackIn(Schema):
    comment: str = Field(..., min_length=1, max_length=2_000, pattern=WRITTEN)


class DiscardedOut(Schema):
    id: int
    discarded: bool


# --- looking things up in the caller's workspace -------------------------------------------


def _conversation(caller: Caller, pk: int) -> Conversation:
    rows = Conversation.objects.select_related("account", "workspace", "assigned_to")
    found = rows.filter(workspace=caller.workspace, pk=pk).first()
    if found is None:
        raise ApiError(404, "not_found", NO_CONVERSATION)
    return found


def _reply(caller: Caller, pk: int) -> Reply:
    rows = Reply.objects.select_related(
        "conversation__account", "conversation__workspace", "author"
    )
    found = rows.filter(conversation__workspace=caller.workspace, pk=pk).first()
    if found is None:
        raise ApiError(404, "not_found", NO_REPLY)
    return found


def _user(caller: Caller) -> User:
    user: User = caller.member.user
    return user


def _members(caller: Caller) -> dict[int, int]:
    """The workspace's members by user id: user id -> member id."""
    return dict(caller.workspace.members.values_list("user_id", "pk"))


def _member_user(caller: Caller, member_id: int) -> int | None:
    """The user id of a member of the caller's workspace; None when there is none."""
    found = caller.workspace.members.filter(pk=member_id).values_list("user_id", flat=True)
    return int(found[0]) if found else None


# --- answers -------------------------------------------------------------------------------


def _assignee(convo: Conversation, members: dict[int, int]) -> AssigneeOut | None:
    user = convo.assigned_to
    if user is None:
        return None
    return AssigneeOut(member_id=members.get(user.pk), email=user.email)


def _conversation_out(convo: Conversation, members: dict[int, int]) -> dict[str, Any]:
    return {
        "id": convo.pk,
        "account_id": convo.account_id,
        "network": convo.account.network,
        "account_handle": convo.account.handle,
        "contact_handle": convo.contact_handle,
        "status": convo.status,
        "intent": convo.intent,
        "urgency": convo.urgency,
        "assignee": _assignee(convo, members),
        "first_message_at": convo.first_message_at,
        "last_message_at": convo.last_message_at,
        "first_response_at": convo.first_response_at,
        "resolved_at": convo.resolved_at,
        "preview": getattr(convo, "preview", None),
    }


def reply_out(reply: Reply) -> ReplyOut:
    return ReplyOut(
        id=reply.pk,
        conversation_id=reply.conversation_id,
        text=reply.text,
        status=reply.status,
        status_text=reply.get_status_display(),
        comment=reply.comment,
        error=reply.error,
        author_email=reply.author.email if reply.author else None,
        created_at=reply.created_at,
        decided_at=reply.decided_at,
        sent_message_id=reply.sent_id,
    )


def _note_out(note: Note) -> NoteOut:
    email = note.author.email if note.author else None
    return NoteOut(id=note.pk, text=note.text, author_email=email, created_at=note.created_at)


def _contact(convo: Conversation) -> ContactOut:
    author = Author(convo.account.network, convo.contact_id, convo.contact_handle)
    who = describe(convo.workspace, [author]).get(author)
    return ContactOut(
        handle=convo.contact_handle,
        network_id=convo.contact_id,
        name=who.name if who else None,
        person_status=who.status if who else "",
    )


def _detail(caller: Caller, convo: Conversation) -> ConversationDetailOut:
    latest = convo.messages.exclude(kind=MessageKind.OURS).order_by("-sent_at").first()
    deliveries = convo.alert_deliveries.order_by("channel")
    unsent = services.unsent_replies(caller.member, _user(caller), convo)
    return ConversationDetailOut(
        **_conversation_out(convo, _members(caller)),
        contact=_contact(convo),
        sentiment=latest.sentiment if latest else None,
        alert=AlertOut(
            alerted_at=convo.alerted_at,
            deliveries=[
                AlertDeliveryOut(
                    channel=d.channel,
                    status=d.status,
                    attempts=d.attempts,
                    sent_at=d.sent_at,
                    error=d.error,
                )
                for d in deliveries
            ],
        ),
        notes=[_note_out(n) for n in convo.notes.select_related("author").order_by("created_at")],
        unsent_replies=[reply_out(r) for r in unsent],
    )


# --- conversations -------------------------------------------------------------------------


@router.get(
    "/conversations",
    response={200: ConversationPage, **ERRORS},
    operation_id="list_conversations",
)
def list_conversations(
    request: HttpRequest,
    intent: Intent | None = None,
    network: str | None = Query(None, max_length=16),
    account: int | None = Query(None, ge=1, le=ID_MAX),
    status: Literal["open", "waiting", "resolved", "all"] = "open",
    assignee: str | None = Query(None, pattern=ASSIGNEE, description='"me", "none", a member id'),
    q: str | None = Query(None, max_length=200, description="words in a message or the handle"),
    cursor: str | None = None,
    limit: int = Query(LIMIT, ge=1, le=MAX_LIMIT),
) -> ConversationPage:
    """The inbox in its order: open complaints first, most urgent first, then questions and
    leads, then the rest, oldest first within each (as the inbox page). Filters as the page:
    status (default open; "all"), intent, network, account, assignee ("me", "none" or a
    member's id) and q (words in a message or the contact's handle; a scan, slower than the
    other filters). A conversation whose intent or status changes between two pages can
    move across the cursor, so a walk may see it twice or not at all."""
    caller = needs(request, "read")
    filters = {
        "intent": intent.value if intent else "",
        "network": network or "",
        "account": account or "",
        "status": status,
        "assignee": _assignee_filter(caller, assignee),
        "q": (q or "").strip(),
        "user": _user(caller),
    }
    asked = {
        "intent": filters["intent"],
        "network": network,
        "account": account,
        "status": status,
        "assignee": assignee,
        "q": q,
    }
    queue = inbox(caller.workspace, filters)
    rows, next_cursor = page(
        queue if filters["assignee"] is not None else queue.none(),
        order=["rank", "-rank_urgency", "first_message_at"],
        cursor=cursor,
        limit=limit,
        filters=asked,
    )
    members = _members(caller)
    items = [ConversationOut(**_conversation_out(c, members)) for c in rows]
    return ConversationPage(items=items, next_cursor=next_cursor)


def _assignee_filter(caller: Caller, assignee: str | None) -> str | None:
    """The queue query's assignee value: "me", "nobody", a user id, or "" for anyone; None
    for a member id of no member of the workspace (nothing matches)."""
    value = (assignee or "").strip()
    if value in ("", "me"):
        return value
    if value == "none":
        return NOBODY
    if (member_id := parse_id(value)) is not None:
        user_id = _member_user(caller, member_id)
        return str(user_id) if user_id is not None else None
    message = 'Use "me", "none" or a member\'s id.'
    raise ApiError(
        422, "invalid_input", message, fields=[{"field": "assignee", "message": message}]
    )


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationDetailOut, **ERRORS},
    operation_id="get_conversation",
)
def get_conversation(request: HttpRequest, conversation_id: int = ID) -> ConversationDetailOut:
    """One conversation: its contact, labels (intent, the latest message's sentiment,
    urgency), who handles it, the urgent-complaint alert's state, the team's notes and the
    replies not sent yet."""
    caller = needs(request, "read")
    return _detail(caller, _conversation(caller, conversation_id))


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: MessagePage, **ERRORS},
    operation_id="list_messages",
)
def list_messages(
    request: HttpRequest,
    conversation_id: int = ID,
    cursor: str | None = None,
    limit: int = Query(LIMIT, ge=1, le=MAX_LIMIT),
) -> MessagePage:
    """The conversation's messages, oldest first (the customer's and the shop's own)."""
    caller = needs(request, "read")
    convo = _conversation(caller, conversation_id)
    rows, next_cursor = page(
        Message.objects.filter(conversation=convo),
        order=["sent_at"],
        cursor=cursor,
        limit=limit,
        filters={"conversation": convo.pk},
    )
    items = [
        MessageOut(
            id=m.pk,
            kind=m.kind,
            external_id=m.external_id,
            author_handle=m.author_handle,
            author_name=m.author_name,
            text=m.text,
            url=m.url,
            sent_at=m.sent_at,
            intent=m.intent,
            sentiment=m.sentiment,
            urgency=m.urgency,
        )
        for m in rows
    ]
    return MessagePage(items=items, next_cursor=next_cursor)


@router.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationDetailOut, **ERRORS},
    operation_id="update_conversation",
)
@idempotent
def update_conversation(
    request: HttpRequest, body: ConversationPatch, conversation_id: int = ID
) -> ConversationDetailOut:
    """Change the status, the intent (a correction the workspace's triage model learns
    from) or who handles it (`assignee_id`: a member's id, null for nobody). What is not
    sent stays as it is."""
    caller = needs(request, "write")
    convo = _conversation(caller, conversation_id)
    given = body.model_fields_set
    assigned_to = convo.assigned_to_id
    if "assignee_id" in given:
        member_id = body.assignee_id
        assigned_to = _member_user(caller, member_id) if member_id else None
        if member_id and assigned_to is None:
            raise ApiError(404, "not_found", "No such member in this workspace (GET /members).")
    services.update_conversation(
        caller.member,
        _user(caller),
        convo,
        status=body.status.value if body.status else convo.status,
        intent=body.intent.value if body.intent else convo.intent,
        assigned_to=assigned_to,
    )
    return _detail(caller, _conversation(caller, conversation_id))


@router.post(
    "/conversations/{conversation_id}/notes",
    response={201: NoteOut, **ERRORS},
    operation_id="add_note",
)
@idempotent
def add_note(request: HttpRequest, body: NoteIn, conversation_id: int = ID) -> Status[NoteOut]:
    """A private note on the conversation, for the team."""
    caller = needs(request, "write")
    convo = _conversation(caller, conversation_id)
    note = services.add_note(caller.member, _user(caller), convo, body.text)
    return Status(201, _note_out(note))


@router.post(
    "/conversations/{conversation_id}/replies",
    response={201: ReplyOut, **ERRORS},
    operation_id="submit_reply",
)
@idempotent_send
def submit_reply(
    request: HttpRequest, body: ReplyIn, conversation_id: int = ID
) -> Status[ReplyOut]:
    """Answer the customer on the conversation's network. The reply is stored before
    anything is sent; a helper's waits for an owner's or manager's approval (`status`
    pending), anyone else's is sent at once (`sent`), or kept and retried (`queued`,
    `failed` with `error` saying why)."""
    caller = needs(request, "publish")
    convo = _conversation(caller, conversation_id)
    reply = services.submit_reply(caller.member, _user(caller), convo, body.text)
    return Status(201, reply_out(reply))


def _decided(done: bool, message: str) -> None:
    if not done:
        raise ApiError(409, "conflict", message)


@router.post(
    "/replies/{reply_id}/approve", response={200: ReplyOut, **ERRORS}, operation_id="approve_reply"
)
@idempotent_send
def approve_reply(request: HttpRequest, reply_id: int = ID) -> ReplyOut:
    """Approve a helper's reply (owner or manager): it is sent at once, exactly once. 409
    when someone approved or sent it back already."""
    caller = needs(request, "publish")
    reply = _reply(caller, reply_id)
    _decided(
        services.approve(caller.member, _user(caller), reply),
        "This reply was already approved or sent back.",
    )
    return reply_out(_reply(caller, reply_id))


@router.post(
    "/replies/{reply_id}/send-back",
    response={200: ReplyOut, **ERRORS},
    operation_id="send_back_reply",
)
@idempotent
def send_back_reply(request: HttpRequest, body: ReplySendBackIn, reply_id: int = ID) -> ReplyOut:
    """Send a helper's reply back with a comment saying what to change (owner or manager).
    409 when someone approved or sent it back already."""
    caller = needs(request, "write")
    reply = _reply(caller, reply_id)
    _decided(
        services.send_back(caller.member, _user(caller), reply, body.comment),
        "This reply was already approved or sent back.",
    )
    return reply_out(_reply(caller, reply_id))


@router.post(
    "/replies/{reply_id}/retry", response={200: ReplyOut, **ERRORS}, operation_id="retry_reply"
)
@idempotent_send
def retry_reply(request: HttpRequest, reply_id: int = ID) -> ReplyOut:
    """Try a failed reply again (its author, an owner or a manager). 409 when it is not a
    failed reply (being sent, or sent)."""
    caller = needs(request, "publish")
    reply = _reply(caller, reply_id)
    _decided(
        services.retry(caller.member, _user(caller), reply),
        "Only a reply that was not sent can be tried again; this one is not failed.",
    )
    return reply_out(_reply(caller, reply_id))


@router.post(
    "/replies/{reply_id}/discard",
    response={200: DiscardedOut, **ERRORS},
    operation_id="discard_reply",
)
@idempotent
def discard_reply(request: HttpRequest, reply_id: int = ID) -> DiscardedOut:
    """Remove a reply that will not be sent (failed, or sent back) — its author, an owner or
    a manager. 409 for a reply waiting, being sent or sent."""
    caller = needs(request, "write")
    reply = _reply(caller, reply_id)
    _decided(
        services.discard(caller.member, _user(caller), reply),
        "Only a failed or sent-back reply can be discarded.",
    )
    return DiscardedOut(id=reply_id, discarded=True)
