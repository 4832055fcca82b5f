"""API benchmarks: the conversations list at a million messages, and making posts.

- `api_conversations_p95_1m_ms`: a fresh, migrated SQLite database is filled with 1,000,000
  messages by porch/bench/generate_inbox.py (PORCH_BENCH_API_MESSAGES for a smaller fill,
  PORCH_BENCH_API_REQUESTS for fewer calls per variant while developing),
  one conversation in ten is assigned to the owner (so "assigned to me" has pages to walk),
  an owner's token is made, and GET /api/v1/conversations is called through Django's test
  client with the bearer header, as the inbox page bench does (porch/bench/inbox.py): the
  default queue, status=all, intent=complaint, one network, one account, assignee=me, each
  its first page and a later page (following next_cursor); p95 over every call after two
  warm-up calls per variant. The token's rate is raised (PORCH_API_RATE) so no call waits.
- `api_post_create_p95_ms`: two fake-network accounts with weekly slots; POST /api/v1/posts
  when=queue to both, a fresh Idempotency-Key each, 300 calls, p95.

Each runs in a child process (`python -m porch.bench.api conversations|posts`) with its own
PORCH_DATA. Per-variant figures go to stderr.
"""

import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from typing import Any

from porch.bench.inbox import percentile95
from porch.bench.run import Figure, run_child, skipped

MESSAGES = int(os.environ.get("PORCH_BENCH_API_MESSAGES", "1000000"))
REQUESTS = int(os.environ.get("PORCH_BENCH_API_REQUESTS", "200"))  # per variant, after 2 warm-ups
POSTS = 300
LATER_PAGE = 5  # the page reached through next_cursor
RATE = {"PORCH_API_RATE": "100000"}


def say(text: str) -> None:
    print(f"api bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    name = (
        "api_conversations_p95_1m_ms"
        if MESSAGES == 1_000_000
        else f"api_conversations_p95_{MESSAGES}_ms"
    )
    yield _figure(name, run_child(__name__, ["conversations"], RATE, 1800))
    yield _figure("api_post_create_p95_ms", run_child(__name__, ["posts"], RATE, 900))


def _figure(name: str, result: dict[str, Any]) -> Figure:
    if "error" in result:
        return skipped(name, result["error"])
    return Figure(name, result["p95_ms"], "ms")


# What the child processes do, with Django set up on their own database.


def setup() -> tuple[Any, Any, str]:
    """Owner, workspace and an owner's token with every scope."""
    import django
    from django.core.management import call_command

    django.setup()
    from porch.api.tokens import create_token
    from porch.workspaces import services
    from porch.workspaces.models import Membership

    call_command("migrate", verbosity=0)
    owner = services.create_user("bench@shop.example", secrets.token_urlsafe(16))
    workspace = services.create_workspace(owner, "Bench Shop")
    member = Membership.objects.get(workspace=workspace, user=owner)
    token = create_token(member, "bench", ["read", "write", "publish"], days=365).text
    return owner, workspace, token


def has_operation(method: str, path: str) -> bool:
    from porch.api.api import api

    return method.lower() in api.get_openapi_schema()["paths"].get(f"/api/v1{path}", {})


ASSIGNED_EVERY = 10  # one conversation in ten is the owner's, so "assigned to me" has pages


def _assign_every(workspace: Any, owner: Any, step: int) -> None:
    from porch.inbox.models import Conversation

    ids = (
        Conversation.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
    )
    chosen = list(ids)[::step]
    for start in range(0, len(chosen), 5000):
        batch = chosen[start : start + 5000]
        Conversation.objects.filter(pk__in=batch).update(assigned_to=owner)
    say(f"{len(chosen)} conversations assigned to the owner")


def conversations_child() -> dict[str, Any]:
    owner, workspace, token = setup()
    if not has_operation("GET", "/conversations"):
        return {"error": "GET /api/v1/conversations is not in the API"}
    from porch.bench.generate_inbox import fill

    done = fill(workspace, MESSAGES)
    say(f"{done.messages} messages, {done.conversations} conversations in {done.seconds:.0f} s")
    _assign_every(workspace, owner, ASSIGNED_EVERY)
    account = workspace.accounts.order_by("pk").first()
    variants = [
        ("default", {}),
        ("all statuses", {"status": "all"}),
        ("complaints", {"intent": "complaint"}),
        ("one network", {"network": account.network}),
        ("one account", {"account": str(account.pk)}),
        ("assigned to me", {"assignee": "me"}),
    ]
    timings: list[float] = []
    for label, query in variants:
        for page in (1, LATER_PAGE):
            mine = _measure(token, query, page)
            say(f"{label}, page {page}: p95 {percentile95(mine):.1f} ms")
            timings += mine
    return {"p95_ms": percentile95(timings)}


def _measure(token: str, query: dict[str, str], page: int) -> list[float]:
    """REQUESTS timed calls for the `page`th page of the list with `query`."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    headers = {"Authorization": f"Bearer {token}"}
    params = dict(query)
    for _ in range(page - 1):  # follow next_cursor to the page
        cursor = _get(client, params, headers)[1]
        if cursor is None:
            break
        params = {**query, "cursor": cursor}
    times = []
    for _ in range(REQUESTS + 2):
        started = time.perf_counter()
        _get(client, params, headers)
        times.append((time.perf_counter() - started) * 1000)
    return times[2:]


def _get(client: Any, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str | None]:
    answer = client.get("/api/v1/conversations", params, headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"conversations {params} answered {answer.status_code}")
    body = answer.json()
    return len(body["items"]), body.get("next_cursor")


def posts_child() -> dict[str, Any]:
    _, workspace, token = setup()
    if not has_operation("POST", "/posts"):
        return {"error": "POST /api/v1/posts is not in the API"}
    from datetime import time as clock

    from django.test import Client

    from porch.networks.base import AccountRef
    from porch.networks.connect import save_connection
    from porch.publishing.models import PostingSlot

    accounts = [
        save_connection(workspace, AccountRef("fake", f"bench{i}.example"), {}, "UTC")
        for i in range(2)
    ]
    for account in accounts:
        for weekday in range(7):
            for hour in (9, 13, 18):
                PostingSlot.objects.create(account=account, weekday=weekday, time=clock(hour))
    client = Client(SERVER_NAME="localhost")
    times = []
    for i in range(POSTS + 2):
        body = {
            "text": f"Batch {i}: {secrets.token_hex(8)}",
            "account_ids": [a.pk for a in accounts],
            "when": "queue",
            "confirm_duplicates": True,  # every post is alike: no duplicate check's 409
        }
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{i}"}
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/posts", json.dumps(body), content_type="application/json", headers=headers
        )
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code not in (200, 201):
            why = answer.content[:200].decode(errors="replace")
            return {"error": f"POST /api/v1/posts answered {answer.status_code}: {why}"}
    say(f"{POSTS} posts: p95 {percentile95(times[2:]):.1f} ms")
    return {"p95_ms": percentile95(times[2:])}


if __name__ == "__main__":
    mode = sys.argv[1]
    result = {"conversations": conversations_child, "posts": posts_child}[mode]()
    print(json.dumps(result))
