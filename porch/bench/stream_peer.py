"""The stream's figure on the local Bluesky network (scripts/peers-bluesky.sh start):

- `stream_mention_to_inbox_p95_s`: a shop is connected to a fresh Porch (its own data
  folder and SQLite database, in a child process: `python -m porch.bench.stream_peer
  mention`) and the firehose consumer reads the PDS's own firehose
  (`com.atproto.sync.subscribeRepos`) in a thread, as `porch stream` does. A customer posts
  one unmeasured mention first (the customer's first post; the consumer connects and loads
  its triage model), then MENTIONS mentions one after another, each timed from just before
  the post call until its Message exists in the inbox (the database is read every 10 ms).
  Goal: p95 at most 1 s (polling gives about 3.8 s: `inbox_flag_p95`).

The local network is the one PORCH_TEST_BLUESKY_PDS and PORCH_TEST_BLUESKY_CONTROL name,
else one started for the figure (porch.bench.inbox.local_bluesky); printed as skipped where
it cannot start.
"""

import math
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from porch.bench.inbox import ANGRY, DevNetwork, child, local_bluesky, percentile95, setup
from porch.bench.run import Figure, ServerUnavailable, skipped

NAME = "stream_mention_to_inbox_p95_s"
MENTIONS = 20
POLL = 0.01  # seconds between reads of the database
TIMEOUT = 30.0  # seconds a mention may take before it counts as never arriving
WARM_TIMEOUT = 90.0  # the first mention: the consumer connects and loads the triage model
PDS = "http://localhost:2583"  # scripts/peers-bluesky.sh's addresses
CONTROL = "http://localhost:2599"
APPVIEW = "http://localhost:2584"
FIREHOSE_PATH = "/xrpc/com.atproto.sync.subscribeRepos"


def say(text: str) -> None:
    print(f"stream peer bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    try:
        with local_bluesky() as env:
            peers = _peers({**os.environ, **env})
            if isinstance(peers, str):
                yield skipped(NAME, peers)
                return
            result = child("mention", peers, 600, module="porch.bench.stream_peer")
    except ServerUnavailable as exc:
        result = {"error": str(exc)}
    if "error" in result:
        yield skipped(NAME, result["error"])
    else:
        yield Figure(NAME, result["p95_s"], "s")


def _peers(env: Mapping[str, str]) -> dict[str, str] | str:
    """The child's environment naming the local network, or why it cannot be reached."""
    pds = env.get("PORCH_TEST_BLUESKY_PDS", PDS).rstrip("/")
    control = env.get("PORCH_TEST_BLUESKY_CONTROL", CONTROL).rstrip("/")
    try:
        with urllib.request.urlopen(f"{pds}/xrpc/_health", timeout=5) as answer:  # noqa: S310
            answer.read()
    except OSError as exc:
        start = "eval $(scripts/peers-bluesky.sh start)"
        return f"the local Bluesky network is not running at {pds} ({exc}): {start}"
    return {
        "PORCH_TEST_BLUESKY_PDS": pds,
        "PORCH_TEST_BLUESKY_CONTROL": control,
        "PORCH_BLUESKY_FIREHOSE_URL": pds.replace("http", "ws", 1) + FIREHOSE_PATH,
        "PORCH_BLUESKY_APPVIEW_URL": os.environ.get("PORCH_TEST_BLUESKY_APPVIEW", APPVIEW),
        "PORCH_FETCH_ALLOW_PRIVATE": "true",  # the local network is on loopback
    }


# What the child process does, with Django set up on its own database.


def mention_child() -> dict[str, Any]:
    _, workspace = setup()
    from porch.core.worker import new_worker_id
    from porch.networks.firehose import Firehoses

    network = DevNetwork(
        os.environ["PORCH_TEST_BLUESKY_PDS"], os.environ["PORCH_TEST_BLUESKY_CONTROL"]
    )
    shop, customer = network.person("shop"), network.person("customer")
    account = network.connect(workspace, shop)
    reading = Firehoses([account.network], new_worker_id())
    try:
        return _time_mentions(account, customer, shop, reading)
    except TimeoutError as exc:
        return {"error": str(exc)}
    finally:
        reading.stop()


def _arrived(account: Any, uri: str) -> Callable[[], bool]:
    from porch.inbox.models import Message

    return Message.objects.filter(account=account, external_id=uri).exists


def _wait(check: Callable[[], bool], seconds: float, reading: Any) -> bool:
    """Read the database every POLL seconds until `check()` or `seconds` have passed."""
    deadline = time.perf_counter() + seconds
    while not check():
        if time.perf_counter() > deadline:
            return False
        if not all(thread.is_alive() for thread in reading.threads):
            raise TimeoutError("the firehose consumer stopped")
        time.sleep(POLL)
    return True


def _time_mentions(account: Any, customer: Any, shop: Any, reading: Any) -> dict[str, Any]:
    """Warm up (until a mention is in the inbox, posting again every few seconds while the
    consumer is not connected yet), then time each mention to its Message."""
    texts = [f"{text} (order {2000 + i})" for i, text in enumerate(ANGRY * MENTIONS)]
    started = time.perf_counter()
    while not _wait(_arrived(account, customer.mention(shop, "hello, are you open?")), 5, reading):
        if time.perf_counter() - started > WARM_TIMEOUT:
            raise TimeoutError(f"no mention reached the inbox within {WARM_TIMEOUT:.0f} s")
    say(f"warm: the first mention came in after {time.perf_counter() - started:.2f} s")
    took: list[float] = []
    for text in texts[:MENTIONS]:
        began = time.perf_counter()  # before the PDS accepts it: never in Porch's favour
        uri = customer.mention(shop, text)
        arrived = _wait(_arrived(account, uri), TIMEOUT, reading)
        took.append(time.perf_counter() - began if arrived else math.inf)
    median = sorted(took)[len(took) // 2]
    say(f"{len(took)} mentions: median {median:.3f} s, slowest {max(took):.3f} s")
    say("each (s): " + " ".join(f"{t:.3f}" for t in took))
    if math.isinf(percentile95(took)):
        return {"error": f"more than 5% of {len(took)} mentions did not arrive in {TIMEOUT} s"}
    return {"p95_s": percentile95(took)}


if __name__ == "__main__":
    if sys.argv[1:] != ["mention"]:
        sys.exit("usage: python -m porch.bench.stream_peer mention (make bench runs it)")
    import json

    print(json.dumps(mention_child()), flush=True)
