"""Per-person codes by direct message: who gets one, and sending each exactly once.

    request_codes(member, offer, now=...)  manager or owner: one code per follower the offer
                                           reaches, queued, or skipped with the reason
    send_due(now=None)                     the worker (tasks.send_offer_codes): send what is due

Recipients are the followers (people.Follow, not gone) of the workspace's accounts on the
offer's networks, narrowed by its audience (VIPs, a tag). Each gets one Code, keyed by the
identity it goes to, so asking twice adds none (a code skipped or failed before is looked at
again). Whether a network lets the business write first is the descriptor's to say
(`can.send_direct`, `send_direct_note`, `send_direct_hours`); no network is named here. A
network that bills its calls (`can.paid_reads`) sends only what fits under the account's
monthly cost cap.

A code is sent the way inbox replies are (inbox/replies.py): a conditional UPDATE claims it
under a lease (PORCH_PUBLISH_LEASE), setting `check_first` before the call, so whoever takes
over an abandoned claim, or retries after an unknown outcome, first asks the network
(`find_direct`, by the code, which only that message holds) and sends only when it did not go
out; the code's idempotency key goes with every send. Temporary failures back off; a refusal
is marked failed with why and what to do; a revoked token marks the account "needs
reconnecting" (the usual notice) and is not retried until the owner asks again.
"""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from porch.errors import Conflict, NotAllowed, NotFound
from porch.inbox.models import Message, MessageKind
from porch.inbox.replies import sender_id
from porch.networks.base import (
    Capabilities,
    DirectOut,
    ErrorCode,
    NetworkClient,
    NetworkError,
    Published,
)
from porch.networks.models import UsageMonth
from porch.networks.registry import descriptor
from porch.networks.sync import client_for, mark_reconnect, month_cost, record_usage
from porch.offers import codes
from porch.offers.models import Audience, Code, CodeState, Give, Offer
from porch.people.models import Follow, Identity, Status
from porch.people.privacy import account_ids
from porch.publishing.engine import LONGEST_WAIT, MAX_ATTEMPTS, crash_point
from porch.workspaces.models import AccountStatus, ConnectedAccount, Membership, Role

log = logging.getLogger(__name__)

# How far before a code was made its message is looked for on the network.
FIND_SINCE = timedelta(minutes=5)
CODE_TRIES = 8  # a new code that collides with one of the workspace's is drawn again
RETRYABLE = (CodeState.SKIPPED, CodeState.FAILED)


@dataclass(frozen=True)
class Requested:
    """What asking for the codes did: how many were queued, who was skipped and why."""

    queued: int
    skipped: list[tuple[str, str]]


# ---------------------------------------------------------------- who gets a code


def request_codes(member: Membership, offer: Offer, *, now: datetime) -> Requested:
    """Queue one code per follower the offer reaches (manager or owner)."""
    _check(member, offer, now)
    queued, skipped = 0, []
    accounts = ConnectedAccount.objects.filter(
        workspace=offer.workspace, network__in=offer.networks or []
    ).order_by("pk")
    for account in accounts:
        for identity, reason in _decide(offer, account, now):
            if _give(offer, identity, reason):
                if reason:
                    skipped.append((_name(identity), reason))
                else:
                    queued += 1
    Offer.objects.filter(pk=offer.pk).update(send_requested_at=now)
    offer.send_requested_at = now
    return Requested(queued, skipped)


def _check(member: Membership, offer: Offer, now: datetime) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Only an owner or manager can send an offer's codes.")
    if offer.workspace_id != member.workspace_id:
        raise NotFound("This offer is not in your workspace.")
    if offer.give != Give.PERSONAL:
        raise Conflict("This offer has one shared code: post it to your followers instead.")
    if offer.ends_at <= now:
        raise Conflict("This offer has ended: its codes can no longer be sent.")


def _name(identity: Identity) -> str:
    return identity.person.display_name or identity.display_name or f"@{identity.handle}"


def followers(offer: Offer, account: ConnectedAccount) -> list[Identity]:
    """The account's followers now that the offer's audience takes, oldest follow first."""
    follows = Follow.objects.filter(account=account, gone_at__isnull=True)
    if offer.audience == Audience.VIP:
        follows = follows.filter(identity__person__status=Status.VIP)
    found = [f.identity for f in follows.select_related("identity__person").order_by("pk")]
    if offer.audience == Audience.TAG:
        wanted = offer.tag.strip().casefold()
        found = [i for i in found if wanted in {t.casefold() for t in i.person.tags}]
    return found


def _decide(offer: Offer, account: ConnectedAccount, now: datetime) -> list[tuple[Identity, str]]:
    """Each follower still to be given a code, with why it cannot be sent ("" = it can)."""
    taken = Code.objects.filter(offer=offer, identity__isnull=False)
    done = set(taken.exclude(state__in=RETRYABLE).values_list("identity_id", flat=True))
    people = [i for i in followers(offer, account) if i.pk not in done]
    can, label = descriptor(account.network).can, account.get_network_display()
    if not can.send_direct:
        note = can.send_direct_note or f"{label} does not let a business write first"
        return [(identity, note) for identity in people]
    decided = [(i, _unwritten(account, can, i, now, label)) for i in people]
    return _within_budget(account, decided)


def _unwritten(
    account: ConnectedAccount, can: Capabilities, identity: Identity, now: datetime, label: str
) -> str:
    """Why a network that takes only people who wrote lately does not take this one."""
    if can.send_direct != "wrote_first":
        return ""
    hours = can.send_direct_hours
    last = last_written(account, identity)
    if last is not None and (not hours or last >= now - timedelta(hours=hours)):
        return ""
    note = can.send_direct_note or f"{label} takes messages only to people who wrote lately"
    return f"{note} (has not written in {hours} h)" if hours else note


def last_written(account: ConnectedAccount, identity: Identity) -> datetime | None:
    """When the person last wrote to the account (the inbox's messages), if ever."""
    ids = account_ids(identity)
    theirs = Q(author_id__in=ids) if ids else Q(author_handle__iexact=identity.handle)
    found = Message.objects.filter(account=account).exclude(kind=MessageKind.OURS).filter(theirs)
    latest: datetime | None = found.aggregate(latest=Max("sent_at"))["latest"]
    return latest


def _within_budget(
    account: ConnectedAccount, decided: list[tuple[Identity, str]]
) -> list[tuple[Identity, str]]:
    """On a network that bills, those over the account's monthly cost cap are skipped."""
    room = sendable(account)
    if room is None:
        return decided
    kept: list[tuple[Identity, str]] = []
    for identity, reason in decided:
        if not reason and room <= 0:
            reason = (
                f"over this month's ${account.monthly_cost_cap} cost cap for {account}: "
                "raise the cap on the Accounts page, then send again"
            )
        elif not reason:
            room -= 1
        kept.append((identity, reason))
    return kept


def sendable(account: ConnectedAccount) -> int | None:
    """How many more messages fit under the account's cost cap this month (None: no cap)."""
    cap = account.monthly_cost_cap
    if cap is None or not descriptor(account.network).can.paid_reads:
        return None
    each = UsageMonth(account=account, dms_sent=1).estimated_cost()
    if each <= 0:
        return None
    waiting = Code.objects.filter(
        workspace=account.workspace_id,
        network=account.network,
        state__in=(CodeState.QUEUED, CodeState.SENDING),
    ).count()
    left = Decimal(cap) - month_cost(account)
    return max(0, math.floor(left / each) - waiting)


def _give(offer: Offer, identity: Identity, reason: str) -> bool:
    """The identity's code, queued or skipped; False when another request made it meanwhile."""
    state = CodeState.SKIPPED if reason else CodeState.QUEUED
    again = Code.objects.filter(offer=offer, identity=identity, state__in=RETRYABLE)
    if again.exists():  # looked at again: it may go now, or for a new reason not
        again.update(state=state, error=reason[:500], retry_at=None, attempts=0)
        return True
    return new_code(offer, identity, state=state, error=reason[:500]) is not None


def new_code(offer: Offer, identity: Identity, **fields: object) -> Code | None:
    """A new per-person code for `identity`, drawn again when it collides with one of the
    workspace's; None when the identity has one for this offer already (another request
    made it meanwhile)."""
    for _ in range(CODE_TRIES):
        try:
            with transaction.atomic():
                return Code.objects.create(
                    workspace=offer.workspace,
                    offer=offer,
                    code=codes.new_personal_code(),
                    personal=True,
                    identity=identity,
                    person=identity.person,
                    network=identity.network,
                    **fields,
                )
        except IntegrityError:
            if Code.objects.filter(offer=offer, identity=identity).exists():
                return None
    raise Conflict("Porch could not make a new code: try again.")


# ---------------------------------------------------------------- sending them


def due_codes(now: datetime, limit: int = 100) -> list[Code]:
    """Codes to send now, oldest first: queued ones, and claims whose lease ran out."""
    stale = now - timedelta(seconds=settings.PUBLISH_LEASE)
    waiting = Q(state=CodeState.QUEUED) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    abandoned = Q(state=CodeState.SENDING, claimed_at__lt=stale)
    found = Code.objects.filter(waiting | abandoned, offer__send_requested_at__isnull=False)
    found = found.select_related("offer__workspace", "identity")
    return list(found.order_by("created_at", "pk")[:limit])


def claim(code: Code, sender: str, now: datetime) -> bool:
    """Take the code if nobody changed it since we read it; exactly one sender wins."""
    won = Code.objects.filter(pk=code.pk, state=code.state, claimed_at=code.claimed_at)
    return (
        won.update(
            state=CodeState.SENDING,
            claimed_by=sender,
            claimed_at=now,
            attempts=F("attempts") + 1,
            check_first=True,
        )
        == 1
    )


def send_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send every due code this sender wins; returns how many went out."""
    sender, sent = sender_id(), 0
    while batch := due_codes(now or timezone.now(), limit):
        won = 0
        for code in batch:
            if claim(code, sender, now or timezone.now()):
                won += 1
                sent += _send_safely(code, sender, now)
        if not won:
            break
    return sent


def _send_safely(code: Code, sender: str, now: datetime | None) -> bool:
    """send_claimed; a bug in one code is logged and retried with backoff, never stopping
    the worker's other codes."""
    try:
        return send_claimed(code, sender, now)
    except Exception as exc:
        log.exception("sending code %s broke", code.pk)
        try:
            return _failed(code, None, sender, _problem(exc), now, unresolved=True)
        except Exception:  # the database itself: the lease runs out and it is taken over
            log.exception("code %s could not be marked as not sent", code.pk)
            return False


def _problem(exc: Exception) -> NetworkError:
    return NetworkError(f"Porch hit a problem ({type(exc).__name__})", permanent=False)


def _held(code: Code, sender: str) -> Q:
    return Q(pk=code.pk, state=CodeState.SENDING, claimed_by=sender)


def sending_account(code: Code) -> ConnectedAccount | None:
    """The workspace's account that the code's person follows now on the code's network
    (None once they unfollowed: a code for followers goes to followers only)."""
    if code.identity_id is None:
        return None
    follows = Follow.objects.filter(
        identity_id=code.identity_id,
        account__workspace_id=code.workspace_id,
        account__network=code.network,
        gone_at__isnull=True,
    ).select_related("account", "account__workspace")
    found = follows.order_by("pk").first()
    return found.account if found is not None else None


def send_claimed(code: Code, sender: str, now: datetime | None = None) -> bool:
    """Send a code we hold; True when it is now sent and recorded."""
    account = sending_account(code)
    refused = _refusal(code, account, now or timezone.now())
    if refused is not None or account is None or code.identity is None:
        refused = refused or NetworkError("Porch lost track of them", permanent=True)
        return _failed(code, account, sender, refused, now, unresolved=code.check_first)
    checked = not code.check_first
    try:
        with client_for(account) as client:
            try:
                message = direct_message(code, code.identity, client)
                found = _find(client, code, message)
                checked = True
                if found is None:
                    crash_point("before-direct")
                    found = client.send_direct(message)
                    crash_point("after-direct")
            finally:
                record_usage(account, client.usage)
    except NetworkError as exc:
        return _failed(code, account, sender, exc, now, unresolved=not checked)
    return _record(code, sender, found, now)


def _refusal(code: Code, account: ConnectedAccount | None, now: datetime) -> NetworkError | None:
    """Why the code cannot go now, before any call to the network (None: it can)."""
    if account is None or code.identity is None:
        return NetworkError("they no longer follow any of your accounts here", permanent=True)
    if code.offer.ends_at <= now:
        return NetworkError("the offer ended before it could be sent", permanent=True)
    if account.status == AccountStatus.NEEDS_RECONNECT:
        detail = account.status_detail or "signed out"
        return NetworkError(detail, permanent=True, reconnect=True)
    cap = account.monthly_cost_cap
    paid = descriptor(account.network).can.paid_reads
    if paid and cap is not None and month_cost(account) >= cap:
        return NetworkError(
            f"this month's ${cap} cost cap for {account} is reached; raise the cap on the "
            "Accounts page, then press Send codes again",
            permanent=True,
        )
    return None


def _find(client: NetworkClient, code: Code, message: DirectOut) -> Published | None:
    """After a claim that may have sent it: the message on the network, if it went out."""
    if not code.check_first:
        return None
    return client.find_direct(message, code.created_at - FIND_SINCE)


def message_text(code: Code, *, terms: bool = True) -> str:
    """What the person reads: the offer, until when, their code and its link."""
    offer = code.offer
    ends = offer.ends_at.astimezone(ZoneInfo(offer.workspace.timezone))
    lines = [
        offer.title,
        offer.terms.strip() if terms else "",
        f"Until {ends:%-d %B %Y, %H:%M}.",
        f"Your code: {codes.display(code.code)}",
        code_link(code),
    ]
    return "\n".join(line for line in lines if line)


def code_link(code: Code) -> str:
    return codes.code_url(code.code)


def direct_message(code: Code, identity: Identity, client: NetworkClient) -> DirectOut:
    """The message for the code; terms too long for the network are left to the link."""
    text = message_text(code)
    if not client.rules().fits(text):
        text = message_text(code, terms=False)
    return DirectOut(
        recipient_id=identity.stable_id,
        recipient_handle=identity.handle,
        text=text,
        idempotency_key=str(code.idempotency_key),
        marker=codes.display(code.code),
        recipient_local_id=identity.local_id,
    )


def _record(code: Code, sender: str, published: Published, now: datetime | None) -> bool:
    """Mark the code sent, if still ours."""
    won = Code.objects.filter(_held(code, sender)).update(
        state=CodeState.SENT,
        sent_at=now or timezone.now(),
        external_id=published.external_id[:255],
        error="",
        retry_at=None,
        check_first=False,
    )
    if not won:
        log.warning("code %s was taken over before it was recorded", code.pk)
    return bool(won)


def _retry_at(exc: NetworkError, unsure: bool, attempts: int, now: datetime) -> datetime | None:
    """When to try again: never after a sign-out, else with backoff while it may help."""
    if exc.reconnect or attempts >= MAX_ATTEMPTS or (exc.permanent and not unsure):
        return None
    if exc.code == ErrorCode.NOT_SUPPORTED:  # cannot look for it: the owner looks
        return None
    wait = max(1.0, exc.retry_after or min(LONGEST_WAIT, 30 * 2**attempts))
    return now + timedelta(seconds=wait)


def _failed(
    code: Code,
    account: ConnectedAccount | None,
    sender: str,
    exc: NetworkError,
    now: datetime | None,
    unresolved: bool = False,
) -> bool:
    """Queue the code again with backoff, or mark it failed, saying why and what to do."""
    at = now or timezone.now()
    attempts = Code.objects.filter(pk=code.pk).values_list("attempts", flat=True).first() or 0
    unsure = exc.outcome_unknown or unresolved
    retry_at = _retry_at(exc, unsure, attempts, at)
    if account is not None:
        mark_reconnect(account, exc)
    Code.objects.filter(_held(code, sender)).update(
        state=CodeState.QUEUED if retry_at else CodeState.FAILED,
        retry_at=retry_at,
        check_first=unsure,
        error=explain(code, account, exc, retry_at, unsure)[:500],
    )
    log.warning("sending code %s failed: %r", code.pk, exc)
    return False


def explain(
    code: Code,
    account: ConnectedAccount | None,
    exc: NetworkError,
    retry_at: datetime | None,
    unsure: bool,
) -> str:
    """Why the code is not sent yet, in plain words, with what happens or what to do."""
    name = account.get_network_display() if account is not None else code.network
    said = exc.message.rstrip(".")
    if exc.reconnect:
        return (
            f"Not sent: {name} signed Porch out ({said}). Reconnect the account on the "
            "Accounts page, then press Send codes again."
        )
    if retry_at is not None:
        zone = ZoneInfo(code.offer.workspace.timezone)
        when = f"{retry_at.astimezone(zone):%H:%M}"
        if unsure:
            return f"Not sure it went out ({said}). Porch checks {name} and tries again at {when}."
        return f"Not sent yet: {said}. Porch tries again at {when}."
    if unsure:
        return (
            f"Porch could not tell whether it went out ({said}). Look for it in your {name} "
            "messages; if it is not there, give them the code at the counter."
        )
    if not exc.permanent:
        return f"Not sent: {name} kept failing ({said}). Press Send codes again later."
    return f"Not sent: {said}. Give them the code another way (at the counter, by hand)."
