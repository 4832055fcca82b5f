"""Syncing an account: fetch from its cursor, store, and turn failures into account state.

Each page of messages is stored in the same transaction as the cursor that follows it,
so a worker that dies mid-sync loses nothing and stores nothing twice. Accounts are
claimed by leasing them (`leased_until`, with `next_sync_at` moved past the lease) with a
conditional UPDATE, so two workers never sync one account at once; a worker that dies
leaves a lease that runs out. Where a network streams notifications, the stream only
`wake`s the account: the same claim and cursor sync fetch what arrived. The interval
adapts: shorter while messages arrive, longer while the account is quiet, and the
network's own wait when it rate-limits.
"""

import logging
from collections.abc import Callable, Iterable, Sequence, Sized
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from porch.networks.base import AccountRef, Incoming, NetworkClient, NetworkError, TextRules
from porch.networks.models import SyncState, UsageMonth, month_start
from porch.networks.registry import client_class
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice
from porch.workspaces.secrets import SecretError

log = logging.getLogger(__name__)

MAX_PAGES = 20  # per sync, so one busy account cannot hold a worker for long
LONGEST_WAIT = 3600
MAX_WAKES = 3  # syncs in a row for one wake-up, when more arrives during each
DEMO, INCOMPLETE = "demo_account", "incomplete_connection"  # NetworkError codes of client_for
UNREADABLE = "credentials_unreadable"  # encrypted under another PORCH_SECRET_KEY


@dataclass(frozen=True)
class SyncReport:
    account: ConnectedAccount
    fetched: int = 0
    new: int = 0
    error: str = ""

    def line(self) -> str:
        head = f"{self.account.get_network_display()} {self.account.handle}:"
        if self.error:
            return f"{head} {self.error}"
        return f"{head} fetched {self.fetched}, {self.new} new"


def rules_for(account: ConnectedAccount) -> TextRules:
    """The account's text rules (length counting, limits); a Mastodon instance is asked.

    The demo's accounts, and accounts whose connection is incomplete (marked as needing
    reconnecting), get the network's stock rules: pages still count and check text."""
    try:
        with client_for(account) as client:
            return client.rules()
    except NetworkError as exc:
        if exc.code not in (DEMO, INCOMPLETE, UNREADABLE):
            raise
        mark_reconnect(account, exc)
        return client_class(account.network).stock_rules


def client_for(account: ConnectedAccount) -> NetworkClient:
    """The network client for an account, saving refreshed credentials back (encrypted).

    Raises NetworkError for the demo's made-up accounts (they never reach a network) and,
    with `reconnect`, for an account whose stored settings are incomplete or unreadable."""

    def save(credentials: dict[str, Any]) -> None:
        account.set_credentials(credentials)
        ConnectedAccount.objects.filter(pk=account.pk).update(
            credentials_encrypted=account.credentials_encrypted
        )

    if account.is_demo:
        text = f"{account} is one of the demo's made-up accounts: it never posts or syncs."
        raise NetworkError(text, permanent=True, code=DEMO)
    ref = AccountRef(account.network, account.handle, account.external_id, account.server_url)
    try:
        return client_class(account.network)(ref, credentials_of(account), save)
    except (KeyError, ValueError) as exc:  # no server URL, Page id or token was stored
        text = f"{account} needs reconnecting: its stored connection is incomplete."
        raise NetworkError(text, permanent=True, reconnect=True, code=INCOMPLETE) from exc


def credentials_of(account: ConnectedAccount) -> dict[str, Any]:
    """The account's decrypted credentials; ones that cannot be read (saved under another
    PORCH_SECRET_KEY) mark the account "needs reconnecting", tell its owners and raise
    NetworkError with `reconnect`, so every page and job handles it as a revoked token."""
    try:
        return account.credentials()
    except SecretError as exc:
        text = f"{account} needs reconnecting: {exc}."
        error = NetworkError(text, permanent=True, reconnect=True, code=UNREADABLE)
        if account.status != AccountStatus.NEEDS_RECONNECT:
            mark_reconnect(account, error)
        raise error from None


def mark_unreadable(accounts: Iterable[ConnectedAccount]) -> None:
    """Mark the accounts whose credentials cannot be read (see credentials_of)."""
    for account in accounts:
        if account.credentials_encrypted and account.status != AccountStatus.NEEDS_RECONNECT:
            with suppress(NetworkError):
                credentials_of(account)


# How much longer than the settings' intervals each network waits: X's reads cost money;
# a Facebook Page's call budget is small; Mastodon's stream wakes an account as soon as it
# is mentioned, so polling is only its fallback. Bluesky has no per-account stream.
POLL_SCALE = {"x": (8, 40), "facebook": (10, 40), "mastodon": (1, 20), "bluesky": (1, 1)}


def intervals(network: str) -> tuple[int, int]:
    """(shortest, longest) seconds between syncs of an account of `network`."""
    low, high = POLL_SCALE.get(network, (1, 1))
    if network == "mastodon" and not settings.MASTODON_STREAMING:
        high = low
    shortest = settings.SYNC_MIN_INTERVAL * low
    return shortest, max(shortest, settings.SYNC_MAX_INTERVAL * high)


def record_usage(account: ConnectedAccount, reads: int, writes: int) -> None:
    if not reads and not writes:
        return
    row, _ = UsageMonth.objects.get_or_create(account=account, month=month_start())
    UsageMonth.objects.filter(pk=row.pk).update(
        reads=F("reads") + reads, writes=F("writes") + writes
    )


def month_cost(account: ConnectedAccount) -> Decimal:
    row = UsageMonth.objects.filter(account=account, month=month_start()).first()
    return row.estimated_cost() if row else Decimal("0.00")


def over_cap(account: ConnectedAccount) -> bool:
    """Pause an X account whose estimated cost this month reached its cap, and say so."""
    cap = account.monthly_cost_cap
    if cap is None or month_cost(account) < cap:
        return False
    next_month = (month_start() + timedelta(days=32)).replace(day=1)
    text = (
        f"X syncing for @{account.handle} is paused: this month's estimated cost reached "
        f"the ${cap} cap. Raise the cap on the Accounts page, or it resumes on {next_month:%-d %B}."
    )
    account.status, account.status_detail = AccountStatus.PAUSED, text
    account.save(update_fields=["status", "status_detail"])
    Notice.tell(account, f"cap-{month_start():%Y-%m}", text)
    return True


def _claimable(now: datetime) -> QuerySet[SyncState]:
    """States no worker holds that are due, or that a stream woke (unless backing off)."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    woken = Q(woken=True, failures=0, account__status=AccountStatus.OK)
    syncing = [AccountStatus.OK, AccountStatus.RATE_LIMITED]
    return SyncState.objects.filter(free, Q(next_sync_at__lte=now) | woken).filter(
        account__status__in=syncing
    )


def _claim(state: SyncState, now: datetime) -> bool:
    """Lease `state`; it is ours only if our UPDATE changed its row as we read it."""
    lease = now + timedelta(seconds=max(state.interval, 60))
    return bool(
        SyncState.objects.filter(
            pk=state.pk,
            next_sync_at=state.next_sync_at,
            leased_until=state.leased_until,
            woken=state.woken,
        ).update(next_sync_at=lease, leased_until=lease, woken=False)
    )


def claim_due(limit: int = 50) -> list[SyncState]:
    """Claim accounts due for a sync; two workers never claim the same one."""
    now = timezone.now()
    due = _claimable(now).select_related("account", "account__workspace")
    return [state for state in due.order_by("next_sync_at")[:limit] if _claim(state, now)]


def wake(account_id: int) -> SyncReport | None:
    """A stream said something arrived for the account: sync it now, unless a worker is
    syncing it already (it stays woken, so the next claim picks it up at once)."""
    SyncState.objects.filter(account_id=account_id).update(woken=True)
    report = None
    for _ in range(MAX_WAKES):  # woken again while syncing: once more, from this thread
        now = timezone.now()
        woken = _claimable(now).filter(account_id=account_id, woken=True)
        state = woken.select_related("account", "account__workspace").first()
        if state is None or not _claim(state, now):
            break
        report = sync_account(state.account, state)
    return report


# Where synced messages go: a feature registers its sink (the inbox, in its AppConfig.ready),
# so the network layer names no feature. A sink stores a page's items inside the cursor's
# transaction and returns what was new.
IncomingSink = Callable[[ConnectedAccount, Sequence[Incoming]], Sized]
_sinks: list[IncomingSink] = []


def register_incoming_sink(sink: IncomingSink) -> None:
    if sink not in _sinks:
        _sinks.append(sink)


def store_incoming(account: ConnectedAccount, items: Sequence[Incoming]) -> int:
    """How many of `items` the registered sinks stored as new."""
    return sum(len(sink(account, items)) for sink in _sinks)


def sync_account(account: ConnectedAccount, state: SyncState | None = None) -> SyncReport:
    state = state or SyncState.objects.get_or_create(account=account)[0]
    if account.network == "x" and over_cap(account):
        return SyncReport(account, error=account.status_detail)
    fetched = new = 0
    try:
        client = client_for(account)
    except NetworkError as exc:
        return failed(account, state, exc, fetched, new)
    with client:
        try:
            for _ in range(MAX_PAGES):
                page = client.fetch_incoming(state.cursor)
                with transaction.atomic():
                    new += store_incoming(account, page.items)
                    state.cursor = page.cursor
                    SyncState.objects.filter(pk=state.pk).update(cursor=page.cursor)
                fetched += len(page.items)
                if not page.more:
                    break
        except NetworkError as exc:
            record_usage(account, client.usage.reads, client.usage.writes)
            return failed(account, state, exc, fetched, new)
        record_usage(account, client.usage.reads, client.usage.writes)
    succeeded(account, state, fetched, new)
    return SyncReport(account, fetched, new)


def succeeded(account: ConnectedAccount, state: SyncState, fetched: int, new: int) -> None:
    shortest, longest = intervals(account.network)
    grown = int(state.interval * 1.5) if new == 0 else state.interval // 2
    state.interval = min(longest, max(shortest, grown))
    now = timezone.now()
    SyncState.objects.filter(pk=state.pk).update(
        interval=state.interval,
        next_sync_at=now + timedelta(seconds=state.interval),
        failures=0,
        last_synced_at=now,
        last_fetched=fetched,
        last_error="",
        leased_until=None,
    )
    if account.status != AccountStatus.OK:
        account.status, account.status_detail, account.rate_limited_until = (
            AccountStatus.OK,
            "",
            None,
        )
        account.save(update_fields=["status", "status_detail", "rate_limited_until"])


def mark_reconnect(account: ConnectedAccount, exc: NetworkError) -> None:
    """An expired or revoked token marks the account and tells the owner, once."""
    if exc.reconnect:
        account.status, account.status_detail = AccountStatus.NEEDS_RECONNECT, exc.message[:500]
        account.save(update_fields=["status", "status_detail"])
        Notice.tell(account, "reconnect", exc.message)


def failed(
    account: ConnectedAccount, state: SyncState, exc: NetworkError, fetched: int, new: int
) -> SyncReport:
    now = timezone.now()
    if exc.reconnect:
        mark_reconnect(account, exc)
        wait = None
    elif exc.retry_after is not None:
        account.status, wait = AccountStatus.RATE_LIMITED, exc.retry_after
        account.rate_limited_until = now + timedelta(seconds=exc.retry_after)
    elif exc.permanent:
        wait = LONGEST_WAIT
    else:
        wait = min(LONGEST_WAIT, state.interval * 2 ** (state.failures + 1))
    account.status_detail = exc.message[:500]
    account.save(update_fields=["status", "status_detail", "rate_limited_until"])
    SyncState.objects.filter(pk=state.pk).update(
        failures=state.failures + 1,
        last_error=exc.message[:500],
        next_sync_at=now + timedelta(seconds=wait if wait is not None else LONGEST_WAIT),
        leased_until=None,
    )
    log.warning("sync of account %s failed: %r", account.pk, exc)
    return SyncReport(account, fetched, new, error=exc.message)
