"""Insights benchmarks: importing 100,000 posts and the what-works page over them.

Runs on a throwaway SQLite database (migrated here), so `make bench` never touches the
owner's data. Also imports the real export samples in ../shared/data/export_samples/
when they exist and prints how many posts each gave.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from porch.bench.run import Figure, skipped

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
    yield from _peak_memory(data, archive, owner)


def write_x_zip(path: Path, tweets_js: Path) -> Path:
    """An X archive as X gives it: the posts in data/tweets.js, the owner in data/account.js."""
    account = [{"account": {"username": "benchbakery", "accountId": "1"}}]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tweets_js, "data/tweets.js")
        archive.writestr("data/account.js", "window.YTD.account.part0 = " + json.dumps(account))
    return path


def write_x_bomb(path: Path, megabytes: int = 1024) -> Path:
    """A zip of about 1 MB whose data/tweets.js expands to `megabytes` of blanks in a list."""
    blank = b" " * (1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("data/tweets.js", "w", force_zip64=True) as member,
    ):
        member.write(b"window.YTD.tweets.part0 = [")
        for _ in range(megabytes):
            member.write(blank)
        member.write(b"]")
    return path


def _peak_memory(data: Path, tweets_js: Path, owner: object) -> Iterator[Figure]:
    """Peak memory of `porch import` in a fresh process, for the 100k archive and a zip bomb."""
    from django.contrib.auth.models import User

    from porch.workspaces import services

    assert isinstance(owner, User)
    files = {
        "100k_archive": write_x_zip(data / "archive-100k.zip", tweets_js),
        "bomb": write_x_bomb(data / "bomb.zip"),
    }
    for name, path in files.items():
        workspace = services.create_workspace(owner, f"Bench {name}", "Europe/London")
        account = workspace.accounts.create(network="x", handle="benchbakery")
        peak, code, line = _import_in_child(data, path, account.pk)
        yield Figure(f"import_peak_rss_mb_{name}", peak, "MB")
        expected = (0, "100000 posts read") if name == "100k_archive" else (1, "too big")
        if code != expected[0] or expected[1] not in line:
            yield skipped(f"import_peak_rss_mb_{name}_check", f"exit {code}: {line[:160]}")


# The child reports its own high-water mark: ru_maxrss from wait4/RUSAGE_CHILDREN starts at
# the parent's size on Linux (the exec'd child inherits it), and this parent is big.
CHILD = """
import atexit, re
def peak():
    status = open("/proc/self/status").read()
    print("PEAK_KB", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), flush=True)
atexit.register(peak)
from porch.cli import main
main()
"""


def _import_in_child(data: Path, path: Path, account_id: int) -> tuple[float, int, str]:
    """(peak resident MB, exit status, last line) of `porch import` run as a child process."""
    env = {
        **os.environ,
        "PORCH_DATA": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'bench.sqlite3'}",
    }
    command = [sys.executable, "-c", CHILD, "import", str(path), "--account", str(account_id)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    lines = (done.stdout + done.stderr).strip().splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("PEAK_KB ")]
    said = [line.strip() for line in lines if line.strip() and not line.startswith("PEAK_KB ")]
    return (peak[0] / 1024 if peak else 0.0), done.returncode, (said[-1] if said else "")


def _samples(workspace: object) -> Iterator[Figure]:
    from porch.insights.history import import_file
    from porch.insights.importers import open_history
    from porch.workspaces.models import Workspace

    assert isinstance(workspace, Workspace)
    for network, name in SAMPLE_FILES:
        figure = f"sample_{network}_posts"
        path = SAMPLES / name
        if not path.exists():
            yield skipped(figure, f"{path} not found")
            continue
        # A sample is imported into an account that is its owner (a Bluesky account knows its
        # DID once connected), as an owner would import their own export.
        owner = open_history(path, network).owner if network == "bluesky" else ""
        account = workspace.accounts.create(
            network=network, handle=f"sample-{network}", external_id=owner
        )
        yield Figure(figure, import_file(path, account).read, "posts")
