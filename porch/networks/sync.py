"""Syncing an account: fetch from its cursor, store, and turn failures into account state.

Each page of messages is stored in the same transaction as the cursor that follows it,
so a worker that dies mid-sync loses nothing and stores nothing twice. Accounts are
claimed by moving `next_sync_at` forward with a conditional UPDATE, so two workers never
sync one account at once. The interval adapts: shorter while messages arrive, longer
while the account is quiet, and the network's own wait when it rate-limits.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from porch.inbox.ingest import store_incoming
from porch.networks.base import AccountRef, NetworkClient, NetworkError
from porch.networks.models import SyncState, UsageMonth, month_start
from porch.networks.registry import client_class
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice

log = logging.getLogger(__name__)

MAX_PAGES = 20  # per sync, so one busy account cannot hold a worker for long
LONGEST_WAIT = 3600


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


def client_for(account: ConnectedAccount) -> NetworkClient:
    """The network client for an account, saving refreshed credentials back (encrypted)."""

    def save(credentials: dict[str, Any]) -> None:
        account.set_credentials(credentials)
        ConnectedAccount.objects.filter(pk=account.pk).update(
            credentials_encrypted=account.credentials_encrypted
        )

    ref = AccountRef(account.network, account.handle, account.external_id, account.server_url)
    return client_class(account.network)(ref, account.credentials(), save)


def intervals(network: str) -> tuple[int, int]:
    """(shortest, longest) seconds between syncs; X is polled sparingly as reads cost money."""
    shortest = settings.SYNC_MIN_INTERVAL * (8 if network == "x" else 1)
    return shortest, max(shortest, settings.SYNC_MAX_INTERVAL)


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


def claim_due(limit: int = 50) -> list[SyncState]:
    """Claim accounts due for a sync; a state is ours only if our UPDATE changed its row."""
    now = timezone.now()
    claimed = []
    due = SyncState.objects.filter(
        next_sync_at__lte=now, account__status__in=[AccountStatus.OK, AccountStatus.RATE_LIMITED]
    ).select_related("account", "account__workspace")
    for state in due.order_by("next_sync_at")[:limit]:
        lease = now + timedelta(seconds=max(state.interval, 60))
        if SyncState.objects.filter(pk=state.pk, next_sync_at=state.next_sync_at).update(
            next_sync_at=lease
        ):
            claimed.append(state)
    return claimed


def sync_account(account: ConnectedAccount, state: SyncState | None = None) -> SyncReport:
    state = state or SyncState.objects.get_or_create(account=account)[0]
    if account.network == "x" and over_cap(account):
        return SyncReport(account, error=account.status_detail)
    client = client_for(account)
    fetched = new = 0
    try:
        for _ in range(MAX_PAGES):
            page = client.fetch_incoming(state.cursor)
            with transaction.atomic():
                new += len(store_incoming(account, page.items))
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
    )
    log.warning("sync of account %s failed: %r", account.pk, exc)
    return SyncReport(account, fetched, new, error=exc.message)
