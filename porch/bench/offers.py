"""Offers benchmarks.

- `redeem_p95_ms`: twenty tills redeeming codes on a real server at once. A child process
  with its own PORCH_DATA (SQLite, the default install) migrates, seeds one running
  per-person offer with TILLS x OWN codes plus CONTESTED codes every till tries, and 20
  staff links, then serves Porch's WSGI app with waitress (threads=20, no worker, as
  `porch serve --threads 20 --no-worker`). This process runs 20 threads, each an
  httpx.Client with its own session = one till: it opens its staff link, reads the form's
  CSRF token, then POSTs codes: its own (answered "valid") and, one request in ten, a
  contested code the other tills try too (one "valid", the rest "already used"). The
  figure is the p95 of each POST's wall time in ms over ~4000 requests, the first WARM_UP
  requests of each till left out. Goal: 50 ms or less. The run fails unless each code was
  valid exactly once.

Each benchmark here keeps to functions named after its figure (redeem_*), so another can
be added beside it: add its Figure to run() and its child mode to CHILD_MODES.
"""

import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from porch.bench.inbox import percentile95
from porch.bench.offers_till import till_figures
from porch.bench.run import ROOT, Figure, skipped

TILLS = 20
OWN = 190  # codes of each till's own (the first WARM_UP of them are its warm-up)
CONTESTED = 20  # codes every till tries once: 10% of the requests collide
WARM_UP = 10
SERVER_START_S = 180
REDEEM_TIMEOUT_S = 900
_KIND = re.compile(rb'data-testid="answer" data-kind="(\w+)"')
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def say(text: str) -> None:
    print(f"offers bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    yield redeem_figure()
    yield from till_figures()  # till_csv_100k_rows_s: porch/bench/offers_till.py


# redeem_p95_ms ---------------------------------------------------------------------------


def redeem_figure() -> Figure:
    try:
        result = redeem_measure()
    except RedeemFailed as exc:
        return skipped("redeem_p95_ms", str(exc))
    return Figure("redeem_p95_ms", result["p95_ms"], "ms")


class RedeemFailed(Exception):
    """The redeem run could not be made or gave a wrong answer; the message says which."""


def redeem_measure() -> dict[str, Any]:
    """Start the server child, run the tills against it, stop it; the figures as a dict."""
    port = _free_port()
    data = tempfile.mkdtemp(prefix="porch-bench-")
    env = {**os.environ, "PORCH_DATA": data, "DJANGO_SETTINGS_MODULE": "porch.settings"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "porch.bench.offers", "redeem-server", str(port)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        seeded = _redeem_seeded(server)
        say(f"server on port {port}: {TILLS} tills redeem")
        return redeem_load(f"http://127.0.0.1:{port}", seeded)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _redeem_seeded(server: "subprocess.Popen[str]") -> dict[str, Any]:
    """The first line the server child prints: its staff links' tokens and the codes."""
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(server.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(SERVER_START_S)
    if not found or not found[0].strip():
        raise RedeemFailed(f"the server did not start in {SERVER_START_S} s")
    seeded: dict[str, Any] = json.loads(found[0])
    return seeded


def redeem_load(base: str, seeded: dict[str, Any]) -> dict[str, Any]:
    """Twenty tills at once; p95 ms of their POSTs after each till's warm-up."""
    import httpx

    pick = random.Random(22)
    plans = []
    for n, token in enumerate(seeded["tokens"]):
        own = seeded["own"][n]
        rest = own[WARM_UP:] + list(seeded["contested"])
        pick.shuffle(rest)
        plans.append((token, own[:WARM_UP] + rest))
    barrier = threading.Barrier(TILLS)
    timings: list[float] = []
    kinds: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def till(token: str, codes: list[str]) -> None:
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                done = _redeem_till(client, token, codes, barrier)
            with lock:
                for index, (code, kind, ms) in enumerate(done):
                    kinds[kind] += 1
                    valid[code] += kind == "valid"
                    if index >= WARM_UP:
                        timings.append(ms)
        except Exception as exc:  # reported as the run's failure
            barrier.abort()
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=till, args=plan) for plan in plans]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REDEEM_TIMEOUT_S)
    took = time.perf_counter() - started
    if errors:
        raise RedeemFailed(errors[0])
    return _redeem_checked(timings, kinds, valid, took)


def _redeem_till(
    client: Any, token: str, codes: list[str], barrier: threading.Barrier
) -> list[tuple[str, str, float]]:
    """One till: open its staff link, then POST each code; (code, answer, ms) per POST."""
    page = client.get(f"/till/{token}/", follow_redirects=True)
    csrf = _CSRF.search(page.content)
    if page.status_code != 200 or csrf is None:
        raise RedeemFailed(f"the staff link answered {page.status_code}")
    form = {"csrfmiddlewaretoken": csrf.group(1).decode()}
    headers = {"Referer": f"{client.base_url}till/"}
    barrier.wait(timeout=120)
    done = []
    for code in codes:
        began = time.perf_counter()
        answer = client.post("/till/", data={**form, "code": code}, headers=headers)
        ms = (time.perf_counter() - began) * 1000
        kind = _KIND.search(answer.content)
        if answer.status_code != 200 or kind is None:
            raise RedeemFailed(f"a redeem answered {answer.status_code}")
        done.append((code, kind.group(1).decode(), ms))
    return done


def _redeem_checked(
    timings: list[float], kinds: Counter[str], valid: Counter[str], took: float
) -> dict[str, Any]:
    wrong = [code for code, times in valid.items() if times != 1]
    if wrong:
        raise RedeemFailed(f"{len(wrong)} codes were not valid exactly once")
    total = sum(kinds.values())
    median = sorted(timings)[len(timings) // 2] if timings else 0.0
    say(f"{total} redeems in {took:.1f} s ({total / took:.0f}/s): {dict(kinds)}")
    say(f"median {median:.1f} ms, p95 {percentile95(timings):.1f} ms, max {max(timings):.1f} ms")
    return {
        "p95_ms": round(percentile95(timings), 2),
        "median_ms": round(median, 2),
        "requests": len(timings),
        "kinds": dict(kinds),
        "seconds": round(took, 2),
    }


def redeem_server(port: int) -> None:
    """The child: migrate, seed, print the seed as one JSON line, serve until stopped."""
    import django

    django.setup()
    from waitress import serve

    from porch.wsgi import application

    seeded = redeem_seed()
    print(json.dumps(seeded), flush=True)
    serve(application, host="127.0.0.1", port=port, threads=TILLS, _quiet=True)


def redeem_seed() -> dict[str, Any]:
    """A running per-person offer, TILLS x OWN + CONTESTED codes and TILLS staff links."""
    from django.core.management import call_command
    from django.utils import timezone

    from porch.offers.codes import new_personal_code
    from porch.offers.models import Code, CodeState, Give, Offer, StaffLink
    from porch.offers.staff import hash_token
    from porch.workspaces import services

    call_command("migrate", verbosity=0)
    owner = services.create_user("bench@shop.example", secrets.token_urlsafe(16))
    workspace = services.create_workspace(owner, "Bench Shop")
    now = timezone.now()
    offer = Offer.objects.create(
        workspace=workspace,
        title="Bench offer",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        give=Give.PERSONAL,
        limit_per_person=None,
    )
    made = {new_personal_code() for _ in range(TILLS * OWN * 2)}
    texts = sorted(made)[: TILLS * OWN + CONTESTED]
    random.Random(22).shuffle(texts)
    Code.objects.bulk_create(
        Code(workspace=workspace, offer=offer, code=text, state=CodeState.SENT) for text in texts
    )
    tokens = [secrets.token_urlsafe(32) for _ in range(TILLS)]
    StaffLink.objects.bulk_create(
        StaffLink(workspace=workspace, label=f"Till {n + 1}", token_hash=hash_token(token))
        for n, token in enumerate(tokens)
    )
    own = [texts[n * OWN : (n + 1) * OWN] for n in range(TILLS)]
    return {"tokens": tokens, "own": own, "contested": texts[TILLS * OWN :]}


# The child processes' modes: `python -m porch.bench.offers MODE ARGS...`.
CHILD_MODES: dict[str, Callable[..., None]] = {
    "redeem-server": lambda port: redeem_server(int(port)),
}


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in CHILD_MODES:
        sys.exit(
            f"usage: python -m porch.bench.offers {'|'.join(CHILD_MODES)} (make bench runs it)"
        )
    CHILD_MODES[mode](*sys.argv[2:])
