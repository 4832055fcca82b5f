"""`merge_suggestions_100k_s`: porch.people.merge.suggest_merges over a workspace of 100,000
people, end to end (read the identities, block, score, store), on SQLite, in a child process
with a fresh data folder (`python -m porch.bench.people_merge suggest`), on one core.

The people: one identity each on Bluesky, Mastodon, X or Facebook, with profiles as those
networks show them: websites from a pool of 60,000 domains (so unrelated people share some),
links on shared hosts (linktr.ee, instagram.com...), Mastodon profile fields of which 30% are
verified, Bluesky handles on their own domain for 10%, bios with zero to two links, names from
a small pool (many people share a name). Among them PAIRS true pairs (one human on two
networks) with each kind of evidence in turn. The figure is printed only when every true pair
was suggested and no suggestion joins two people on one network; otherwise it is skipped, with
why. Goal: at most 10 s. PORCH_BENCH_MERGE_PEOPLE sets a smaller workspace (then the 100k
figure is printed as skipped and the smaller one under its own name).
"""

import json
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator
from typing import Any

from porch.bench.run import Figure, run_child, skipped

PEOPLE = 100_000
PAIRS = 2_000
BATCH = 5_000
NETWORKS = ["bluesky", "mastodon", "x", "facebook"]
INSTANCES = ["mastodon.social", "toot.community", "hachyderm.io", "fosstodon.org", "mas.to"]
SHARED = ["https://linktr.ee/{u}", "https://instagram.com/{u}", "https://bio.link/{u}"]
FIRST = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kim", "Lea"]
LAST = ["Baker", "Miller", "Rye", "Crumb", "Stone", "Field", "Brook", "Hale", "Lund", "Moss"]
WORDS = ["bakes", "bread", "loaf", "crumb", "oven", "flour", "rye", "bun", "tart", "dough"]
VERIFIED = "2026-11-02T09:14:00+00:00"


def say(text: str) -> None:
    print(f"people merge bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    size = int(os.environ.get("PORCH_BENCH_MERGE_PEOPLE", PEOPLE))
    name = "merge_suggestions_100k_s"
    if size != PEOPLE:
        yield skipped(name, f"PORCH_BENCH_MERGE_PEOPLE={size}")
        name = f"merge_suggestions_{size}_s"
    env = {"PORCH_BENCH_MERGE_PEOPLE": str(size)}
    result = run_child("porch.bench.people_merge", ["suggest"], env, 900, one_core=True)
    yield skipped(name, result["error"]) if "error" in result else Figure(name, result["s"], "s")


# The child process.


class Profiles:
    """Made-up people as their networks show them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def site(self) -> str:
        return f"{self.rng.choice(WORDS)}{self.rng.randrange(6_000)}.com"

    def name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def identity(self, n: int, network: str, name: str, site: str, **more: Any) -> dict[str, Any]:
        """An identity of person number n; `site` "" for none; more: fields to set."""
        user = f"{name.split()[0].lower()}{n}"
        rng = self.rng
        row: dict[str, Any]
        if network == "bluesky":
            on_domain = site and (more.pop("domain_handle", False) or rng.random() < 0.1)
            handle = site if on_domain else f"{user}.bsky.social"
            row = {"stable_id": f"did:plc:bench{n}", "handle": handle, "website": ""}
            row["profile_url"] = f"https://bsky.app/profile/{handle}"
        elif network == "mastodon":
            server = INSTANCES[n % len(INSTANCES)]
            row = {"stable_id": f"https://{server}/users/{user}", "handle": f"{user}@{server}"}
            row["profile_url"] = f"https://{server}/@{user}"
            verified = VERIFIED if more.pop("verified", rng.random() < 0.3) else ""
            row["links"] = [{"url": f"https://{site}", "verified_at": verified}] if site else []
        elif network == "x":
            row = {
                "stable_id": str(10**12 + n),
                "handle": user,
                "profile_url": f"https://x.com/{user}",
            }
            row["website"] = f"https://{site}" if site else ""
        else:
            row = {
                "stable_id": str(10**15 + n),
                "handle": name,
                "website": site and f"https://{site}",
            }
            row["profile_url"] = f"https://www.facebook.com/{10**15 + n}"
        links = [rng.choice(SHARED).format(u=user) for _ in range(rng.randrange(3))]
        row.setdefault("website", "")
        row.setdefault("links", [])
        row["bio"] = " ".join(["Bread, mostly.", *links])
        return {"network": network, "display_name": name, **row, **more}


def generate(size: int, pairs: int) -> tuple[list[tuple[int, list[dict[str, Any]]]], list[int]]:
    """[(person number, identities)] and the person numbers of the true pairs' first halves."""
    make = Profiles(random.Random(21))
    people: list[tuple[int, list[dict[str, Any]]]] = []
    firsts = []
    for k in range(pairs):  # one human on two networks, each kind of evidence in turn
        n = 2 * k
        firsts.append(n)
        people += _pair(make, n, k % 5)
    for n in range(2 * pairs, size):
        site = make.site() if make.rng.random() < 0.5 else ""
        network = make.rng.choice(NETWORKS)
        people.append((n, [make.identity(n, network, make.name(), site)]))
    return people, firsts


def _pair(make: Profiles, n: int, kind: int) -> list[tuple[int, list[dict[str, Any]]]]:
    name, site = make.name(), f"{make.rng.choice(WORDS)}-pair{n}.com"
    if kind == 0:  # a handle on her own domain, and a verified link to it
        one = make.identity(n, "bluesky", name, site, domain_handle=True)
        two = make.identity(n + 1, "mastodon", name, site, verified=True)
    elif kind == 1:  # a handle on her own domain, and a website field
        one = make.identity(n, "bluesky", name, site, domain_handle=True)
        two = make.identity(n + 1, "x", f"{name} bakes", site)
    elif kind == 2:  # profiles that link to each other
        one = make.identity(n, "x", name, "")
        two = make.identity(n + 1, "mastodon", name, "")
        one["bio"] += f" also {two['profile_url']}"
        two["links"] = [{"url": one["profile_url"], "verified_at": ""}]
    elif kind == 3:  # a bio naming the other profile's handle
        one = make.identity(n, "facebook", name, "")
        two = make.identity(n + 1, "mastodon", f"{name.split()[0]}", "")
        one["bio"] += f" Find me at @{two['handle']}"
    else:  # the same name and the same website
        one = make.identity(n, "x", name, site)
        two = make.identity(n + 1, "facebook", name, site)
    return [(n, [one]), (n + 1, [two])]


def fill(workspace: Any, people: list[tuple[int, list[dict[str, Any]]]]) -> dict[int, int]:
    """Insert the people and identities; {person number: Person id}."""
    from django.db import transaction

    from porch.people.models import Identity, Person

    ids: dict[int, int] = {}
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        with transaction.atomic():
            made = Person.objects.bulk_create(
                Person(workspace=workspace, display_name=rows[0]["display_name"])
                for _, rows in chunk
            )
            identities = []
            for (n, rows), person in zip(chunk, made, strict=True):
                ids[n] = person.pk
                identities += [Identity(workspace=workspace, person=person, **r) for r in rows]
            Identity.objects.bulk_create(identities)
    return ids


def suggest_child() -> dict[str, Any]:
    import django
    from django.core.management import call_command

    django.setup()
    from porch.people.merge import suggest_merges
    from porch.people.models import Identity, MergeSuggestion
    from porch.workspaces import services

    call_command("migrate", verbosity=0)
    owner = services.create_user("bench@shop.example", secrets.token_urlsafe(16))
    workspace = services.create_workspace(owner, "Bench Shop")
    size = int(os.environ.get("PORCH_BENCH_MERGE_PEOPLE", PEOPLE))
    people, firsts = generate(size, min(PAIRS, size // 10))
    ids = fill(workspace, people)
    say(f"{len(people)} people, {Identity.objects.count()} identities")
    began, cpu = time.perf_counter(), time.process_time()
    made = suggest_merges(workspace)
    took = time.perf_counter() - began
    load = os.getloadavg()[0]
    cpu = time.process_time() - cpu
    say(f"{made} suggestions in {took:.2f} s ({cpu:.2f} s of CPU; load average {load:.1f})")
    found = set(MergeSuggestion.objects.values_list("a_id", "b_id"))
    missed = [n for n in firsts if (ids[n], ids[n + 1]) not in found]
    if missed:
        return {"error": f"{len(missed)} true pairs were not suggested (first: {missed[0]})"}
    networks = dict(Identity.objects.values_list("person_id", "network"))
    if any(networks[a] == networks[b] for a, b in found):
        return {"error": "a suggestion joined two people on one network"}
    return {"s": took, "suggestions": made}


if __name__ == "__main__":
    if sys.argv[1:] != ["suggest"]:
        sys.exit("usage: python -m porch.bench.people_merge suggest (make bench runs it)")
    print(json.dumps(suggest_child()), flush=True)
