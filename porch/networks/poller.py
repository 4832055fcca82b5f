"""The poller: what a source has after its cursor goes to the sinks that features register.

    Source   what to fetch: `fetch(client, key, cursor) -> Page`. INCOMING (an account's
             mentions, replies and messages) and SEARCH (public posts matching `key`) come
             with it; another is added with `register_source`
    Sink     where it goes: `prepare(batch)` runs outside any transaction (classifying,
             which may be slow); `store(batch, prepared)` runs inside the transaction that
             saves the cursor (it must be quick) and returns how many items were new
    SyncState  one row per (account, source, key): its cursor, interval and lease.
             INCOMING rows come with the account; `follow` adds another (a search)

A feature registers its sink in its AppConfig.ready (`register_sink(INCOMING, sink)`), so
the network layer names no feature. Each page is stored in the same transaction as the
cursor that follows it, so a worker that dies mid-poll loses nothing and stores nothing
twice. Rows are claimed by leasing them (`leased_until`, with `next_sync_at` moved past
the lease) with a conditional UPDATE, so two workers never poll one row at once; a worker
that dies leaves a lease that runs out. Where a network streams notifications, the stream
only `wake`s the account: the same claim and cursor fetch what arrived. The interval
adapts: shorter while items arrive, longer while quiet, the network's own wait when it
rate-limits; an account whose reads cost money pauses at its monthly cap.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from porch.networks.base import Incoming, NetworkClient, NetworkDescriptor, NetworkError, Page
from porch.networks.models import INCOMING as INCOMING  # the source every account has
from porch.networks.models import SyncState, month_start
from porch.networks.query import parse
from porch.networks.registry import descriptor
from porch.networks.sync import client_for, mark_reconnect, month_cost, record_usage
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice

log = logging.getLogger(__name__)

MAX_PAGES = 20  # per poll, so one busy account cannot hold a worker for long
LONGEST_WAIT = 3600
MAX_WAKES = 3  # polls in a row for one wake-up, when more arrives during each
SEARCH = "search"


@dataclass(frozen=True)
class Source:
    """What to fetch: `fetch(client, key, cursor)` returns the page after `cursor`."""

    name: str
    fetch: Callable[[NetworkClient, str, str], Page]


@dataclass(frozen=True)
class Batch:
    """One page's items, with what they were fetched for."""

    account: ConnectedAccount
    source: str
    key: str  # a search's query; "" for incoming
    items: Sequence[Incoming]


Prepared = TypeVar("Prepared")


@dataclass(frozen=True)
class Sink(Generic[Prepared]):
    """Where a source's items go: `prepare` outside any transaction, `store` (quick, returns
    how many were new) inside the one that saves the cursor."""

    prepare: Callable[[Batch], Prepared]
    store: Callable[[Batch, Prepared], int]


def _incoming(client: NetworkClient, key: str, cursor: str) -> Page:
    return client.fetch_incoming(cursor)


def _search(client: NetworkClient, key: str, cursor: str) -> Page:
    return client.search(parse(key), cursor)


_sources: dict[str, Source] = {
    INCOMING: Source(INCOMING, _incoming),
    SEARCH: Source(SEARCH, _search),
}
_sinks: dict[str, list[Sink[Any]]] = {}


def register_source(source: Source) -> None:
    _sources[source.name] = source


def register_sink(source: str, sink: Sink[Any]) -> None:
    """Send what `source` fetches to `sink` too (a feature's AppConfig.ready calls this)."""
    if source not in _sources:
        raise ValueError(f"unknown source {source!r}: use one of {', '.join(_sources)}")
    sinks = _sinks.setdefault(source, [])
    if sink not in sinks:
        sinks.append(sink)


def sinks_of(source: str) -> list[Sink[Any]]:
    """The sinks registered for `source` (the firehose hands mentions to INCOMING's)."""
    return list(_sinks.get(source, []))


def follow(account: ConnectedAccount, source: str, key: str = "") -> SyncState:
    """Poll `source` for `key` on the account from now on (its own cursor and interval)."""
    return SyncState.objects.get_or_create(account=account, source=source, key=key)[0]


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


def streaming(network: NetworkDescriptor) -> bool:
    """Whether the network's stream wakes its accounts here (its settings may turn it off)."""
    if not network.can.stream or not network.stream:
        return network.can.stream
    enabled: Callable[[], bool] = import_string(f"{network.stream}.enabled")
    return enabled()


def intervals(network: str) -> tuple[int, int]:
    """(shortest, longest) seconds between polls of an account of `network`: its descriptor's
    poll scale, where a stream wakes accounts polling being only its fallback."""
    described = descriptor(network)
    low, high = described.poll_scale
    if described.can.stream and not streaming(described):
        high = low
    shortest = settings.SYNC_MIN_INTERVAL * low
    return shortest, max(shortest, settings.SYNC_MAX_INTERVAL * high)


def over_cap(account: ConnectedAccount, network: NetworkDescriptor) -> bool:
    """Pause an account whose reads cost money once this month's estimate reaches its cap."""
    cap = account.monthly_cost_cap
    if cap is None or month_cost(account) < cap:
        return False
    next_month = (month_start() + timedelta(days=32)).replace(day=1)
    text = (
        f"{network.label} syncing for @{account.handle} is paused: this month's estimated cost "
        f"reached the ${cap} cap. Raise the cap on the Accounts page, or it resumes on "
        f"{next_month:%-d %B}."
    )
    account.status, account.status_detail = AccountStatus.PAUSED, text
    account.save(update_fields=["status", "status_detail"])
    Notice.tell(account, f"cap-{month_start():%Y-%m}", text)
    return True


def _claimable(now: datetime) -> QuerySet[SyncState]:
    """Rows with a sink that no worker holds and that are due, or that a stream woke
    (unless backing off)."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    woken = Q(woken=True, failures=0, account__status=AccountStatus.OK)
    syncing = [AccountStatus.OK, AccountStatus.RATE_LIMITED]
    return SyncState.objects.filter(free, Q(next_sync_at__lte=now) | woken).filter(
        account__status__in=syncing, source__in=[name for name, sinks in _sinks.items() if sinks]
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
    """Claim rows due for a poll; two workers never claim the same one."""
    now = timezone.now()
    due = _claimable(now).select_related("account", "account__workspace")
    return [state for state in due.order_by("next_sync_at")[:limit] if _claim(state, now)]


def flag_woken(account_ids: set[int]) -> None:
    """Something arrived for these accounts: a worker's next claim (within a second) polls
    their incoming, whoever flagged them."""
    SyncState.objects.filter(account_id__in=account_ids, source=INCOMING).update(woken=True)


def wake(account_id: int) -> SyncReport | None:
    """A stream said something arrived for the account: poll its incoming now, unless a
    worker is polling it already (it stays woken, so the next claim picks it up at once)."""
    flag_woken({account_id})
    report = None
    for _ in range(MAX_WAKES):  # woken again while polling: once more, from this thread
        now = timezone.now()
        woken = _claimable(now).filter(account_id=account_id, source=INCOMING, woken=True)
        state = woken.select_related("account", "account__workspace").first()
        if state is None or not _claim(state, now):
            break
        report = poll(state)
    return report


def sync_account(account: ConnectedAccount, state: SyncState | None = None) -> SyncReport:
    """Poll the account's incoming (`porch sync`; the worker claims rows with claim_due)."""
    return poll(state or follow(account, INCOMING))


def poll(state: SyncState) -> SyncReport:
    """Fetch page after page from the row's cursor into its source's sinks."""
    account = state.account
    network = descriptor(account.network)
    if network.can.paid_reads and over_cap(account, network):
        return SyncReport(account, error=account.status_detail)
    try:
        client = client_for(account)
    except NetworkError as exc:
        return failed(state, exc, 0, 0)
    with client:
        fetched, new, error = _pages(client, state)
        record_usage(account, client.usage)
    if error is not None:
        return failed(state, error, fetched, new)
    succeeded(state, fetched, new)
    return SyncReport(account, fetched, new)


def _pages(client: NetworkClient, state: SyncState) -> tuple[int, int, NetworkError | None]:
    """(fetched, new, the failure that stopped it) after up to MAX_PAGES pages."""
    source, fetched, new = _sources[state.source], 0, 0
    try:
        for _ in range(MAX_PAGES):
            page = source.fetch(client, state.key, state.cursor)
            new += _store(state, page)
            fetched += len(page.items)
            if not page.more:
                break
    except NetworkError as exc:
        return fetched, new, exc
    return fetched, new, None


def _store(state: SyncState, page: Page) -> int:
    """Prepare the page in every sink (no transaction held), then store it and its cursor
    in one transaction; how many items were new."""
    batch = Batch(state.account, state.source, state.key, page.items)
    prepared = [(sink, sink.prepare(batch)) for sink in _sinks.get(state.source, [])]
    with transaction.atomic():
        new = sum(sink.store(batch, ready) for sink, ready in prepared)
        SyncState.objects.filter(pk=state.pk).update(cursor=page.cursor)
    state.cursor = page.cursor
    return new


def succeeded(state: SyncState, fetched: int, new: int) -> None:
    account = state.account
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
    if account.status != AccountStatus.OK or (state.source == INCOMING and account.status_detail):
        account.status, account.status_detail, account.rate_limited_until = (
            AccountStatus.OK,
            "",
            None,
        )
        account.save(update_fields=["status", "status_detail", "rate_limited_until"])


def failed(state: SyncState, exc: NetworkError, fetched: int, new: int) -> SyncReport:
    """Turn a failure into state: an expired token or a rate limit is the account's (all its
    rows wait); any other failure is the row's own (`last_error`: a search that fails does
    not mark the account), and it backs off."""
    account, now = state.account, timezone.now()
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
    if state.source == INCOMING or exc.retry_after is not None:
        account.status_detail = exc.message[:500]
        account.save(update_fields=["status", "status_detail", "rate_limited_until"])
    SyncState.objects.filter(pk=state.pk).update(
        failures=state.failures + 1,
        last_error=exc.message[:500],
        next_sync_at=now + timedelta(seconds=wait if wait is not None else LONGEST_WAIT),
        leased_until=None,
    )
    log.warning("poll of account %s (%s) failed: %r", account.pk, state.source, exc)
    return SyncReport(account, fetched, new, error=exc.message)
