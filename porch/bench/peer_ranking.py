"""Peer discovery's figure, measured in a child process with a fresh data folder and database
of its own (`python -m porch.bench.peer_ranking rank`), on one core:

- `peer_ranking_s`: porch.plans.peers.rank_peers end to end (the signals, the exclusions,
  why for the best 50, stored) for a workspace with HITS hits over the last 90 days by
  AUTHORS authors (drawn Zipf-like, so a few post hundreds of times and most once or twice;
  60% found by niche searches, 15% by a competitor's, 25% by the brand's), FOLLOWERS
  followers who follow FOLLOWS_EACH accounts each (TheirFollow), 100 people marked customer
  or competitor, and a plan naming 3 peers. SQLite.

PORCH_BENCH_PEER_HITS sets a smaller workspace (then the figure is printed as skipped, and
the smaller one under its own name).
"""

import json
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from porch.bench.run import Figure, run_child, skipped

HITS = 50_000
AUTHORS = 4_000
FOLLOWERS = 2_000
FOLLOWS_EACH = 100
FOLLOWED = 20_000  # the accounts followers follow (the hits' authors among them)
BATCH = 10_000
WORDS = [
    *("sourdough", "croissant", "cake", "bread", "coffee", "rye", "bun", "flour", "starter"),
    *("bake", "oven", "crumb", "crust", "market", "sunday", "local", "proof", "dough"),
]


def say(text: str) -> None:
    print(f"peer ranking bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    size = int(os.environ.get("PORCH_BENCH_PEER_HITS", HITS))
    name = "peer_ranking_s" if size == HITS else f"peer_ranking_{size}_hits_s"
    if size != HITS:
        yield skipped("peer_ranking_s", f"PORCH_BENCH_PEER_HITS={size}")
    env = {"PORCH_BENCH_PEER_HITS": str(size)}
    result = run_child("porch.bench.peer_ranking", ["rank"], env, 1800, one_core=True)
    yield skipped(name, result["error"]) if "error" in result else Figure(name, result["s"], "s")


# What the child process does, with Django set up on its own database.


def _setup() -> Any:
    import django
    from django.core.management import call_command

    django.setup()
    from porch.workspaces import services as workspaces

    call_command("migrate", verbosity=0)
    owner = workspaces.create_user("bench@shop.example", secrets.token_urlsafe(16))
    return workspaces.create_workspace(owner, "Bench Bakery")


def _searches(workspace: Any) -> list[tuple[Any, float]]:
    from porch.listening.models import Search

    def make(name: str, kind: str) -> Any:
        return Search.objects.create(
            workspace=workspace, name=name, query=name.lower(), kind=kind, networks=["fake"]
        )

    return [
        (make("Sourdough", "niche"), 0.35),
        (make("#realbread", "hashtag"), 0.25),
        (make("Rival Bakery", "competitor"), 0.15),
        (make("Bench Bakery", "brand"), 0.25),
    ]


def _fill_hits(workspace: Any, count: int, now: Any) -> None:
    from porch.bench.generate_inbox import _Table
    from porch.listening.models import Hit, SearchHit

    hits, links = _Table(Hit), _Table(SearchHit)
    pick = random.Random(5)
    found = _searches(workspace)
    weights = [1 / (n + 1) ** 1.1 for n in range(AUTHORS)]
    authors = pick.choices(range(AUTHORS), weights=weights, k=count)
    kinds = pick.choices([s for s, _ in found], weights=[w for _, w in found], k=count)
    for first in range(0, count, BATCH):
        rows, pairs = [], []
        for pk in range(first + 1, min(first + BATCH, count) + 1):
            at = now - timedelta(minutes=pick.randrange(90 * 24 * 60))
            author = authors[pk - 1]
            rows.append(
                {
                    "id": pk,
                    "workspace_id": workspace.pk,
                    "network": "fake",
                    "external_id": f"gen-{pk}",
                    "author_handle": f"baker{author}",
                    "author_name": f"Baker {author}",
                    "author_id": f"fake:baker{author}",
                    "text": " ".join(pick.choices(WORDS, k=14)),
                    "url": f"https://fake.example/baker{author}/{pk}",
                    "sent_at": at,
                    "sentiment": pick.choice(["positive", "neutral", "negative"]),
                    "judged_irrelevant": pick.random() < 0.1,
                    "created_at": at,
                }
            )
            pairs.append({"id": pk, "search_id": kinds[pk - 1].pk, "hit_id": pk, "sent_at": at})
        hits.insert(rows)
        links.insert(pairs)


def _fill_people(workspace: Any, now: Any) -> None:
    """The followers and whom they follow; a hundred authors marked customer or competitor."""
    from porch.bench.generate_inbox import _Table
    from porch.people.models import Follow, Identity, Person, TheirFollow
    from porch.workspaces.models import ConnectedAccount

    account = ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    pick = random.Random(7)
    people = [
        Person(workspace=workspace, display_name=f"Fan {n}", status="other")
        for n in range(FOLLOWERS)
    ] + [
        Person(
            workspace=workspace,
            display_name=f"Baker {n}",
            status=pick.choice(["customer", "competitor"]),
        )
        for n in range(100)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    handles = [f"fan{n}" for n in range(FOLLOWERS)] + [f"baker{n * 7}" for n in range(100)]
    identities = Identity.objects.bulk_create(
        [
            Identity(workspace=workspace, person=p, network="fake", stable_id=f"fake:{h}", handle=h)
            for p, h in zip(people, handles, strict=True)
        ],
        batch_size=2000,
    )
    Follow.objects.bulk_create(
        [Follow(account=account, identity=i, seen_at=now) for i in identities[:FOLLOWERS]],
        batch_size=2000,
    )
    weights = [1 / (n + 1) ** 0.9 for n in range(FOLLOWED)]
    table, rows, pk = _Table(TheirFollow), [], 0
    for identity in identities[:FOLLOWERS]:
        for target in set(pick.choices(range(FOLLOWED), weights=weights, k=FOLLOWS_EACH)):
            pk += 1
            handle = f"baker{target}"
            rows.append(
                {
                    "id": pk,
                    "follower_id": identity.pk,
                    "network": "fake",
                    "stable_id": f"fake:{handle}",
                    "handle": handle,
                    "display_name": f"Baker {target}",
                }
            )
        if len(rows) >= BATCH:
            table.insert(rows)
            rows = []
    table.insert(rows)


def rank_child() -> dict[str, Any]:
    workspace = _setup()
    from django.db import connection
    from django.utils import timezone

    from porch.people.models import PeerSuggestion, TheirFollow
    from porch.plans.models import Plan
    from porch.plans.peers import rank_peers

    now = timezone.now()
    stored_now = now if connection.features.supports_timezones else now.replace(tzinfo=None)
    count = int(os.environ.get("PORCH_BENCH_PEER_HITS", HITS))
    began = time.perf_counter()
    _fill_hits(workspace, count, stored_now)
    _fill_people(workspace, now)
    peers = ["Baker 12", "@baker40", "Riverside Books"]
    Plan.objects.create(workspace=workspace, version=1, answers={"peers": peers}, content={})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    follows = TheirFollow.objects.count()
    say(f"{count} hits, {follows} follows of followers in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    kept = rank_peers(workspace, now)
    took = time.perf_counter() - began
    named = PeerSuggestion.objects.filter(why__in_plan=True).count()
    say(f"ranked in {took:.2f} s: {kept} kept, {named} named in the plan")
    return {"s": took, "kept": kept}


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode != "rank":
        sys.exit("usage: python -m porch.bench.peer_ranking rank (make bench runs it)")
    print(json.dumps(rank_child()), flush=True)
