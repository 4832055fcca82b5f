"""The inbox page under load: 20 signed-in users at once against `porch serve` on two cores.

- `inbox_page_p95_20_concurrent_ms` (SQLite) and `inbox_page_p95_20_concurrent_ms_postgres`
  (a throwaway PostgreSQL, when its server binaries are installed): a fresh, migrated
  database is filled by porch/bench/generate_inbox.py with a workspace bigger than the demo
  (MESSAGES messages over two years); `porch serve --processes 2` (waitress, the real
  server, one process a core, its background worker off so that only pages are timed) runs
  as a child pinned to two CPU cores; CLIENTS threads, each signed in with a session of its
  own, request the inbox page (the default queue, the complaints filter and the live
  refresh, in turn) REQUESTS times each after a warm-up request. The figure is the p95 of
  every request's latency, in ms, as the client sees it. Goal: 300 ms or less. The clients
  run on the same machine: on a two-core machine they take CPU from the server.

Run alone: `python -m porch.bench inbox_load`. Each database runs in a child process
(`python -m porch.bench.inbox_load load`) with its own PORCH_DATA / DATABASE_URL; progress
goes to stderr.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
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

NAME = "inbox_page_p95_20_concurrent_ms"
MESSAGES = 100_000
CLIENTS = 20
REQUESTS = 15  # per client, after one warm-up request
SERVER_CORES = 2
START_TIMEOUT = 120.0  # seconds `porch serve` may take to answer its first request
PAGES = [("", {}), ("?intent=complaint", {}), ("", {"HX-Request": "true"})]


def say(text: str) -> None:
    print(f"inbox load bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    yield _figure(NAME, run_child("porch.bench.inbox_load", ["load"], {}, 1800))
    name = f"{NAME}_postgres"
    try:
        with temporary_postgres() as url:
            yield _figure(
                name, run_child("porch.bench.inbox_load", ["load"], {"DATABASE_URL": url}, 1800)
            )
    except ServerUnavailable as exc:
        yield skipped(name, str(exc))


def _figure(name: str, result: dict[str, Any]) -> Figure:
    if "error" in result:
        return skipped(name, result["error"])
    return Figure(name, result["p95_ms"], "ms")


# What the child process does, with Django set up on its own database.


def load_child() -> dict[str, Any]:
    from porch.bench.inbox import percentile95, setup

    owner, workspace = setup()
    from django.db import connection

    from porch.bench.generate_inbox import fill

    done = fill(workspace, MESSAGES)
    say(f"{connection.vendor}: {done.messages} messages, {done.conversations} conversations")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load
            cursor.execute("ANALYZE")
    cookies = [_session_cookie(owner) for _ in range(CLIENTS)]
    connection.close()  # the server has the database to itself while it is timed
    try:
        with _server() as base:
            timings = _hammer(f"{base}/w/{workspace.slug}/inbox/", cookies)
    except RuntimeError as exc:
        return {"error": str(exc)}
    if not timings:
        return {"error": "no request succeeded"}
    p95 = percentile95(timings)
    say(f"{connection.vendor}: {len(timings)} requests, p95 {p95:.0f} ms")
    return {"p95_ms": p95}


def _session_cookie(owner: Any) -> str:
    """A signed-in session of the owner's, as the sign-in page makes one: its cookie."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(owner)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@contextmanager
def _server() -> Iterator[str]:
    """`porch serve` on a free port, pinned to SERVER_CORES cores; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = Path(os.environ["PORCH_DATA"]) / "serve.log"
    command = [sys.executable, "-c", "from porch.cli import run; run()", "serve"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--no-worker", "--no-migrate"]
    options += ["--processes", str(SERVER_CORES)]  # one a core, as README's PORCH_WEB_PROCESSES
    cores = sorted(os.sched_getaffinity(0))[:SERVER_CORES]
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, *options],
            stdout=output,
            stderr=output,
            cwd=ROOT,
            preexec_fn=lambda: os.sched_setaffinity(0, cores),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base, server, log)
            say(f"porch serve on cores {cores}")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(base: str, server: "subprocess.Popen[bytes]", log: Path) -> None:
    until = time.monotonic() + START_TIMEOUT
    while time.monotonic() < until:
        if server.poll() is not None:
            raise RuntimeError(f"porch serve stopped: {log.read_text()[-500:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("porch serve did not answer within two minutes")


def _hammer(url: str, cookies: list[str]) -> list[float]:
    """CLIENTS threads at once, each with its own session, REQUESTS pages each."""
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(cookies))

    def client(cookie: str) -> None:
        try:
            _get(url, cookie, {})  # warm-up, not timed
            start.wait()
            for i in range(REQUESTS):
                query, headers = PAGES[i % len(PAGES)]
                elapsed = _get(url + query, cookie, headers)
                with lock:
                    timings.append(elapsed)
        except (OSError, RuntimeError, threading.BrokenBarrierError) as exc:
            with lock:
                errors.append(str(exc))

    threads = [threading.Thread(target=client, args=(c,)) for c in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        say(f"{len(errors)} clients failed, first: {errors[0]}")
        return []
    return timings


def _get(url: str, cookie: str, headers: dict[str, str]) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie, **headers})  # noqa: S310
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310  (loopback)
        body = answer.read()
        status = answer.status
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200 or b"inbox-row" not in body:
        raise RuntimeError(f"{url} answered {status} without rows")
    return elapsed


if __name__ == "__main__":
    if sys.argv[1:] != ["load"]:
        sys.exit("usage: python -m porch.bench.inbox_load load (make bench runs it)")
    print(json.dumps(load_child()), flush=True)
