"""The inbox's actions on replies; views parse input, these check the member's role.

submit_reply   store the reply first; a helper's waits for approval (as the Members
               page says, unless the inbox settings turn that off), anyone else's
               is queued and tried at once (inbox/replies.py sends it exactly once)
approve        owner or manager: one conditional UPDATE queues it, so it goes once
send_back      owner or manager: back to the helper with a comment
retry          the author, owner or manager: a failed reply is queued again
discard        the author, owner or manager: a failed or sent-back reply is removed
update_conversation  any member: status, intent, who handles it; a changed intent is a
               correction the workspace's triage model learns from
resolve        any member: the conversation is done (also after a reply sent with
               `resolve`: at once when the reply is stored for sending; a helper's reply
               waiting for approval resolves it when it is approved)
clock_of       the response clock of a conversation; only complaints, questions and
               leads need an answer, so only they can be overdue
use_opening_hours   the business's opening hours become the inbox's business hours
               (the plan's workshop calls it with the owner's answers)
add_note       any member: a note on the conversation for the team
take_in        any member: a post found elsewhere (a listening hit) becomes a conversation
               whose first message it is
saved replies, inbox settings   owner or manager

A refusal by role is NotAllowed; anything else refused is a PorchError (porch/errors.py)
whose message the page shows.
"""

from collections.abc import Sequence
from datetime import datetime, time

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from porch.errors import InputError, NotAllowed
from porch.inbox.clock import ResponseClock, next_opening, response_clock, when_text
from porch.inbox.ingest import Triaged, store_triaged
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    HoursFrom,
    InboxSettings,
    Intent,
    Message,
    MessageKind,
    Note,
    Reply,
    ReplyStatus,
    SavedReply,
)
from porch.inbox.replies import ReplyError, check_length, last_incoming, send_now
from porch.networks.base import Incoming, NetworkError
from porch.networks.sync import rules_for
from porch.triage.base import Triage
from porch.triage.services import record_correction
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace

UNSENT = [
    ReplyStatus.PENDING,
    ReplyStatus.RETURNED,
    ReplyStatus.QUEUED,
    ReplyStatus.SENDING,
    ReplyStatus.FAILED,
]


def needs_approval(member: Membership) -> bool:
    return member.needs_approval and InboxSettings.of(member.workspace).helpers_need_approval


def _in_workspace(member: Membership, conversation: Conversation) -> None:
    if conversation.workspace_id != member.workspace_id:
        raise NotAllowed("This conversation is not in your workspace.")


def _manager(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can do this.")


def _author_or_manager(member: Membership, user: User, reply: Reply) -> None:
    _in_workspace(member, reply.conversation)
    if reply.author_id != user.pk:
        _manager(member)


def _check_length(account: ConnectedAccount, text: str) -> None:
    """Refuse an empty or too long reply; when the network cannot be asked, the sender
    checks the length before it sends (and says so if it is too long)."""
    if not text.strip():
        raise ReplyError("The reply is empty: write something first.")
    try:
        rules = rules_for(account)
    except NetworkError:
        return
    check_length(account, rules, text)


def submit_reply(
    member: Membership,
    user: User,
    conversation: Conversation,
    text: str,
    *,
    resolve: bool = False,
) -> Reply:
    """Store the reply before anything is sent; returns it as it stands afterwards.

    With `resolve` the conversation is resolved once the reply is stored for sending (the
    outbox sends it exactly once, retrying while failures are temporary); a reply that
    waits for approval resolves it when approved, and one refused outright does not."""
    _in_workspace(member, conversation)
    parent = last_incoming(conversation)
    _check_length(conversation.account, text)
    waits = needs_approval(member)
    reply = Reply.objects.create(
        conversation=conversation,
        author=user,
        text=text,
        in_reply_to=parent.external_id,
        status=ReplyStatus.PENDING if waits else ReplyStatus.QUEUED,
        resolves=resolve,
    )
    if not waits:
        send_now(reply)
        reply.refresh_from_db()
        _resolve_after(reply)
    return reply


def _resolve_after(reply: Reply) -> None:
    """Resolve the reply's conversation if it was sent with `resolve` and was not refused."""
    if reply.resolves and reply.status != ReplyStatus.FAILED:
        _resolve(reply.conversation)


def _resolve(conversation: Conversation) -> None:
    conversation.status = ConversationStatus.RESOLVED
    if conversation.resolved_at is None:
        conversation.resolved_at = timezone.now()
    conversation.save(update_fields=["status", "resolved_at"])


def resolve(member: Membership, conversation: Conversation) -> None:
    """Mark the conversation done (any member of its workspace)."""
    _in_workspace(member, conversation)
    _resolve(conversation)


def approve(member: Membership, user: User, reply: Reply) -> bool:
    """Queue a helper's reply and try it at once; False when someone decided already."""
    _manager(member)
    _in_workspace(member, reply.conversation)
    queued = Reply.objects.filter(pk=reply.pk, status=ReplyStatus.PENDING).update(
        status=ReplyStatus.QUEUED, decided_by=user, decided_at=timezone.now()
    )
    reply.refresh_from_db()
    if queued:
        send_now(reply)
        reply.refresh_from_db()
        _resolve_after(reply)
    return bool(queued)


def send_back(member: Membership, user: User, reply: Reply, comment: str) -> bool:
    _manager(member)
    _in_workspace(member, reply.conversation)
    changed = Reply.objects.filter(pk=reply.pk, status=ReplyStatus.PENDING).update(
        status=ReplyStatus.RETURNED, comment=comment, decided_by=user, decided_at=timezone.now()
    )
    return bool(changed)


def retry(member: Membership, user: User, reply: Reply) -> bool:
    """Queue a failed reply again (checked on the network first if it may have gone out)."""
    _author_or_manager(member, user, reply)
    queued = Reply.objects.filter(pk=reply.pk, status=ReplyStatus.FAILED).update(
        status=ReplyStatus.QUEUED, retry_at=None, attempts=0
    )
    reply.refresh_from_db()
    if queued:
        send_now(reply)
        reply.refresh_from_db()
        _resolve_after(reply)
    return bool(queued)


def discard(member: Membership, user: User, reply: Reply) -> bool:
    """Remove a reply that will not be sent (failed, or sent back); never one in flight."""
    _author_or_manager(member, user, reply)
    done = (ReplyStatus.FAILED, ReplyStatus.RETURNED)
    deleted, _ = Reply.objects.filter(pk=reply.pk, status__in=done).delete()
    return bool(deleted)


def unsent_replies(member: Membership, user: User, conversation: Conversation) -> QuerySet[Reply]:
    """The replies of the thread not sent yet; a helper sees others' drafts only once queued."""
    _in_workspace(member, conversation)
    found = conversation.replies.filter(status__in=UNSENT).select_related("author")
    if not member.at_least(Role.MANAGER):
        drafts = Q(status__in=[ReplyStatus.PENDING, ReplyStatus.RETURNED])
        found = found.exclude(drafts & ~Q(author=user))
    return found.order_by("created_at", "pk")


def pending_replies(member: Membership) -> QuerySet[Reply]:
    """Helpers' replies waiting for an owner or manager."""
    _manager(member)
    return Reply.objects.filter(
        status=ReplyStatus.PENDING, conversation__workspace=member.workspace
    )


NOT_SAVED = "Not saved: pick a status, an intent and a member of this team."


def update_conversation(
    member: Membership,
    user: User,
    conversation: Conversation,
    *,
    status: str,
    intent: str,
    assigned_to: int | None,
) -> None:
    """Set the status, the intent and who handles it; a new intent is a correction."""
    _in_workspace(member, conversation)
    known = status in ConversationStatus.values and intent in Intent.values
    if not known or (assigned_to is not None and not _in_team(member, assigned_to)):
        raise InputError(NOT_SAVED)
    if intent != conversation.intent:
        _correct(conversation, intent, user)
    conversation.status, conversation.intent = status, intent
    conversation.assigned_to_id = assigned_to
    if status == ConversationStatus.RESOLVED and conversation.resolved_at is None:
        conversation.resolved_at = timezone.now()
    conversation.save()


def _in_team(member: Membership, user_id: int) -> bool:
    return member.workspace.members.filter(user_id=user_id).exists()


def _correct(conversation: Conversation, intent: str, user: User) -> None:
    """The member's label becomes a correction that retrains the workspace's triage model."""
    latest = conversation.messages.exclude(kind=MessageKind.OURS).order_by("-sent_at").first()
    if latest is not None:
        record_correction(conversation.workspace, latest.text, intent, user)
        latest.intent = intent
        latest.save(update_fields=["intent"])


def add_note(member: Membership, user: User, conversation: Conversation, text: str) -> Note:
    _in_workspace(member, conversation)
    if not text.strip():
        raise InputError("The note is empty: write something first.")
    return Note.objects.create(conversation=conversation, author=user, text=text)


def take_in(
    member: Membership, account: ConnectedAccount, item: Incoming, triage: Triage
) -> Conversation:
    """The post as a conversation of the account, its first message (already triaged);
    taking it again gives the same conversation."""
    if account.workspace_id != member.workspace_id:
        raise NotAllowed("This account is not in your workspace.")
    store_triaged(account, [Triaged(item, triage)])
    found = Message.objects.select_related("conversation").get(
        account=account, external_id=item.external_id
    )
    return found.conversation


def _own_saved_reply(member: Membership, item: SavedReply) -> None:
    _manager(member)
    if item.workspace_id != member.workspace_id:
        raise NotAllowed("This saved reply is not in your workspace.")


def add_saved_reply(member: Membership, title: str, text: str) -> SavedReply:
    _manager(member)
    return SavedReply.objects.create(workspace=member.workspace, title=title, text=text)


def change_saved_reply(member: Membership, item: SavedReply, title: str, text: str) -> None:
    _own_saved_reply(member, item)
    item.title, item.text = title, text
    item.save(update_fields=["title", "text"])


def delete_saved_reply(member: Membership, item: SavedReply) -> None:
    _own_saved_reply(member, item)
    item.delete()


def save_settings(member: Membership, config: InboxSettings) -> None:
    """Store the inbox settings as changed on the settings page (owner or manager); hours
    changed here are the member's own from now on."""
    _manager(member)
    if config.workspace_id != member.workspace_id:
        raise NotAllowed("These settings are another workspace's.")
    before = InboxSettings.objects.filter(pk=config.pk).values("days", "opens", "closes").first()
    now = {"days": config.days, "opens": config.opens, "closes": config.closes}
    if before != now:
        config.hours_from = HoursFrom.SETTINGS
    config.save()


def use_opening_hours(
    workspace: Workspace, *, days: Sequence[int], opens: time, closes: time
) -> None:
    """The business's opening hours (0 = Monday) become the inbox's business hours, noted
    as coming from the plan's workshop. Refuses days outside 0..6, no day at all, or a
    closing time not after the opening time (00:00 closes at midnight)."""
    chosen = sorted(set(days))
    if not chosen or any(d not in range(7) for d in chosen):
        raise InputError("Opening days are 0 (Monday) to 6 (Sunday): at least one of them.")
    if closes <= opens and closes != time(0):
        raise InputError("Closing time must be after opening time (00:00 means midnight).")
    config = InboxSettings.of(workspace)
    config.days = ",".join(str(d) for d in chosen)
    config.opens, config.closes, config.hours_from = opens, closes, HoursFrom.WORKSHOP
    config.save(update_fields=["days", "opens", "closes", "hours_from"])


NEEDS_ANSWER = frozenset({Intent.COMPLAINT, Intent.QUESTION, Intent.LEAD})


def clock_of(convo: Conversation, config: InboxSettings, now: datetime) -> ResponseClock:
    """The conversation's response clock; only what needs an answer can be overdue."""
    return response_clock(
        config.hours(),
        config.first_response_target,
        convo.first_message_at,
        convo.first_response_at,
        convo.resolved_at,
        now,
        needs_answer=convo.intent in NEEDS_ANSWER,
    )


def paused_until(config: InboxSettings, now: datetime) -> str:
    """ "" while open; else when the clock starts again ("Tue 7:00"), or "further notice"
    when no opening hours are set at all."""
    hours = config.hours()
    opening = next_opening(hours, now)
    if opening == now:
        return ""
    return "further notice" if opening is None else when_text(opening, now, hours.tz)
