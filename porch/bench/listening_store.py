"""Listening's stored figures, each measured in a child process with a fresh data folder and
database of its own (`python -m porch.bench.listening_store ingest|page`), as the inbox's are:

- `listening_ingest_hits_per_s`: HITS_IN posts (the airline tweets, else made-up ones) through
  the listening sink, page by page as the poller gives them (prepare: the fast triage tier
  and the relevance model, no transaction; store: one transaction a page), on one core.
- `listening_page_p95_1m_hits` (SQLite) and `listening_page_p95_1m_hits_postgres` (a
  throwaway PostgreSQL): a million hits of one search, inserted as plain rows, then
  porch.listening.stream.stream_page timed over REQUESTS calls: first pages (the search's,
  every search's, questions only, one network) and deep keyset pages (a page followed
  from the first, and jumps to marks deep in the stream). Goal: p95 at most 100 ms.

PORCH_BENCH_LISTENING_HITS sets a smaller stream (then the 1M figure is printed as skipped,
and the smaller one under its own name).
"""

import json
import math
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from porch.bench.run import Figure, ServerUnavailable, run_child, skipped, temporary_postgres

MILLION = 1_000_000
HITS_IN = 5_000  # posts through the sink
PAGE_IN = 50  # the poller's page
REQUESTS = 200  # stream pages timed
BATCH = 20_000  # rows per insert
WORDS = [
    *("sourdough", "croissant", "cake", "bread", "coffee", "queue", "rye", "bun", "delivery"),
    *("order", "price", "staff", "morning", "sunday", "gluten", "free", "open", "late"),
    *("cold", "warm", "best", "worst", "town", "station", "market"),
]


def say(text: str) -> None:
    print(f"listening bench: {text}", file=sys.stderr, flush=True)


def percentile95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def stream_and_ingest() -> Iterator[Figure]:
    yield _figure("listening_ingest_hits_per_s", _child("ingest", {}, 900), "hits_per_s", "/s")
    size = int(os.environ.get("PORCH_BENCH_LISTENING_HITS", MILLION))
    name = "listening_page_p95_1m_hits" if size == MILLION else f"listening_page_p95_{size}_hits"
    if size != MILLION:
        yield skipped("listening_page_p95_1m_hits", f"PORCH_BENCH_LISTENING_HITS={size}")
    env = {"PORCH_BENCH_LISTENING_HITS": str(size)}
    yield _figure(name, _child("page", env, 1800), "p95_ms", "ms")
    try:
        with temporary_postgres() as url:
            result = _child("page", {**env, "DATABASE_URL": url}, 1800)
    except ServerUnavailable as exc:
        result = {"error": str(exc)}
    yield _figure(f"{name}_postgres", result, "p95_ms", "ms")


def _figure(name: str, result: dict[str, Any], key: str, unit: str) -> Figure:
    return skipped(name, result["error"]) if "error" in result else Figure(name, result[key], unit)


def _child(mode: str, env: dict[str, str], timeout: int) -> dict[str, Any]:
    """`python -m porch.bench.listening_store MODE` in a fresh data folder, on one core."""
    return run_child("porch.bench.listening_store", [mode], env, timeout, one_core=True)


# What the child processes do, with Django set up on their own database.


def _setup() -> tuple[Any, Any, Any]:
    """(owner's membership, a fake account, a search on it) in a migrated database."""
    import django
    from django.core.management import call_command

    django.setup()
    from porch.listening import services
    from porch.workspaces import services as workspaces
    from porch.workspaces.models import ConnectedAccount, Membership

    call_command("migrate", verbosity=0)
    owner = workspaces.create_user("bench@shop.example", secrets.token_urlsafe(16))
    workspace = workspaces.create_workspace(owner, "Bench Shop")
    member = Membership.objects.get(workspace=workspace, user=owner)
    account = ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    search = services.create_search(member, "Bakery", "bakery OR flight", "niche", ["fake"])
    return member, account, search


def _posts(count: int) -> list[tuple[str, str]]:
    """(author, text): the airline tweets, else made-up posts."""
    from porch.bench.listening import generated, load_tweets, sample

    try:
        hits = sample(load_tweets(), count)
    except FileNotFoundError:
        hits = generated(count)
    return [(hit.author_handle, hit.text) for hit in hits]


def ingest_child() -> dict[str, Any]:
    _, account, search = _setup()
    from porch.listening.ingest import LISTENING, LISTENING_SINK
    from porch.networks.base import Incoming
    from porch.networks.poller import Batch

    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        Incoming(f"in-{i}", "mention", author, author, text, start + timedelta(seconds=i))
        for i, (author, text) in enumerate(_posts(HITS_IN))
    ]
    from django.db import transaction

    LISTENING_SINK.prepare(Batch(account, LISTENING, str(search.pk), items[:1]))  # models loaded
    began = time.perf_counter()
    for at in range(0, len(items), PAGE_IN):
        batch = Batch(account, LISTENING, str(search.pk), items[at : at + PAGE_IN])
        prepared = LISTENING_SINK.prepare(batch)
        with transaction.atomic():
            LISTENING_SINK.store(batch, prepared)
    took = time.perf_counter() - began
    say(f"ingest: {len(items)} posts stored and triaged in {took:.1f} s")
    return {"hits_per_s": len(items) / took}


def _fill(member: Any, search: Any, count: int) -> None:
    """`count` hits of `search`, a minute apart going back from now, as plain rows."""
    from django.db import connection
    from django.utils import timezone

    from porch.bench.generate_inbox import _Table
    from porch.listening.models import Hit, SearchHit

    hits, links = _Table(Hit), _Table(SearchHit)
    now = timezone.now()
    now = now if connection.features.supports_timezones else now.replace(tzinfo=None)
    pick, networks = random.Random(3), _networks()
    began = time.perf_counter()
    for first in range(1, count + 1, BATCH):
        rows, pairs = [], []
        for pk in range(first, min(first + BATCH, count + 1)):
            at = now - timedelta(minutes=pk)
            text = " ".join(pick.choices(WORDS, k=12))
            asks = pk % 7 == 0
            rows.append(
                {
                    "id": pk,
                    "workspace_id": member.workspace_id,
                    "network": networks[pk % 3],
                    "external_id": f"gen-{pk}",
                    "author_handle": f"person{pk % 5000}",
                    "text": text + ("?" if asks else ""),
                    "sent_at": at,
                    "is_question": asks,
                    "created_at": at,
                }
            )
            pairs.append({"id": pk, "search_id": search.pk, "hit_id": pk, "sent_at": at})
        hits.insert(rows)
        links.insert(pairs)
        if first % 200_000 == 1:
            took = time.perf_counter() - began
            say(f"{connection.vendor}: {first + len(rows) - 1} hits in {took:.0f} s")
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Hit, SearchHit]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    say(f"{connection.vendor}: {count} hits inserted in {time.perf_counter() - began:.0f} s")


def _networks() -> list[str]:
    """Three installed networks' names, for hits spread over networks."""
    from porch.networks import registry

    names = [network.name for network in registry.descriptors()]
    return (names * 3)[:3]


def page_child() -> dict[str, Any]:
    member, _, search = _setup()
    from django.db import connection

    from porch.listening.stream import Filters, Mark, stream_page

    count = int(os.environ.get("PORCH_BENCH_LISTENING_HITS", MILLION))
    _fill(member, search, count)
    pick = random.Random(11)
    variants: list[tuple[str, Any, Filters, Any]] = [
        ("first page", search, Filters(), None),
        ("every search", None, Filters(), None),
        ("questions only", search, Filters(questions=True), None),
        ("one network", search, Filters(network=_networks()[1]), None),
    ]
    timings: dict[str, list[float]] = {}
    for _ in range(REQUESTS // 8):
        for label, which, filters, after in variants:
            timings.setdefault(label, []).append(_timed(member, which, filters, after))
        deep = pick.randrange(count // 2, count)  # a hit's pk is its place in the stream
        from porch.listening.models import Hit

        hit = Hit.objects.only("sent_at").get(pk=deep)
        mark = Mark(hit.sent_at, deep)
        timings.setdefault("deep mark", []).append(_timed(member, search, Filters(), mark))
        timings.setdefault("deep mark, every search", []).append(
            _timed(member, None, Filters(), mark)
        )
    after = None
    for _ in range(REQUESTS // 4):  # a page followed from the first, as "older" clicks
        began = time.perf_counter()
        page = stream_page(member, search, Filters(), after)
        timings.setdefault("followed pages", []).append((time.perf_counter() - began) * 1000)
        after = page.next
    every = [ms for values in timings.values() for ms in values]
    for label, values in timings.items():
        say(f"{connection.vendor}: {label}: p95 {percentile95(values):.1f} ms")
    say(f"{connection.vendor}: {len(every)} requests, p95 {percentile95(every):.1f} ms")
    return {"p95_ms": percentile95(every)}


def _timed(member: Any, search: Any, filters: Any, after: Any) -> float:
    from porch.listening.stream import stream_page

    began = time.perf_counter()
    page = stream_page(member, search, filters, after)
    took = (time.perf_counter() - began) * 1000
    if not page.hits:
        raise RuntimeError("a stream page came back empty")
    return took


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    children = {"ingest": ingest_child, "page": page_child}
    if mode not in children:
        sys.exit("usage: python -m porch.bench.listening_store ingest|page (make bench runs all)")
    print(json.dumps(children[mode]()), flush=True)
