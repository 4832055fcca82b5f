"""Sending a stored reply into the right thread on the right network, exactly once.

A reply is a `Reply` row before any network call, so the owner's words are never lost.
It is sent the way publishing sends posts (publishing/engine.py): a conditional UPDATE
claims it (status and claimed_at as read), so one sender wins; the claim sets
`check_first` before the call, so whoever takes over a claim whose lease
(PORCH_PUBLISH_LEASE) ran out, or retries after an unknown outcome, first asks the
network (`find_published`) and only sends when it did not go out; the reply's own
idempotency key goes with every send. Every write after the call is conditional on
still holding the claim. A temporary failure is retried by the worker with backoff
(inbox/tasks.py); a refusal, or an outcome still unknown after the last try, is marked
failed with why and what to do.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from porch.errors import InputError
from porch.inbox.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    Reply,
    ReplyStatus,
)
from porch.networks.base import (
    ErrorCode,
    NetworkClient,
    NetworkError,
    Outgoing,
    Published,
    TextRules,
)
from porch.networks.sync import client_for, mark_reconnect
from porch.networks.sync import rules_for as network_rules
from porch.publishing.engine import LONGEST_WAIT, MAX_ATTEMPTS, crash_point, worker_name
from porch.workspaces.models import AccountStatus, ConnectedAccount

log = logging.getLogger(__name__)

# How far before a reply was written its copy on the network is looked for.
FIND_SINCE = timedelta(minutes=5)
# The networks' own "tries again later", left out where the page says when.
LATER = re.compile(r":? (?:Porch|it) (?:will )?tr(?:ies|y) again later$")


class ReplyError(InputError):
    """The reply cannot be stored or sent as it is: the message says why and what to do."""


def last_incoming(conversation: Conversation) -> Message:
    found = conversation.messages.exclude(kind=MessageKind.OURS).order_by("-sent_at").first()
    if found is None:
        raise ReplyError("There is no message from the customer to reply to.")
    return found


def check_length(account: ConnectedAccount, rules: TextRules, text: str) -> None:
    if not text.strip():
        raise ReplyError("The reply is empty: write something first.")
    if not rules.fits(text):
        over = rules.length(text) - rules.max_length
        name = account.get_network_display()
        raise ReplyError(f"Too long for {name} by {over}: shorten it to {rules.max_length}.")


@dataclass(frozen=True)
class LengthCheck:
    """The reply box's counter: how long the text is by the network's own count."""

    length: int
    limit: int
    network: str

    @property
    def over(self) -> int:
        return max(0, self.length - self.limit)


def rules_for(account: ConnectedAccount) -> TextRules:
    """The account's network rules (length counting, limits); asks the network if needed."""
    try:
        return network_rules(account)
    except NetworkError as exc:
        raise ReplyError(exc.message) from exc


def check_reply(account: ConnectedAccount, text: str) -> LengthCheck:
    rules = rules_for(account)
    return LengthCheck(rules.length(text), rules.max_length, account.get_network_display())


def sender_id() -> str:
    """A name for one sender (a worker's run, or one web request), unique among them."""
    return f"{worker_name()[:50]}-{uuid.uuid4().hex[:8]}"


def due_replies(now: datetime, limit: int = 100) -> list[Reply]:
    """Replies to send now, oldest first: queued ones, and claims whose lease ran out."""
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    waiting = Q(status=ReplyStatus.QUEUED) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    abandoned = Q(status=ReplyStatus.SENDING, claimed_at__lt=stale)
    found = Reply.objects.filter(waiting | abandoned).select_related(
        "conversation__account", "conversation__workspace"
    )
    return list(found.order_by("created_at", "pk")[:limit])


def claim(reply: Reply, sender: str, now: datetime) -> bool:
    """Take the reply if nobody changed it since we read it; exactly one sender wins."""
    won = Reply.objects.filter(pk=reply.pk, status=reply.status, claimed_at=reply.claimed_at)
    return (
        won.update(
            status=ReplyStatus.SENDING,
            claimed_by=sender,
            claimed_at=now,
            attempts=F("attempts") + 1,
            check_first=True,
        )
        == 1
    )


def send_due(limit: int = 100) -> int:
    """Send every due reply this sender wins; returns how many went out."""
    sender, sent = sender_id(), 0
    while batch := due_replies(timezone.now(), limit):
        won = 0
        for reply in batch:
            if claim(reply, sender, timezone.now()):
                won += 1
                sent += _send_safely(reply, sender)
        if not won:
            break
    return sent


def send_now(reply: Reply) -> bool:
    """Try a queued reply right away (from the page); the worker retries it if it fails."""
    sender = sender_id()
    return claim(reply, sender, timezone.now()) and _send_safely(reply, sender)


def _send_safely(reply: Reply, sender: str) -> bool:
    """send_claimed; a bug in one reply is logged and the reply tried again with backoff
    (failed after MAX_ATTEMPTS), never stopping the worker's other replies or the page."""
    try:
        return send_claimed(reply, sender)
    except Exception as exc:
        log.exception("sending reply %s broke", reply.pk)
        try:
            return _failed(reply, sender, _problem(exc), unresolved=True)
        except Exception:  # the database itself: the lease runs out and it is taken over
            log.exception("reply %s could not be marked as not sent", reply.pk)
            return False


def _problem(exc: Exception) -> NetworkError:
    return NetworkError(f"Porch hit a problem ({type(exc).__name__})", permanent=False)


def _held(reply: Reply, sender: str) -> Q:
    return Q(pk=reply.pk, status=ReplyStatus.SENDING, claimed_by=sender)


def send_claimed(reply: Reply, sender: str) -> bool:
    """Send a reply we hold; True when it is now sent and recorded."""
    account = reply.conversation.account
    if account.status == AccountStatus.NEEDS_RECONNECT:
        detail = account.status_detail or "signed out"
        signed_out = NetworkError(detail, permanent=True, reconnect=True)
        return _failed(reply, sender, signed_out, unresolved=reply.check_first)
    checked = not reply.check_first
    try:
        outgoing = _outgoing(reply)
        with client_for(account) as client:
            check_length(account, client.rules(), reply.text)
            found = _find(client, reply, outgoing)
            checked = True
            if found is None:
                crash_point("before-reply")
                found = client.publish(outgoing)
                crash_point("after-reply")
    except ReplyError as exc:
        refused = NetworkError(str(exc), permanent=True, code=ErrorCode.REFUSED_BY_PORCH)
        return _failed(reply, sender, refused, unresolved=not checked)
    except NetworkError as exc:
        return _failed(reply, sender, exc, unresolved=not checked)
    except Exception as exc:  # a bug or a broken record: check and try again later
        log.exception("sending reply %s broke", reply.pk)
        return _failed(reply, sender, _problem(exc), unresolved=True)
    return _record(reply, sender, found)


def _outgoing(reply: Reply) -> Outgoing:
    parent = reply.in_reply_to or last_incoming(reply.conversation).external_id
    return Outgoing(text=reply.text, idempotency_key=str(reply.idempotency_key), reply_to=parent)


def _find(client: NetworkClient, reply: Reply, outgoing: Outgoing) -> Published | None:
    """After a claim that may have sent it: the reply on the network, if it went out."""
    if not reply.check_first:
        return None
    found = client.find_published(outgoing, reply.created_at - FIND_SINCE)
    if found is not None and _linked_elsewhere(reply, found):
        # An earlier reply with the same words to the same message, already in the thread:
        # not ours. Send; the reply's idempotency key keeps a send that did go out from
        # doubling where the network honours it.
        log.info("reply %s: the match found is another reply's; sending", reply.pk)
        return None
    return found


def _linked_elsewhere(reply: Reply, published: Published) -> bool:
    account = reply.conversation.account
    return (
        Reply.objects.filter(sent__account=account, sent__external_id=published.external_id)
        .exclude(pk=reply.pk)
        .exists()
    )


def _record(reply: Reply, sender: str, published: Published) -> bool:
    """Mark the reply sent and add it to the thread, in one transaction, if still ours."""
    try:
        with transaction.atomic():
            won = Reply.objects.filter(_held(reply, sender)).update(
                status=ReplyStatus.SENT, error="", retry_at=None, check_first=False
            )
            if not won:
                log.warning("reply %s was taken over before it was recorded", reply.pk)
                return False
            message = _thread_message(reply, published)
            Reply.objects.filter(pk=reply.pk).update(sent=message)
    except IntegrityError:  # its message became another reply's meanwhile: look again
        log.exception("reply %s could not be recorded", reply.pk)
        clash = NetworkError("the copy Porch found belongs to another reply", permanent=False)
        return _failed(reply, sender, clash, unresolved=True)
    return True


def _thread_message(reply: Reply, published: Published) -> Message:
    now = timezone.now()
    conversation, account = reply.conversation, reply.conversation.account
    message, _ = Message.objects.get_or_create(
        account=account,
        external_id=published.external_id,
        defaults={
            "workspace": conversation.workspace,
            "conversation": conversation,
            "network": account.network,
            "in_reply_to": reply.in_reply_to,
            "kind": MessageKind.OURS,
            "author_handle": account.handle,
            "text": reply.text,
            "url": published.url,
            "sent_at": now,
        },
    )
    conversation.first_response_at = conversation.first_response_at or now
    conversation.last_message_at = now
    if conversation.status == ConversationStatus.OPEN:
        conversation.status = ConversationStatus.WAITING
    conversation.save(update_fields=["first_response_at", "last_message_at", "status"])
    return message


def _retry_at(exc: NetworkError, unsure: bool, attempts: int, now: datetime) -> datetime | None:
    """When to try again: never after a sign-out, else with backoff while it may help."""
    if exc.reconnect or attempts >= MAX_ATTEMPTS or (exc.permanent and not unsure):
        return None
    wait = max(1.0, exc.retry_after or min(LONGEST_WAIT, 30 * 2**attempts))
    return now + timedelta(seconds=wait)


def _failed(reply: Reply, sender: str, exc: NetworkError, unresolved: bool = False) -> bool:
    """Queue the reply again with backoff, or mark it failed, saying why and what to do."""
    account, now = reply.conversation.account, timezone.now()
    attempts = Reply.objects.filter(pk=reply.pk).values_list("attempts", flat=True).first() or 0
    unsure = exc.outcome_unknown or unresolved
    retry_at = _retry_at(exc, unsure, attempts, now)
    mark_reconnect(account, exc)
    failed = Reply.objects.filter(_held(reply, sender)).update(
        status=ReplyStatus.QUEUED if retry_at else ReplyStatus.FAILED,
        retry_at=retry_at,
        check_first=unsure,
        error=explain(account, exc, retry_at, unsure)[:500],
    )
    if failed and retry_at is None and reply.resolves:
        # "Send and resolve" resolved it when the reply was stored: nothing went, so it is
        # open again, in the queue and the home page's counts
        Conversation.objects.filter(pk=reply.conversation_id).update(
            status=ConversationStatus.OPEN, resolved_at=None
        )
    log.warning("sending reply %s failed: %r", reply.pk, exc)
    return False


def explain(
    account: ConnectedAccount, exc: NetworkError, retry_at: datetime | None, unsure: bool
) -> str:
    """Why the reply is not sent yet, in plain words, with what happens or what to do."""
    name = account.get_network_display()
    said = LATER.sub("", exc.message.rstrip("."))  # when is said here, with the time
    if exc.reconnect:
        return (
            f"Not sent: {name} signed Porch out ({said}). Reconnect the account on the "
            "Accounts page, then press Try again."
        )
    if retry_at is not None:
        at = f"{retry_at.astimezone(ZoneInfo(account.timezone)):%H:%M}"
        if unsure:
            return f"Not sure it went out ({said}). Porch checks {name} and tries again at {at}."
        return f"Not sent yet: {said}. Porch tries again at {at}."
    if unsure:
        return (
            f"Porch could not tell whether it went out ({said}). Look for it on {name}; "
            "Try again checks before it sends."
        )
    if exc.code == ErrorCode.REFUSED_BY_PORCH:
        return f"Not sent: {said}. Edit it below and send it again, or discard it."
    if exc.code == ErrorCode.DEMO_ACCOUNT:
        return f"Not sent: {said}. Your reply is kept here."
    if not exc.permanent:
        return f"Not sent: {name} kept failing ({said}). Press Try again later."
    named = said.startswith(name.split()[0])  # "Facebook refused…" for a Facebook Page
    refused = said if named else f"{name} refused it ({said})"
    return f"Not sent: {refused}. Edit it and send it again, or discard it."
