"""Whole-network listening: one consumer per install reads a network's firehose (every
public post, live) and hands each batch to the sinks features register.

A network with a firehose names its module in its descriptor (`NetworkDescriptor.firehose`):
`events(url, cursor, stop)` yields StreamBatches (raising NetworkError when the connection
fails), `profiles(ids)` says who the authors are, and `URL` names the setting with its
address. A feature registers a `FirehoseSink` in its AppConfig.ready
(`register_firehose_sink`): its `prepare(arrivals)` runs outside any transaction (matching,
triage), its `store(arrivals, prepared)` inside the one that saves the stream's cursor
(quick; returns how many it kept).

    consume(network, stop)   claim the network's lease (FirehoseState, a conditional UPDATE:
                             exactly one worker of the install reads) and read while holding
                             it; stand by while another worker holds it, and take over
                             within LEASE seconds once that one stops renewing
    each batch               prepared outside any transaction, then one transaction: the
                             cursor, lag and counters (only if the lease is still ours,
                             else it is rolled back and the reading stops) and every
                             sink's store. The cursor moves only with what was stored, so
                             a restart, a dropped connection or a sink that breaks replays
                             from it; the stores are idempotent, so nothing is lost or doubled
    mentions                 a post that mentions or answers a connected account of the
                             network goes to the poller's INCOMING sinks (the inbox) in the
                             same transaction, then the account is woken (`poller.wake`) so
                             its notifications poll reconciles
    failures                 NetworkError or a broken sink: recorded (`last_error`), logged
                             once, backed off min(2**n, 64) s (n reset once a connection
                             lived a minute) while keeping the lease, then reconnected from
                             the saved cursor

`porch stream` runs it in the foreground; with settings.FIREHOSE every worker runs
`start_firehoses()` (registered in NetworksConfig.ready), each standing by for the lease.
"""

import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any, Generic, Protocol, TypeVar, cast

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from porch.core.worker import new_worker_id
from porch.networks import poller, registry
from porch.networks.base import (
    Incoming,
    Kind,
    NetworkDescriptor,
    NetworkError,
    StreamBatch,
    StreamPost,
)
from porch.networks.models import INCOMING, FirehoseState
from porch.workspaces.models import ConnectedAccount

log = logging.getLogger(__name__)

Prepared = TypeVar("Prepared")

LEASE = 15  # seconds a holder's claim lasts unless renewed: a dead holder's runs out
RENEW = 5  # seconds between renewals at most (every stored batch renews it too)
CLAIM_EVERY = 5  # seconds between a standby's tries
LONGEST_BACKOFF = 64
STEADY = 60  # a connection that lived this long starts the backoff afresh
ACCOUNTS_EVERY = 5  # seconds between looks at which accounts mentions go to
RATE_WINDOW = 60  # events a second are counted over the last minute
AUTHORS_KEPT = 50_000  # authors remembered, per process


@dataclass(frozen=True)
class Arrivals:
    """One batch of a network's firehose: its posts, in the order the stream gave them."""

    network: str
    posts: Sequence[StreamPost]


@dataclass(frozen=True)
class FirehoseSink(Generic[Prepared]):
    prepare: Callable[[Arrivals], Prepared]
    store: Callable[[Arrivals, Prepared], int]


_sinks: list[FirehoseSink[Any]] = []


def register_firehose_sink(sink: FirehoseSink[Any]) -> None:
    """Have every batch of every firehose go to `sink`; registering it again changes nothing."""
    if sink not in _sinks:
        _sinks.append(sink)


class FirehoseModule(Protocol):
    """What a network's firehose module (NetworkDescriptor.firehose) offers."""

    URL: str  # the name of the setting holding its address

    def events(self, url: str, cursor: str, stop: threading.Event) -> Iterator[StreamBatch]: ...

    def profiles(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]: ...


class LeaseLost(Exception):
    """Another worker holds the network's lease now: this one stores nothing more."""


def firehose_networks() -> list[NetworkDescriptor]:
    """The installed networks with a firehose."""
    return [network for network in registry.descriptors() if network.firehose]


def module_of(network: str) -> FirehoseModule:
    return cast(FirehoseModule, import_module(registry.descriptor(network).firehose))


def pause(stop: threading.Event, seconds: float) -> bool:
    """Wait `seconds` unless stopped meanwhile; whether it was stopped."""
    return stop.wait(seconds)


def _stamp(now: datetime, words: str) -> str:
    return f"{now:%Y-%m-%d %H:%M:%S} UTC: {words}"


# The lease: one row per network; claimed, renewed and released with conditional UPDATEs.


def claim(network: str, holder: str) -> bool:
    """Lease the network's firehose to `holder` when nobody else holds it; whether it did."""
    now = timezone.now()
    FirehoseState.objects.get_or_create(network=network)
    free = Q(leased_until__isnull=True) | Q(leased_until__lte=now) | Q(holder=holder)
    taken = FirehoseState.objects.filter(free, network=network).update(
        holder=holder, leased_until=now + timedelta(seconds=LEASE), updated_at=now
    )
    return taken == 1


def renew(network: str, holder: str) -> bool:
    """Keep holding the lease; False when another worker took it over."""
    now = timezone.now()
    mine = FirehoseState.objects.filter(network=network, holder=holder)
    return mine.update(leased_until=now + timedelta(seconds=LEASE), updated_at=now) == 1


def release(network: str, holder: str) -> None:
    """Give the lease up (a clean stop), so a standby takes over at once."""
    FirehoseState.objects.filter(network=network, holder=holder).update(leased_until=None)


# Authors: the streams carry ids only; handles are asked for the posts that are kept.

_authors: dict[tuple[str, str], tuple[str, str]] = {}


def authors(network: str, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """id: (handle, display name) of the authors the network tells (best effort, cached)."""
    missing = [i for i in dict.fromkeys(ids) if i and (network, i) not in _authors]
    if missing and registry.descriptor(network).firehose:
        try:
            found = module_of(network).profiles(missing)
        except NetworkError as exc:
            log.warning("%s profiles not found: %s", network, exc.message)
            found = {}
        if len(_authors) + len(found) > AUTHORS_KEPT:
            _authors.clear()
        _authors.update(((network, i), named) for i, named in found.items())
    return {i: _authors[(network, i)] for i in ids if (network, i) in _authors}


def with_authors(network: str, posts: Sequence[StreamPost]) -> list[StreamPost]:
    """The posts with their authors' handles and names where the stream left them out (the
    author's id stands for a handle the network would not tell)."""
    unnamed = [p.item.author_id for p in posts if not p.item.author_handle]
    named = authors(network, unnamed) if unnamed else {}
    filled = []
    for post in posts:
        item = post.item
        if not item.author_handle:
            handle, name = named.get(item.author_id, (item.author_id, ""))
            item = replace(item, author_handle=handle, author_name=item.author_name or name)
        filled.append(replace(post, item=item))
    return filled


class Mentioned:
    """The network's connected accounts by their network id, looked at again every
    ACCOUNTS_EVERY seconds: the posts that mention or answer them go to their inbox."""

    def __init__(self, network: str) -> None:
        self.network = network
        self.by_id: dict[str, list[ConnectedAccount]] = {}
        self.looked: datetime | None = None

    def refresh(self, now: datetime) -> None:
        if self.looked is not None and now - self.looked < timedelta(seconds=ACCOUNTS_EVERY):
            return
        found = ConnectedAccount.objects.filter(network=self.network, is_demo=False)
        by_id: dict[str, list[ConnectedAccount]] = {}
        for account in found.exclude(external_id="").select_related("workspace"):
            by_id.setdefault(account.external_id, []).append(account)
        self.by_id, self.looked = by_id, now

    def route(self, posts: Sequence[StreamPost]) -> tuple[list[poller.Batch], set[int]]:
        """The posts for each account they mention or answer (not its own), as its incoming,
        with their authors' handles; and every account addressed. A post whose author's
        handle the network would not tell goes to no inbox from here (the handle is what
        the owner reads and answers): the account's woken poll brings it."""
        addressed = [post for post in posts if next(self._addressed(post), None)]
        items: dict[int, tuple[ConnectedAccount, list[Incoming]]] = {}
        woken: set[int] = set()
        for post in with_authors(self.network, addressed) if addressed else ():
            for account, kind in self._addressed(post):
                woken.add(account.pk)
                if post.item.author_handle and post.item.author_handle != post.item.author_id:
                    entry = items.setdefault(account.pk, (account, []))
                    entry[1].append(replace(post.item, kind=kind))
        batches = [poller.Batch(acc, INCOMING, "", found) for acc, found in items.values()]
        return batches, woken

    def _addressed(self, post: StreamPost) -> Iterator[tuple[ConnectedAccount, Kind]]:
        for external_id in dict.fromkeys((post.reply_to_author, *post.mentions)):
            if not external_id or external_id == post.item.author_id:
                continue
            kind: Kind = "reply" if external_id == post.reply_to_author else "mention"
            for account in self.by_id.get(external_id, []):
                yield account, kind


@dataclass
class Unsaved:
    """What was read since the last stored batch (a quiet batch is stored with the next)."""

    events: int = 0
    posts: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    event_time: datetime | None = None

    def add(self, batch: StreamBatch) -> None:
        self.events += max(batch.events, len(batch.posts))
        self.posts += len(batch.posts)
        for kind, count in batch.skipped.items():
            self.skipped[kind] = self.skipped.get(kind, 0) + count
        if batch.event_time is not None:
            self.event_time = max(batch.event_time, self.event_time or batch.event_time)


class Reader:
    """One holder's reading of one network's firehose, while it holds the lease."""

    def __init__(self, network: str, holder: str, stop: threading.Event) -> None:
        self.network, self.holder, self.stop = network, holder, stop
        self.module = module_of(network)
        self.url: str = getattr(settings, self.module.URL)
        state = FirehoseState.objects.get(network=network)
        self.cursor, self.skipped = state.cursor, dict(state.skipped)
        self.mentioned = Mentioned(network)
        self.unsaved = Unsaved()
        self.saved_at = timezone.now()
        self.read: deque[tuple[datetime, int]] = deque()  # (when, events read) this connection
        self.failures = 0
        self.logged = ""  # the last failure logged, so a repeated one is logged once
        self.gap = state.gap.partition(": ")[2]  # the last gap's words, logged once

    def run(self) -> None:
        """Read, reconnecting after failures, until stopped or the lease is lost."""
        while not self.stop.is_set():
            began = timezone.now()
            if not connection.in_atomic_block:
                close_old_connections()  # one the database dropped is opened afresh
            try:
                self.connection()
            except LeaseLost:
                log.warning("%s firehose: another worker took it over", self.network)
                return
            except NetworkError as exc:
                self.failed(exc.message, began)
            except Exception as exc:  # a sink or the database broke: retry the same batch
                self.failed(f"{type(exc).__name__}: {exc}", began, broke=True)
            if not self.stop.is_set() and not self.back_off():
                break
        if self.stop.is_set():
            release(self.network, self.holder)

    def connection(self) -> None:
        """One connection, from the saved cursor: every batch stored as it comes."""
        now = timezone.now()
        lease = now + timedelta(seconds=LEASE)
        if not FirehoseState.objects.filter(network=self.network, holder=self.holder).update(
            connected_at=now, updated_at=now, leased_until=lease
        ):
            raise LeaseLost
        self.unsaved, self.saved_at = Unsaved(), now
        self.read = deque([(now, 0)])
        stream = self.module.events(self.url, self.cursor, self.stop)
        try:
            for batch in stream:
                self.take(batch)
                if self.stop.is_set():
                    return
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                close()
        if not self.stop.is_set():
            raise NetworkError("the stream ended", permanent=False)

    def take(self, batch: StreamBatch) -> None:
        """Store the batch, or only count it while it brings nothing and the lease is fresh."""
        self.unsaved.add(batch)
        now = timezone.now()
        quiet = not batch.posts and not batch.gap
        if quiet and now - self.saved_at < timedelta(seconds=RENEW):
            return
        self.store(batch, now)

    def store(self, batch: StreamBatch, now: datetime) -> None:
        """Prepare outside any transaction, then store the batch and its cursor in one."""
        self.mentioned.refresh(now)
        mentions, addressed = self.mentioned.route(batch.posts)
        arrivals = Arrivals(self.network, batch.posts)
        ready = [(sink, sink.prepare(arrivals)) for sink in _sinks]
        inbox = [(m, s, s.prepare(m)) for m in mentions for s in poller.sinks_of(INCOMING)]
        with transaction.atomic():
            kept = sum(sink.store(arrivals, prepared) for sink, prepared in ready)
            kept += sum(sink.store(m, prepared) for m, sink, prepared in inbox)
            if not self.saved(batch, kept, now):
                raise LeaseLost  # rolls every store back
        self.stored(batch, now)
        if addressed:
            self.wake(addressed)

    def saved(self, batch: StreamBatch, kept: int, now: datetime) -> bool:
        """Save the cursor and figures, renewing the lease, if it is still ours."""
        unsaved = self.unsaved
        for kind, count in unsaved.skipped.items():
            self.skipped[kind] = self.skipped.get(kind, 0) + count
        change: dict[str, Any] = {
            "cursor": batch.cursor or self.cursor,
            "leased_until": now + timedelta(seconds=LEASE),
            "updated_at": now,
            "events": F("events") + unsaved.events,
            "posts": F("posts") + unsaved.posts,
            "kept": F("kept") + kept,
            "rate": self.rate(now, unsaved.events),
        }
        if unsaved.skipped:
            change["skipped"] = self.skipped
        if unsaved.event_time is not None:
            change["last_event_at"] = unsaved.event_time
            change["lag_seconds"] = max(0.0, (now - unsaved.event_time).total_seconds())
        if batch.gap:
            change["gap"] = _stamp(now, batch.gap)
        mine = FirehoseState.objects.filter(network=self.network, holder=self.holder)
        return mine.update(**change) == 1

    def stored(self, batch: StreamBatch, now: datetime) -> None:
        """The batch is committed: resume after it from now on."""
        self.cursor = batch.cursor or self.cursor
        self.unsaved, self.saved_at = Unsaved(), now
        if batch.gap and batch.gap != self.gap:
            self.gap = batch.gap
            log.warning("%s firehose: %s", self.network, batch.gap)

    def rate(self, now: datetime, events: int) -> float:
        """Events a second over the last minute of this connection (or since it began)."""
        self.read.append((now, self.read[-1][1] + events))
        while len(self.read) > 2 and now - self.read[1][0] >= timedelta(seconds=RATE_WINDOW):
            self.read.popleft()
        (first, before), (_, after) = self.read[0], self.read[-1]
        seconds = (now - first).total_seconds()
        return round((after - before) / seconds, 2) if seconds > 0 else 0.0

    def wake(self, accounts: set[int]) -> None:
        """Have the accounts' notifications polls reconcile what the stream brought: flagged
        for a worker's next claim (within a second), not polled here, so the stream never
        waits on a network's API."""
        try:
            poller.flag_woken(accounts)
        except DatabaseError as exc:  # the next scheduled poll picks it up all the same
            log.warning("waking accounts %s from the firehose failed: %r", sorted(accounts), exc)

    def failed(self, words: str, began: datetime, broke: bool = False) -> None:
        """Record the failure (logged once while it repeats); a connection that lived a
        minute starts the backoff afresh."""
        now = timezone.now()
        if now - began >= timedelta(seconds=STEADY):
            self.failures = 0
        if words != self.logged:
            self.logged = words
            if broke:
                log.exception("%s firehose (retrying from its cursor): %s", self.network, words)
            else:
                log.warning("%s firehose (reconnecting): %s", self.network, words)
        try:
            mine = FirehoseState.objects.filter(network=self.network, holder=self.holder)
            mine.update(last_error=_stamp(now, words)[:500], updated_at=now)
        except DatabaseError as exc:
            log.warning("%s firehose: its error not recorded: %s", self.network, exc)

    def back_off(self) -> bool:
        """Wait min(2**n, 64) seconds, renewing the lease meanwhile; False when stopped or
        when the lease went to another worker."""
        delay = min(2**self.failures, LONGEST_BACKOFF)
        self.failures += 1
        for step in range(math.ceil(delay / RENEW)):
            if pause(self.stop, min(RENEW, delay - step * RENEW)):
                return False
            try:
                if not renew(self.network, self.holder):
                    return False
            except DatabaseError as exc:  # locked or restarting: the next store will tell
                log.warning("%s firehose: lease not renewed: %s", self.network, exc)
        return True


def consume(
    network: str,
    stop: threading.Event,
    holder: str | None = None,
    standing_by: Callable[[str], None] | None = None,
) -> None:
    """Read the network's firehose whenever this holder has its lease, until `stop`;
    `standing_by(holder)` is told, once per wait, who holds it meanwhile."""
    me, waiting, logged = holder or new_worker_id(), False, ""
    while not stop.is_set():
        if not connection.in_atomic_block:  # (a caller's transaction keeps its connection)
            close_old_connections()  # a broken or expired connection is opened afresh
        try:
            if claim(network, me):
                waiting = False
                Reader(network, me, stop).run()
                continue
            if not waiting and standing_by is not None:
                standing_by(FirehoseState.objects.get(network=network).holder)
            waiting = True
        except Exception as exc:  # the database or the network's module: try again soon
            if repr(exc) != logged:
                logged = repr(exc)
                log.exception("%s firehose: not read for now", network)
        pause(stop, CLAIM_EVERY)


class Firehoses:
    """A worker's firehose consumers, one thread per network with a firehose."""

    def __init__(self, networks: Sequence[str], holder: str) -> None:
        self.stopped = threading.Event()
        self.threads = [
            threading.Thread(
                target=self._consume, args=(name, holder), name=f"porch-firehose-{name}"
            )
            for name in networks
        ]
        for thread in self.threads:
            thread.daemon = True
            thread.start()

    def _consume(self, network: str, holder: str) -> None:
        try:
            consume(network, self.stopped, holder)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=10)


def start_firehoses() -> Firehoses | None:
    """Each worker's consumers (settings.FIREHOSE), standing by for the lease; None when
    the install reads no firehose."""
    if not settings.FIREHOSE:
        return None
    networks = [network.name for network in firehose_networks()]
    return Firehoses(networks, new_worker_id()) if networks else None
