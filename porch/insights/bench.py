"""Insights benchmarks: importing 100,000 posts and the what-works page over them.

Runs on a throwaway SQLite database (migrated here), so `make bench` never touches the
owner's data. Also imports the real export samples in ../shared/data/export_samples/
when they exist and prints how many posts each gave.
"""

import json
import os
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from porch.bench import Figure, skipped

POSTS = 100_000
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "export_samples"
SAMPLE_FILES = [
    ("x", "twitter/smithjd_tweets.js"),
    ("mastodon", "mastodon/dealingwith_outbox.json"),
    ("bluesky", "bluesky/paul_staging.repo.car"),
]
WORDS = [
    "bread",
    "cake",
    "fresh",
    "today",
    "open",
    "sale",
    "coffee",
    "morning",
    "croissant",
    "sourdough",
    "order",
]


def write_x_archive(path: Path, count: int, seed: int = 7) -> None:
    """An X archive `tweets.js` with `count` posts, as the X archive writes them."""
    pick = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    tweets = []
    for n in range(count):
        at = start + timedelta(minutes=pick.randrange(60 * 24 * 365 * 5))
        words = " ".join(pick.choice(WORDS) for _ in range(pick.randrange(3, 40)))
        link = pick.random() < 0.3
        tweet = {
            "id_str": str(1_000_000_000 + n),
            "id": str(1_000_000_000 + n),
            "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "full_text": words + (" https://t.co/abc" if link else "") + ("?" * (n % 5 == 0)),
            "favorite_count": str(int(pick.expovariate(0.2))),
            "retweet_count": str(int(pick.expovariate(1.0))),
            "entities": {
                "hashtags": [],
                "urls": [{"expanded_url": "https://bakery.example/menu"}] if link else [],
            },
        }
        if n % 7 == 0:
            tweet["in_reply_to_status_id_str"] = str(1_000_000_000 + n - 1)
        tweets.append({"tweet": tweet})
    path.write_text("window.YTD.tweets.part0 = " + json.dumps(tweets, indent=1))


def run() -> Iterator[Figure]:
    data = tempfile.mkdtemp(prefix="porch-bench-insights-")
    os.environ["PORCH_DATA"] = data
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = str(Path(data) / "bench.sqlite3")
    try:
        yield from _measure(Path(data))
    except Exception as exc:  # a benchmark that fails says why instead of stopping `make bench`
        yield skipped("insights", f"failed: {type(exc).__name__}: {exc}")


def _measure(data: Path) -> Iterator[Figure]:
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    connections.close_all()
    call_command("migrate", verbosity=0)
    from porch.insights.history import import_file
    from porch.workspaces import services

    owner = services.create_user("bench@bakery.example", "a long bench password 42")
    workspace = services.create_workspace(owner, "Bench Bakery", "Europe/London")
    account = workspace.accounts.create(network="x", handle="benchbakery")
    archive = data / "tweets.js"
    write_x_archive(archive, POSTS)
    began, cpu = time.perf_counter(), time.process_time()
    result = import_file(archive, account)
    yield Figure("import_x_100k", time.perf_counter() - began, "s")
    # The CPU this process used: the wall time above also counts waiting for a busy machine.
    yield Figure("import_x_100k_cpu", time.process_time() - cpu, "s")
    if result.read != POSTS:
        yield skipped("import_x_100k_check", f"read {result.read} of {POSTS}")
    client = Client(SERVER_NAME="localhost")
    client.force_login(owner)
    url = f"/w/{workspace.slug}/insights/?account={account.pk}"
    client.get(url)  # warm the template and query caches once
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - began)
        assert response.status_code == 200
    yield Figure("what_works_100k", sorted(timings)[len(timings) // 2] * 1000, "ms")
    yield from _samples(workspace)


def _samples(workspace: object) -> Iterator[Figure]:
    from porch.insights.history import import_file
    from porch.workspaces.models import Workspace

    assert isinstance(workspace, Workspace)
    for network, name in SAMPLE_FILES:
        figure = f"sample_{network}_posts"
        path = SAMPLES / name
        if not path.exists():
            yield skipped(figure, f"{path} not found")
            continue
        account = workspace.accounts.create(network=network, handle=f"sample-{network}")
        yield Figure(figure, import_file(path, account).read, "posts")
