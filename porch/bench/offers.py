"""Offers benchmarks.

- `redeem_p95_ms`: twenty tills redeeming codes on a real server at once. A child process
  with its own PORCH_DATA (SQLite, the default install) migrates, seeds one running
  per-person offer with codes and 20 staff links, then serves Porch's WSGI app with
  waitress (threads=20, no worker, as `porch serve --threads 20 --no-worker`). This
  process runs 20 threads, each an httpx.Client with its own session = one till: it opens
  its staff link, reads the form's CSRF token, then POSTs codes: its own (answered
  "valid") and, one request in ten or so, a contested code every till tries (one "valid",
  the rest "already used"). Each till redeems at a busy counter's pace: a code every
  PACE_S seconds on average (Poisson arrivals, the next one due whether or not the last
  was answered), so the 20 tills together send 20 a second: 72,000 an hour, far more than
  any shop. The figure is the p95 of each POST's wall time in ms, each till's first
  WARM_UP requests left out. Goal: 50 ms or less.
- `redeem_saturated_per_s` and `redeem_saturated_p95_ms`: the same 20 tills with no pause
  at all, each POSTing its next code as soon as the last is answered: how many redeems a
  second one server process answers, and how long a till then waits.
The runs fail unless each code was valid exactly once.

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
OWN = 70  # codes of each till's own in each run (the first WARM_UP are its warm-up)
CONTESTED = 8  # codes every till tries once in each run: about 10% of the requests collide
PACE_S = 1.0  # a till's mean seconds between two codes in the paced run
WARM_UP = 10
SERVER_START_S = 180
REDEEM_TIMEOUT_S = 900
_KIND = re.compile(rb'data-testid="answer" data-kind="(\w+)"')
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def say(text: str) -> None:
    print(f"offers bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    yield from redeem_figures()
    yield from till_figures()  # till_csv_100k_rows_s: porch/bench/offers_till.py


# redeem_p95_ms ---------------------------------------------------------------------------

REDEEM_FIGURES = ("redeem_p95_ms", "redeem_saturated_per_s", "redeem_saturated_p95_ms")


def redeem_figures() -> Iterator[Figure]:
    try:
        paced, saturated = redeem_measure()
    except RedeemFailed as exc:
        for name in REDEEM_FIGURES:
            yield skipped(name, str(exc))
        return
    yield Figure("redeem_p95_ms", paced["p95_ms"], "ms")
    yield Figure("redeem_saturated_per_s", saturated["per_s"], "redeems/s")
    yield Figure("redeem_saturated_p95_ms", saturated["p95_ms"], "ms")


class RedeemFailed(Exception):
    """The redeem run could not be made or gave a wrong answer; the message says which."""


def redeem_measure() -> tuple[dict[str, Any], dict[str, Any]]:
    """Start the server child, run the tills against it paced then flat out, stop it; the
    two runs' figures."""
    port = _free_port()
    data = tempfile.mkdtemp(prefix="porch-bench-")
    env = {**os.environ, "PORCH_DATA": data, "DJANGO_SETTINGS_MODULE": "porch.settings"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "porch.bench.offers", "redeem-server", str(port)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        seeded = _redeem_seeded(server)
        say(f"server on port {port}: {TILLS} tills redeem")
        base = f"http://127.0.0.1:{port}"
        paced = redeem_load(base, seeded, 0, PACE_S)
        return paced, redeem_load(base, seeded, 1, 0.0)
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


def redeem_load(base: str, seeded: dict[str, Any], run: int, pace_s: float) -> dict[str, Any]:
    """Twenty tills at once, each a code every `pace_s` seconds on average (0: no pause),
    with the seed's codes for this `run`; p95 ms of their POSTs after each till's warm-up."""
    import httpx

    pick = random.Random(22 + run)
    plans = []
    for n, token in enumerate(seeded["tokens"]):
        own = seeded["own"][run][n]
        rest = own[WARM_UP:] + list(seeded["contested"][run])
        pick.shuffle(rest)
        gaps = [pick.expovariate(1 / pace_s) if pace_s else 0.0 for _ in range(len(own) + 8)]
        plans.append((token, own[:WARM_UP] + rest, gaps))
    barrier = threading.Barrier(TILLS)
    timings: list[float] = []
    kinds: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def till(token: str, codes: list[str], gaps: list[float]) -> None:
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                done = _redeem_till(client, token, codes, gaps, barrier)
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
    client: Any, token: str, codes: list[str], gaps: list[float], barrier: threading.Barrier
) -> list[tuple[str, str, float]]:
    """One till: open its staff link, then POST each code when it is due (`gaps` seconds
    apart, from the start); (code, answer, ms) per POST."""
    page = client.get(f"/till/{token}/", follow_redirects=True)
    csrf = _CSRF.search(page.content)
    if page.status_code != 200 or csrf is None:
        raise RedeemFailed(f"the staff link answered {page.status_code}")
    form = {"csrfmiddlewaretoken": csrf.group(1).decode()}
    headers = {"Referer": f"{client.base_url}till/"}
    barrier.wait(timeout=120)
    done = []
    due = time.perf_counter()
    for code, gap in zip(codes, gaps, strict=False):
        due += gap
        time.sleep(max(0.0, due - time.perf_counter()))
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
    say(f"{total} redeems in {took:.1f} s ({total / took:.1f}/s): {dict(kinds)}")
    say(f"median {median:.1f} ms, p95 {percentile95(timings):.1f} ms, max {max(timings):.1f} ms")
    return {
        "p95_ms": round(percentile95(timings), 2),
        "per_s": round(total / took, 1),
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
    """A running per-person offer, (TILLS x OWN + CONTESTED) codes for each run, and TILLS
    staff links."""
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
    made = {new_personal_code() for _ in range(TILLS * OWN * 4)}
    texts = sorted(made)[: 2 * (TILLS * OWN + CONTESTED)]
    random.Random(22).shuffle(texts)
    Code.objects.bulk_create(
        Code(workspace=workspace, offer=offer, code=text, state=CodeState.SENT) for text in texts
    )
    tokens = [secrets.token_urlsafe(32) for _ in range(TILLS)]
    StaffLink.objects.bulk_create(
        StaffLink(workspace=workspace, label=f"Till {n + 1}", token_hash=hash_token(token))
        for n, token in enumerate(tokens)
    )
    half = TILLS * OWN + CONTESTED
    runs = [texts[:half], texts[half:]]  # the paced run's codes, then the saturated run's
    own = [[run[n * OWN : (n + 1) * OWN] for n in range(TILLS)] for run in runs]
    return {"tokens": tokens, "own": own, "contested": [run[TILLS * OWN :] for run in runs]}


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
