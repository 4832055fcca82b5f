"""`make bench`: 10,000 due targets across 500 accounts, published by 1..4 workers on
PostgreSQL against the fake network (porch/networks/fake/: a SQLite file, no internet);
none may be missed or doubled.

    BENCH publish_10k_workers<N> <rate> targets/s   for N = 1..4
    BENCH publish_missed <n> count                   targets not published, all runs
    BENCH publish_doubled <n> count                  extra publishes of one key, all runs

The measurement runs in a child process whose DATABASE_URL is a throwaway PostgreSQL
(porch.bench.run.temporary_postgres); workers are threads, each with its own connection,
claiming targets exactly as `porch worker` does (porch.publishing.engine.publish_due).
The fake network counts the publish calls that carried each idempotency key: a key
published twice is a double, even though the network shows the post once.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from porch.bench.run import Figure, ServerUnavailable, skipped, temporary_postgres

WORKSPACES, ACCOUNTS_EACH, POSTS_EACH = 100, 5, 20  # 500 accounts, 10,000 targets
WORKER_COUNTS = (1, 2, 3, 4)


def sent_counts() -> dict[str, int]:
    """Idempotency key -> how many publish calls carried it, as the fake network saw them."""
    from porch.networks.fake import store

    rows = store.connection().execute("SELECT idempotency_key, attempts FROM posts")
    return {key: attempts for key, attempts in rows if key is not None}


def seed() -> int:
    """Fresh workspaces, accounts and due targets; returns how many targets."""
    from django.utils import timezone

    from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
    from porch.workspaces.models import ConnectedAccount, Workspace

    Workspace.objects.filter(slug__startswith="bench-").delete()
    spaces = Workspace.objects.bulk_create(
        Workspace(name=f"Bench {n}", slug=f"bench-{n}") for n in range(WORKSPACES)
    )
    template = ConnectedAccount(network="fake", handle="x")
    template.set_credentials({"token": "bench"})
    accounts = ConnectedAccount.objects.bulk_create(
        ConnectedAccount(
            workspace=space,
            network="fake",
            handle=f"shop{n}.{space.slug}",
            credentials_encrypted=template.credentials_encrypted,
        )
        for space in spaces
        for n in range(ACCOUNTS_EACH)
    )
    posts = Post.objects.bulk_create(
        Post(workspace=space, text=f"Special {n}", status=PostStatus.SCHEDULED)
        for space in spaces
        for n in range(POSTS_EACH)
    )
    due = timezone.now() - timedelta(seconds=1)
    targets = [
        PostTarget(
            post=post,
            account=account,
            text=post.text,
            scheduled_at=due,
            state=TargetState.SCHEDULED,
        )
        for post in posts
        for account in accounts
        if account.workspace_id == post.workspace_id
    ]
    PostTarget.objects.bulk_create(targets, batch_size=2000)
    return len(targets)


def publish_with(workers: int) -> float:
    """Seconds for `workers` threads to publish everything due."""
    from django.db import connection
    from django.utils import timezone

    from porch.publishing.engine import due_targets, publish_due

    def work(name: str) -> None:
        try:
            while publish_due(name, limit=100) or due_targets(timezone.now(), 1):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"bench-{n}",)) for n in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def measure() -> dict[str, Any]:
    """In the child process: every run's rate, and the misses and doubles of all runs."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from porch.networks.fake import store
    from porch.publishing.models import PostTarget, TargetState

    rates, missed, doubled = {}, 0, 0
    for workers in WORKER_COUNTS:
        total = seed()
        store.clear()
        rates[workers] = total / publish_with(workers)
        sent = sent_counts()
        keys = {str(k) for k in PostTarget.objects.values_list("idempotency_key", flat=True)}
        missed += PostTarget.objects.exclude(state=TargetState.PUBLISHED).count()
        missed += len(keys - set(sent))
        doubled += sum(count - 1 for count in sent.values() if count > 1)
    return {"rates": rates, "missed": missed, "doubled": doubled}


def run() -> Iterator[Figure]:
    from porch.bench.split_thread import timings

    yield Figure("split_100k_chars_ms", max(timings().values()), "ms")
    names = [f"publish_10k_workers{n}" for n in WORKER_COUNTS]
    try:
        with temporary_postgres() as url, tempfile.TemporaryDirectory() as network:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "porch.settings",
                "PORCH_FAKE_NETWORK_DB": str(Path(network) / "fake-network.sqlite3"),
            }
            child = subprocess.run(
                [sys.executable, "-m", "porch.bench.publishing"],
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
    except ServerUnavailable as exc:
        for name in [*names, "publish_missed", "publish_doubled"]:
            yield skipped(name, str(exc))
        return
    if child.returncode != 0:
        why = (child.stderr.strip().splitlines() or ["no output"])[-1]
        for name in [*names, "publish_missed", "publish_doubled"]:
            yield skipped(name, f"the bench failed: {why}")
        return
    facts = json.loads(child.stdout.strip().splitlines()[-1])
    for workers, name in zip(WORKER_COUNTS, names, strict=True):
        yield Figure(name, facts["rates"][str(workers)], "targets/s")
    yield Figure("publish_missed", facts["missed"], "count")
    yield Figure("publish_doubled", facts["doubled"], "count")


if __name__ == "__main__":
    print(json.dumps(measure()), flush=True)
