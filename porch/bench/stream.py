"""The Bluesky stream's figures: a loopback Jetstream server (porch/bench/jetstream.py) in
another process, on the other core, sends posts over a real WebSocket; the consumer
(porch.networks.firehose.consume), pinned to one core with its own SQLite database,
decodes every event, matches it against SEARCHES searches of WORKSPACES workspaces, triages
the hits with the fast tier and stores them with the stream's cursor.

- `stream_posts_per_s_1core`: 100,000 posts (the airline tweets' texts, cycled with a word
  swapped) sent as fast as the consumer takes them; posts read a second. Goal: 3,600.
- `stream_rss_mb`: the consumer's resident memory after EVENTS posts (a million by
  default), in a run of its own; with it `stream_posts_per_s_1core_<EVENTS>_events`, that
  run's rate (its hits pile up in SQLite, and storing slows as they do). Goal: 300 MB.
- `stream_lag_p95_s`: posts sent at ten times the network's average rate (250 a second,
  each stamped as it is sent) for LAG_SECONDS; the 95th percentile of store time minus the
  post's time, over the hits. Goal: at most 1 s.
- `stream_match_posts_per_s`: the matcher alone (porch/bench/stream_match.py).
- `stream_mention_to_inbox_p95_s`: on the local AT Protocol stack (porch/bench/stream_peer.py).

PORCH_BENCH_STREAM_EVENTS sets a smaller run (the RSS figure is then named for it).
"""

import csv
import functools
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from porch.bench.run import ROOT, Figure, run_child, skipped

MILLION = 1_000_000
FIRST = 100_000  # posts the throughput figure is measured over
SEARCHES = 1_000
WORKSPACES = 100
LIVE_RATE = 250  # posts a second: ten times the network's 25 a second
LAG_SECONDS = 40
DATA = ROOT.parent / "shared" / "data" / "twitter_airline_sentiment"
THEMES = (
    "my order arrived late again, delivery took days",
    "do you have gluten free bread or cakes?",
    "what are your opening hours on sunday?",
    "the sourdough was amazing, best bakery in town",
    "coffee was cold and the service slow",
)


def say(text: str) -> None:
    print(f"stream bench: {text}", file=sys.stderr, flush=True)


def texts() -> list[str]:
    """The airline tweets' texts (read without Django: the server process has none), else
    made-up posts."""
    found = sorted(DATA.glob("*.csv")) if DATA.is_dir() else []
    if not found:
        return [f"{a} {b}" for a in THEMES for b in ("today", "again", "in town", "this week")]
    with found[0].open(newline="", encoding="utf-8") as file:
        return [row["text"] for row in csv.DictReader(file) if row.get("text")]


def events(count: int, live: bool) -> Iterator[str]:
    """`count` post creates by 5,000 made-up authors, the texts in turn with a word swapped
    after the first round; `live`: each stamped with the moment it is made (the server
    makes it just before sending), else a millisecond apart."""
    from porch.bench.jetstream import START_US, post_event, tid

    pick, said = random.Random(11), texts()
    for n in range(count):
        text = said[n % len(said)]
        if n >= len(said):
            words = text.split()
            words.insert(pick.randrange(len(words) + 1), pick.choice(words))
            text = " ".join(words)
        time_us = time.time_ns() // 1_000 if live else START_US + n * 1_000
        yield post_event(f"did:plc:bench{n % 5000:019d}", tid(time_us, n), text, time_us)


def queries(said: Sequence[str], count: int = SEARCHES, seed: int = 5) -> list[str]:
    """Searches a shop would write, from the texts' own words (neither the commonest, which
    nobody searches for, nor words met once): two words, a phrase, a word with either of
    two, a hashtag with a word, a rarer word with another. The stream is the airline
    tweets, all about one trade: these match far more of it (a third of its posts) than a
    thousand shops' searches would of the whole network."""
    pick = random.Random(seed)
    counted = Counter(w for t in said for w in t.lower().split() if w.isalpha() and len(w) > 3)
    ranked = [word for word, _ in counted.most_common(6_000)]
    middle, rare = ranked[150:1_500], ranked[1_500:]
    tags = sorted(
        {w[1:] for t in said for w in t.lower().split() if w[:1] == "#" and w[1:].isalpha()}
    )
    pairs = [" ".join(t.lower().split()[i : i + 2]) for t in said[:3_000] for i in (1, 4)]
    phrases = [p for p in pairs if " " in p and all(w.isalpha() and len(w) > 2 for w in p.split())]
    made = []
    for n in range(count):
        a, b, c = pick.sample(middle, 3)
        made.append(
            [
                f"{a} {b}",
                f'"{pick.choice(phrases)}"' if phrases else f"{a} {b}",
                f"({a} OR {b}) {c}",
                f"#{pick.choice(tags)} {c}" if tags else f"{a} {c}",
                f"{pick.choice(rare or middle)} {a}",
            ][n % 5]
        )
    return made


def run() -> Iterator[Figure]:
    from porch.bench import stream_match, stream_peer

    yield from stream_match.run()
    fast = _child("throughput", FIRST, 1_200)
    yield (
        skipped("stream_posts_per_s_1core", fast["error"])
        if "error" in fast
        else Figure("stream_posts_per_s_1core", fast["posts_per_s"], "posts/s")
    )
    count = int(os.environ.get("PORCH_BENCH_STREAM_EVENTS", MILLION))
    long = _child("throughput", count, 3_600)
    rss = "stream_rss_mb" if count == MILLION else f"stream_rss_mb_{count}_events"
    if "error" in long:
        yield skipped(rss, long["error"])
    else:  # the whole run's rate too: its hits pile up in SQLite, and storing slows
        yield Figure(f"stream_posts_per_s_1core_{count}_events", long["posts_per_s"], "posts/s")
        yield Figure(rss, long["rss_mb"], "MB")
    lag = _child("lag", LIVE_RATE * LAG_SECONDS, 600)
    yield (
        skipped("stream_lag_p95_s", lag["error"])
        if "error" in lag
        else Figure("stream_lag_p95_s", lag["lag_p95_s"], "s")
    )
    yield from stream_peer.run()


def _child(mode: str, count: int, timeout: int) -> dict[str, Any]:
    """`python -m porch.bench.stream MODE COUNT` in a fresh data folder; its last line is
    JSON."""
    return run_child("porch.bench.stream", [mode, str(count)], {}, timeout, one_core=True)


# What the child process does, with Django set up on its own database.


def _setup(said: Sequence[str]) -> str:
    """WORKSPACES workspaces with SEARCHES searches on the network with a firehose; its name."""
    from django.core.management import call_command

    from porch.listening.models import Search
    from porch.networks.registry import descriptors
    from porch.workspaces import services as workspaces

    call_command("migrate", verbosity=0)
    (network,) = [d.name for d in descriptors() if d.firehose]
    owner = workspaces.create_user("bench@shop.example", "bench-password-123")
    made = [workspaces.create_workspace(owner, f"Shop {n}") for n in range(WORKSPACES)]
    Search.objects.bulk_create(
        Search(
            workspace=made[n % WORKSPACES],
            name=query[:100],
            query=query,
            kind="niche",
            networks=[network],
        )
        for n, query in enumerate(dict.fromkeys(queries(said)))
    )
    return network


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _consume_until(network: str, count: int, timeout: float) -> float:
    """Run the consumer in a thread until it has read `count` events; the seconds it took."""
    from porch.networks.firehose import consume
    from porch.networks.models import FirehoseState

    stop = threading.Event()
    worker = threading.Thread(target=consume, args=(network, stop, "bench"), daemon=True)
    began = time.perf_counter()
    worker.start()
    read = 0
    while read < count and time.perf_counter() - began < timeout:
        time.sleep(0.25)
        read = (
            FirehoseState.objects.filter(network=network).values_list("events", flat=True).first()
            or 0
        )
    took = time.perf_counter() - began
    stop.set()
    worker.join(timeout=30)
    say(f"{read:,} events read in {took:.1f} s")
    return took


def child(mode: str, count: int) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # the consumer: one core
    import django

    django.setup()
    network = _setup(texts())
    from django.conf import settings

    from porch.bench.jetstream import start_process
    from porch.listening.models import Hit

    live = mode == "lag"
    server, url = start_process(functools.partial(events, count, live), LIVE_RATE if live else None)
    if (
        hasattr(os, "sched_setaffinity")
        and server.pid
        and len(os.sched_getaffinity(server.pid)) > 1
    ):
        os.sched_setaffinity(server.pid, {max(os.sched_getaffinity(server.pid))})
    settings.BLUESKY_FIREHOSE_URL = url
    say(f"{_rss_mb():.0f} MB before reading")
    settings.BLUESKY_APPVIEW_URL = "http://127.0.0.1:9"  # no AppView here: handles stay DIDs
    try:
        took = _consume_until(network, count, 3_000)
    finally:
        server.kill()
    hits = Hit.objects.count()
    say(f"{hits:,} hits stored ({hits / count:.2f} a post)")
    result: dict[str, Any] = {"posts_per_s": count / took, "rss_mb": _rss_mb(), "hits": hits}
    if live:
        lags = sorted(
            (hit.created_at - hit.sent_at).total_seconds()
            for hit in Hit.objects.only("created_at", "sent_at")
        )
        result["lag_p95_s"] = lags[int(0.95 * (len(lags) - 1))] if lags else None
    return result


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], int(sys.argv[2]))))
