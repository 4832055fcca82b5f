"""Inbox benchmarks: how fast a complaint stands flagged, and the inbox page at a million messages.

- `inbox_page_p95_1m_sqlite` / `inbox_page_p95_1m_postgres`: a fresh, migrated database
  (a SQLite file; a throwaway PostgreSQL) is filled with 1,000,000 messages by
  porch/bench/generate_inbox.py, then the inbox page is requested as its signed-in owner through
  Django's test client: the default queue, its live refresh (htmx), and three filters.
- `inbox_flag_p95`: on the local Bluesky network (started here when PORCH_TEST_BLUESKY_PDS
  is not set), a shop is connected to a fresh Porch and `porch worker` runs with default
  settings; a customer posts angry mentions a few seconds apart, and each is timed from the
  moment the network accepted the post to the moment its conversation is stored as a
  complaint (the database is read every 50 ms).
- `inbox_flag_p95_fake`: the same, with the shop on the fake network (porch/networks/fake/,
  a SQLite file in the child's data folder that `porch worker` shares): Porch's own part
  (poll, triage, store) without the Bluesky network's indexing; needs no peer.

Each measurement runs in a child process (`python -m porch.bench.inbox page|flag`) with its
own PORCH_DATA / DATABASE_URL, so nothing touches the database of the process that runs
`make bench`. Progress and per-variant figures go to stderr.
"""

import json
import math
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from porch.bench.run import (
    ROOT,
    Figure,
    ServerUnavailable,
    run_child,
    skipped,
    temporary_postgres,
)

MESSAGES = 1_000_000
REQUESTS = 20  # per page variant, after two warm-up requests
MENTIONS = 30
FLAG_TIMEOUT = 60.0  # seconds a mention may take before it counts as never flagged
# The page variants: the default queue, its live refresh every few seconds, and filters.
VARIANTS: list[tuple[str, str, dict[str, str]]] = [
    ("default", "", {}),
    ("live refresh", "", {"HX-Request": "true"}),
    ("complaints", "?intent=complaint", {}),
    ("all statuses", "?status=all", {}),
    ("bluesky only", "?network=bluesky", {}),
]
# Angry mentions, as a customer would write them; only those the default model labels as
# complaints are posted, since this measures speed (triage quality has its own bench).
ANGRY = [
    "my order never arrived and nobody answers the phone, this is ridiculous",
    "you charged my card twice and I still have no refund. Furious.",
    "the cake I picked up this morning was mouldy. Disgusting, I want my money back",
    "worst service ever, waited 40 minutes and the staff were rude",
    "third time my delivery is late. I'm done with you",
    "the coffee machine you sold me broke after two days and you ignore my emails",
]


def percentile95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def say(text: str) -> None:
    print(f"inbox bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    yield _page_on_sqlite()
    yield _page_on_postgres()
    yield _flag()
    yield _flag_figure(child("flag-fake", {}, 600), "inbox_flag_p95_fake")


def child(
    mode: str, env: dict[str, str], timeout: int, module: str = "porch.bench.inbox"
) -> dict[str, Any]:
    """Run `python -m MODULE MODE` in a fresh data folder; its last line is JSON."""
    return run_child(module, [mode], env, timeout)


def _page_figure(name: str, result: dict[str, Any]) -> Figure:
    if "error" in result:
        return skipped(name, result["error"])
    return Figure(name, result["p95_ms"], "ms")


def _page_on_sqlite() -> Figure:
    return _page_figure("inbox_page_p95_1m_sqlite", child("page", {}, 900))


def _page_on_postgres() -> Figure:
    name = "inbox_page_p95_1m_postgres"
    try:
        with temporary_postgres() as url:
            return _page_figure(name, child("page", {"DATABASE_URL": url}, 900))
    except ServerUnavailable as exc:
        return skipped(name, str(exc))


def _flag() -> Figure:
    try:
        with local_bluesky() as env:
            return _flag_figure(child("flag", env, 600))
    except ServerUnavailable as exc:
        return skipped("inbox_flag_p95", str(exc))


@contextmanager
def local_bluesky() -> Iterator[dict[str, str]]:
    """The environment naming the local Bluesky network for a child: the one running
    (PORCH_TEST_BLUESKY_PDS) or one started here and stopped afterwards; ServerUnavailable
    when it cannot start."""
    private = {"PORCH_FETCH_ALLOW_PRIVATE": "true"}  # the network is on loopback
    if os.environ.get("PORCH_TEST_BLUESKY_PDS"):
        yield private
        return
    script = ROOT / "scripts" / "peers-bluesky.sh"
    started = subprocess.run([str(script), "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        why = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServerUnavailable(f"the local Bluesky network did not start: {why}")
    try:
        words = started.stdout.replace("export ", "").split()
        yield private | dict(part.split("=", 1) for part in words if "=" in part)
    finally:
        subprocess.run([str(script), "stop"], capture_output=True, check=False)


def _flag_figure(result: dict[str, Any], name: str = "inbox_flag_p95") -> Figure:
    if "error" in result:
        return skipped(name, result["error"])
    return Figure(name, result["p95_s"], "s")


# What the child processes do, with Django set up on their own database.


def setup() -> tuple[Any, Any]:
    import django
    from django.core.management import call_command

    django.setup()
    from porch.workspaces import services

    call_command("migrate", verbosity=0)
    owner = services.create_user("bench@shop.example", secrets.token_urlsafe(16))
    return owner, services.create_workspace(owner, "Bench Shop")


def page_child() -> dict[str, Any]:
    owner, workspace = setup()
    from django.db import connection

    from porch.bench.generate_inbox import fill

    done = fill(workspace, MESSAGES)
    say(f"{connection.vendor}: {done.messages} messages, {done.conversations} conversations")
    say(f"{connection.vendor}: generated in {done.seconds:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load
            cursor.execute("ANALYZE")
    return {"p95_ms": measure_page(owner, workspace)}


def measure_page(owner: Any, workspace: Any) -> float:
    """The p95 in ms of the inbox page over every variant, as the signed-in owner sees it."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client(SERVER_NAME="localhost")
    client.force_login(owner)
    url = reverse("inbox", args=[workspace.slug])
    timings: list[float] = []
    for label, query, headers in VARIANTS:
        mine = [_timed_get(client, url + query, headers) for _ in range(REQUESTS + 2)][2:]
        say(f"{connection.vendor}: {label}: p95 {percentile95(mine):.1f} ms")
        timings += mine
    return percentile95(timings)


def _timed_get(client: Any, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or b"inbox-row" not in response.content:
        raise RuntimeError(f"{url} answered {response.status_code} without rows")
    return elapsed


def _complaints() -> list[str]:
    """The angry texts the default model labels as complaints."""
    from porch.triage.loading import default_model

    texts = [f"{text} (order {1000 + i})" for i, text in enumerate(ANGRY * MENTIONS)][:MENTIONS]
    labels = default_model().classify(texts)
    return [text for text, label in zip(texts, labels, strict=True) if label.intent == "complaint"]


def flag_child() -> dict[str, Any]:
    _, workspace = setup()
    texts = _complaints()
    if len(texts) < MENTIONS // 2:
        return {"error": "the default triage model labels too few of the angry texts complaints"}
    network = DevNetwork(
        os.environ["PORCH_TEST_BLUESKY_PDS"], os.environ["PORCH_TEST_BLUESKY_CONTROL"]
    )
    shop, customer = network.person("shop"), network.person("customer")
    return _with_worker(network.connect(workspace, shop), customer, shop, texts)


def flag_fake_child() -> dict[str, Any]:
    _, workspace = setup()
    from porch.networks.base import AccountRef
    from porch.networks.connect import save_connection

    texts = _complaints()
    if len(texts) < MENTIONS // 2:
        return {"error": "the default triage model labels too few of the angry texts complaints"}
    shop = _FakePerson("shop.example")
    account = save_connection(workspace, AccountRef("fake", shop.handle), {}, "UTC")
    return _with_worker(account, _FakePerson("customer.example"), shop, texts)


class _FakePerson:
    """Someone on the fake network (porch/networks/fake/store.py)."""

    def __init__(self, handle: str) -> None:
        self.handle = handle

    def mention(self, of: "_FakePerson", text: str) -> str:
        from porch.networks.fake import store

        return store.customer_post(self.handle, f"@{of.handle} {text}", to=of.handle)


def _with_worker(account: Any, customer: Any, shop: Any, texts: list[str]) -> dict[str, Any]:
    """Start `porch worker`, then time the customer's complaints until each is flagged."""
    log = Path(os.environ["PORCH_DATA"]) / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-c", "from porch.cli import run; run()", "worker"],
            stdout=output,
            stderr=output,
        )
        try:
            return _time_flags(account, customer, shop, texts, worker)
        except TimeoutError as exc:
            say(log.read_text()[-2000:])
            return {"error": str(exc)}
        finally:
            worker.terminate()
            worker.wait(timeout=30)


class Person:
    def __init__(self, handle: str, did: str, sdk: Any) -> None:
        self.handle, self.did, self.sdk = handle, did, sdk

    def mention(self, of: "Person", text: str) -> str:
        """Post "@of text" with a mention facet; returns the post's URI."""
        from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

        prefix = f"@{of.handle}"
        facet = models.AppBskyRichtextFacet.Main(
            features=[models.AppBskyRichtextFacet.Mention(did=of.did)],
            index=models.AppBskyRichtextFacet.ByteSlice(
                byte_start=0, byte_end=len(prefix.encode())
            ),
        )
        record = models.AppBskyFeedPost.Record(
            text=f"{prefix} {text}", facets=[facet], created_at=self.sdk.get_current_time_iso()
        )
        uri: str = self.sdk.app.bsky.feed.post.create(self.did, record).uri
        return uri


class DevNetwork:
    """The local Bluesky network: accounts made on its PDS (as tests/networks/bluesky do)."""

    def __init__(self, pds: str, control: str) -> None:
        self.pds, self.control = pds.rstrip("/"), control.rstrip("/")

    def person(self, name: str) -> Person:
        import urllib.request

        from atproto_client import Client, models  # type: ignore[import-untyped, unused-ignore]

        handle, password = f"{name}{secrets.token_hex(3)}.test", secrets.token_urlsafe(12)
        data = models.ComAtprotoServerCreateAccount.Data(
            handle=handle, email=f"{handle}@example.com", password=password
        )
        sdk = Client(base_url=self.pds)
        did = sdk.com.atproto.server.create_account(data).did
        process = f"{self.control}/process"  # the dev network's control URL, from the env
        with urllib.request.urlopen(process, timeout=30) as answer:  # noqa: S310
            answer.read()  # the AppView must know the profile before the login reads it
        sdk.login(handle, password)
        return Person(handle, did, sdk)

    def connect(self, workspace: Any, shop: Person) -> Any:
        """What the owner does in Porch: connect the shop with a new app password."""
        from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

        from porch.networks.bluesky.auth import login
        from porch.networks.connect import save_connection

        data = models.ComAtprotoServerCreateAppPassword.Data(name="porch")
        password = shop.sdk.com.atproto.server.create_app_password(data).password
        ref, credentials = login(shop.handle, password, self.pds)
        return save_connection(workspace, ref, credentials, "UTC")


def _time_flags(
    account: Any,
    customer: Any,
    shop: Any,
    texts: list[str],
    worker: "subprocess.Popen[bytes]",
) -> dict[str, Any]:
    """Post each mention, then read the database every 50 ms until it stands as a complaint."""
    import random

    from porch.inbox.models import Intent, Message
    from porch.networks.models import SyncState

    def flagged(uris: list[str]) -> set[str]:
        rows = Message.objects.filter(
            account=account, external_id__in=uris, conversation__intent=Intent.COMPLAINT
        )
        return set(rows.values_list("external_id", flat=True))

    def wait(seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            for uri in flagged([u for u in posted if u not in latencies]):
                latencies[uri] = time.time() - posted[uri]
            time.sleep(0.05)

    posted: dict[str, float] = {}
    latencies: dict[str, float] = {}
    started = time.monotonic()
    while not SyncState.objects.filter(account=account, last_synced_at__isnull=False).exists():
        if worker.poll() is not None:
            raise TimeoutError(f"porch worker stopped (exit status {worker.returncode})")
        if time.monotonic() - started > FLAG_TIMEOUT:
            raise TimeoutError("porch worker did not sync the shop's account within a minute")
        time.sleep(0.05)
    # One mention first, unmeasured: the worker loads the triage model on its first message.
    warm = customer.mention(shop, texts[0])
    posted[warm] = time.time()
    wait(FLAG_TIMEOUT)
    if warm not in latencies:
        raise TimeoutError("the first mention was not flagged within a minute")
    posted.clear()
    latencies.clear()
    pick = random.Random(5)
    for text in texts:
        sent_at = time.time()  # before the PDS accepts it: never in Porch's favour
        posted[customer.mention(shop, text)] = sent_at
        wait(pick.uniform(1.0, 3.0))
    wait(FLAG_TIMEOUT)
    measured = [latencies.get(uri, math.inf) for uri in posted]
    median = sorted(measured)[len(measured) // 2]
    say(f"flag: {len(latencies)}/{len(posted)} flagged, median {median:.2f} s")
    say(f"flag: slowest {max(measured):.2f} s")
    if math.isinf(percentile95(measured)):
        return {"error": f"more than 5% of {len(posted)} mentions were not flagged within a minute"}
    return {"p95_s": percentile95(measured)}


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    children = {"page": page_child, "flag": flag_child, "flag-fake": flag_fake_child}
    if mode not in children:
        sys.exit("usage: python -m porch.bench.inbox page|flag|flag-fake (make bench runs all)")
    print(json.dumps(children[mode]()), flush=True)
