"""`make bench`: 10,000 due targets across 500 accounts, published by 1..4 workers on
PostgreSQL against a local network that answers instantly; none may be missed or doubled.

    BENCH publish_10k_workers<N> <rate> targets/s   for N = 1..4
    BENCH publish_missed <n> count                   targets not published, all runs
    BENCH publish_doubled <n> count                  extra publishes of one key, all runs

The measurement runs in a child process whose DATABASE_URL is a throwaway PostgreSQL
(porch.bench.temporary_postgres); workers are threads, each with its own connection,
claiming targets exactly as `porch worker` does (porch.publishing.engine.publish_due).
"""

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from porch.bench import Figure, ServerUnavailable, skipped, temporary_postgres
from porch.networks.base import (
    AccountMetrics,
    AccountRef,
    NetworkClient,
    Outgoing,
    Page,
    PostMetrics,
    Published,
    TextRules,
)

WORKSPACES, ACCOUNTS_EACH, POSTS_EACH = 100, 5, 20  # 500 accounts, 10,000 targets
WORKER_COUNTS = (1, 2, 3, 4)
SENT: Counter[str] = Counter()
_SENT_LOCK = threading.Lock()


class InstantClient(NetworkClient):
    """A network that answers at once and remembers every idempotency key it was sent."""

    network = "instant"

    def publish(self, post: Outgoing) -> Published:
        with _SENT_LOCK:
            SENT[post.idempotency_key] += 1
        return Published(post.idempotency_key, f"https://instant.invalid/{post.idempotency_key}")

    def find_published(self, post: Outgoing, since: datetime) -> Published | None:
        with _SENT_LOCK:
            sent = SENT[post.idempotency_key] > 0
        return Published(post.idempotency_key, "") if sent else None

    def rules(self) -> TextRules:
        return TextRules(500, len, 4, 5_000_000, 1000)

    def close(self) -> None:
        return None

    def verify(self) -> AccountRef:
        return self.account

    def fetch_incoming(self, cursor: str) -> Page:
        return Page([], cursor)

    def search(self, query: str, cursor: str) -> Page:
        return Page([], cursor)

    def delete(self, external_id: str) -> None:
        return None

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        return []

    def account_metrics(self) -> AccountMetrics:
        return AccountMetrics(0)


def seed() -> int:
    """Fresh workspaces, accounts and due targets; returns how many targets."""
    from django.utils import timezone

    from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
    from porch.workspaces.models import ConnectedAccount, Workspace

    Workspace.objects.filter(slug__startswith="bench-").delete()
    spaces = Workspace.objects.bulk_create(
        Workspace(name=f"Bench {n}", slug=f"bench-{n}") for n in range(WORKSPACES)
    )
    template = ConnectedAccount(network="instant", handle="x")
    template.set_credentials({"token": "bench"})
    accounts = ConnectedAccount.objects.bulk_create(
        ConnectedAccount(
            workspace=space,
            network="instant",
            handle=f"shop{n}",
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
    from porch.networks.registry import CLIENTS
    from porch.publishing.models import PostTarget, TargetState

    CLIENTS["instant"] = "porch.publishing.bench.InstantClient"  # for the bench only
    rates, missed, doubled = {}, 0, 0
    for workers in WORKER_COUNTS:
        total = seed()
        SENT.clear()
        rates[workers] = total / publish_with(workers)
        keys = {str(k) for k in PostTarget.objects.values_list("idempotency_key", flat=True)}
        missed += PostTarget.objects.exclude(state=TargetState.PUBLISHED).count()
        missed += len(keys - set(SENT))
        doubled += sum(count - 1 for count in SENT.values() if count > 1)
    return {"rates": rates, "missed": missed, "doubled": doubled}


def run() -> Iterator[Figure]:
    from porch.publishing.split_bench import timings

    yield Figure("split_100k_chars_ms", max(timings().values()), "ms")
    names = [f"publish_10k_workers{n}" for n in WORKER_COUNTS]
    try:
        with temporary_postgres() as url:
            env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "porch.settings"}
            child = subprocess.run(
                [sys.executable, "-m", "porch.publishing.bench"],
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
    # Through the imported module, whose SENT is the one InstantClient (loaded by the
    # registry from "porch.publishing.bench") writes to.
    from porch.publishing import bench

    print(json.dumps(bench.measure()), flush=True)
