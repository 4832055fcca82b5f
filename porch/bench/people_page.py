"""People benchmark: a person's page and the list of people, at 100,000 people and a million
messages.

- `people_page_p95_100k`: a fresh, migrated SQLite database is filled with 100,000 people
  (70% on one network, 30% on two: an identity on each, with the network's id) and 1,000,000
  inbox messages on two networks: most people wrote a few times, one in ten a few dozen
  times, one in a hundred some hundreds; each conversation is theirs, the shop answering
  every other message. Then, as the signed-in owner through Django's test client, the p95 in
  ms over about 50 requests of a person's page (random people and the ones with the longest
  histories; the first page and the next) and about 50 of the list (the first page, a deep
  page, by status, by tag, a name search, leads first). Goal: 100 ms or less.

PORCH_BENCH_PEOPLE=<people> runs a smaller copy (ten messages a person), named after its
size (people_page_p95_2k), for trying it out. The measurement runs in a child process
(`python -m porch.bench.people_page page`) with its own PORCH_DATA, so nothing touches the
database of the process that runs `make bench`; progress goes to stderr.
"""

import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from porch.bench.inbox import percentile95, setup
from porch.bench.run import Figure, run_child, skipped

PEOPLE = 100_000
MESSAGES_PER_PERSON = 10  # a million messages for 100,000 people
TWO_NETWORKS = 0.3  # the share of people known on two networks
THREAD = 6  # messages in one conversation at most
STATUSES = [("other", 70), ("customer", 18), ("lead", 7), ("vip", 3), ("peer", 2)]
TAGS = ["wholesale", "birthday", "regular", "gluten free", "office", "wedding"]
PERSON_REQUESTS, LIST_REQUESTS = 50, 50
# The list as the owner uses it: first and later pages, by status and tag, a search, leads first.
LIST_QUERIES = [
    *("", "?page=2", "?page=500", "?status=lead", "?status=customer&page=3"),
    *("?tag=wholesale", "?q=Person%2012", "?q=person77", "?leads=on", "?leads=on&page=9"),
]
BATCH = 5_000  # rows written per transaction
HISTORY = timedelta(days=730)


def figure_name(people: int) -> str:
    return "people_page_p95_100k" if people == PEOPLE else f"people_page_p95_{people // 1000}k"


def size() -> int:
    return int(os.environ.get("PORCH_BENCH_PEOPLE", PEOPLE))


def say(text: str) -> None:
    print(f"people bench: {text}", file=sys.stderr, flush=True)


def run() -> Iterator[Figure]:
    name = figure_name(size())
    result = run_child("porch.bench.people_page", ["page"], {}, 1800)
    if "error" in result:
        yield skipped(name, result["error"])
    else:
        yield Figure(name, result["p95_ms"], "ms")


# What the child process does, with Django set up on its own database.


@dataclass(frozen=True)
class Filled:
    people: int
    identities: int
    messages: int
    first: int  # the first person's id: the others follow it
    heaviest: list[int]  # the people with the most messages
    seconds: float


def message_counts(people: int, pick: random.Random) -> list[int]:
    """How many messages each person wrote and got answered: most a few, one in ten a few
    dozen, one in a hundred some hundreds; MESSAGES_PER_PERSON a person in all."""
    counts = []
    for _ in range(people):
        roll = pick.random()
        if roll < 0.01:
            counts.append(pick.randint(150, 600))
        elif roll < 0.10:
            counts.append(pick.randint(15, 60))
        else:
            counts.append(pick.randint(1, 6))
    target = people * MESSAGES_PER_PERSON
    scale = target / sum(counts)
    counts = [max(1, round(count * scale)) for count in counts]
    order = list(range(people))
    pick.shuffle(order)
    gap = target - sum(counts)
    for i in order:  # the rounding's difference, one message a person, so the total is exact
        if gap == 0:
            break
        step = 1 if gap > 0 else -1
        if counts[i] + step >= 1:
            counts[i] += step
            gap -= step
    return counts


def fill(workspace: Any, people: int, seed: int = 21) -> Filled:
    """Add `people` people with their identities, conversations and messages."""
    from porch.bench.generate_inbox import generated_accounts

    started = time.perf_counter()
    pick = random.Random(seed)
    accounts = generated_accounts(workspace)[:2]  # two networks
    counts = message_counts(people, pick)
    writer = _PeopleWriter(workspace, accounts, pick)
    for start in range(0, people, BATCH // 5):
        writer.batch(counts[start : start + BATCH // 5])
    heaviest = sorted(range(people), key=lambda i: -counts[i])[:20]
    first = writer.first_person
    return Filled(
        people,
        writer.identities,
        writer.messages,
        first,
        [first + i for i in heaviest],
        time.perf_counter() - started,
    )


class _PeopleWriter:
    """Rows of people, identities, conversations and messages, with ids given here."""

    def __init__(self, workspace: Any, accounts: list[Any], pick: random.Random) -> None:
        from django.db import connection
        from django.db.models import Max
        from django.utils import timezone

        from porch.bench.generate_inbox import _Table
        from porch.inbox.models import Conversation, Message
        from porch.people.models import Identity, Person

        self.workspace, self.accounts, self.pick = workspace, accounts, pick
        now = timezone.now()
        self.now = now if connection.features.supports_timezones else now.replace(tzinfo=None)
        self.tables = [_Table(m) for m in (Person, Identity, Conversation, Message)]
        tops = [m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in (Person, Conversation)]
        self.first_person = tops[0] + 1
        self.ids = {"person": tops[0], "identity": 0, "conversation": tops[1], "message": 0}
        self.ids["identity"] = Identity.objects.aggregate(top=Max("pk"))["top"] or 0
        self.ids["message"] = Message.objects.aggregate(top=Max("pk"))["top"] or 0
        self.identities = self.messages = 0

    def next(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def batch(self, counts: list[int]) -> None:
        from django.db import transaction

        rows: list[list[dict[str, Any]]] = [[], [], [], []]
        for count in counts:
            self._person(count, rows)
        with transaction.atomic():
            for table, table_rows in zip(self.tables, rows, strict=True):
                table.insert(table_rows)

    def _person(self, count: int, rows: list[list[dict[str, Any]]]) -> None:
        from porch.people.search import key_of

        pick = self.pick
        pk = self.next("person")
        sent = sorted(self.now - HISTORY * pick.random() ** 2 for _ in range(count))
        status = pick.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        tags = pick.sample(TAGS, pick.choice((0, 0, 0, 1, 2)))
        name = f"Person {pk}"
        rows[0].append(
            {
                "id": pk,
                "workspace_id": self.workspace.pk,
                "display_name": name,
                "status": status,
                "tags": json.dumps(tags),
                "first_seen_at": sent[0],
                "last_seen_at": sent[-1],
                "lead_at": sent[0] if status == "lead" else None,
                "created_at": sent[0],
                "updated_at": sent[-1],
            }
        )
        on = self.accounts if pick.random() < TWO_NETWORKS else [pick.choice(self.accounts)]
        identities = [self._identity(pk, account, name, rows[1]) for account in on]
        # the search key the app keeps (porch.people.search): the name and the handles
        rows[0][-1]["search_key"] = key_of(name, [handle for _, _, handle in identities])
        for start in range(0, count, THREAD):
            account, stable_id, handle = pick.choice(identities)
            self._conversation(account, stable_id, handle, name, sent[start : start + THREAD], rows)

    def _identity(self, person: int, account: Any, name: str, rows: list[dict[str, Any]]) -> Any:
        pk = self.next("identity")
        stable_id, handle = f"gen:{account.network}:{pk}", f"person{person}-{account.network}"
        rows.append(
            {
                "id": pk,
                "workspace_id": self.workspace.pk,
                "person_id": person,
                "network": account.network,
                "stable_id": stable_id,
                "handle": handle,
                "display_name": name,
                "updated_at": self.now,
            }
        )
        self.identities += 1
        return account, stable_id, handle

    def _conversation(
        self,
        account: Any,
        stable_id: str,
        handle: str,
        name: str,
        sent: list[datetime],
        rows: list[list[dict[str, Any]]],
    ) -> None:
        pk = self.next("conversation")
        rows[2].append(
            {
                "id": pk,
                "workspace_id": self.workspace.pk,
                "account_id": account.pk,
                "root_external_id": f"gen-{pk}-0",
                "contact_handle": handle,
                "contact_id": stable_id,
                "status": "resolved",
                "first_message_at": sent[0],
                "last_message_at": sent[-1],
            }
        )
        for i, at in enumerate(sent):
            ours = i % 2 == 1
            rows[3].append(
                {
                    "id": self.next("message"),
                    "workspace_id": self.workspace.pk,
                    "account_id": account.pk,
                    "conversation_id": pk,
                    "network": account.network,
                    "external_id": f"gen-{pk}-{i}",
                    "kind": "ours" if ours else ("mention" if i == 0 else "reply"),
                    "author_handle": account.handle if ours else handle,
                    "author_name": "" if ours else name,
                    "author_id": "" if ours else stable_id,
                    "text": "Thanks, we're on it." if ours else self._text(),
                    "sent_at": at,
                    "fetched_at": at,
                    "sentiment": self.pick.choice(("negative", "neutral", "positive")),
                }
            )
        self.messages += len(sent)

    def _text(self) -> str:
        words = ("rye", "order", "cake", "thanks", "late", "lovely", "delivery", "price")
        return " ".join(self.pick.choices(words, k=self.pick.randint(4, 16))).capitalize()


def page_child() -> dict[str, Any]:
    owner, workspace = setup()
    done = fill(workspace, size())
    say(f"{done.people} people, {done.identities} identities, {done.messages} messages")
    say(f"generated in {done.seconds:.0f} s")
    return {"p95_ms": measure(owner, workspace, done)}


def measure(owner: Any, workspace: Any, done: Filled) -> float:
    """The p95 in ms over a person's page and the list, as the signed-in owner sees them."""
    from django.test import Client
    from django.urls import reverse

    client = Client(SERVER_NAME="localhost")
    client.force_login(owner)
    pick = random.Random(7)

    def page_of(pk: int) -> str:
        return reverse("people:person", args=[workspace.slug, pk])

    heavy = [page_of(pk) for pk in done.heaviest[:10]]
    some = [page_of(done.first + pick.randrange(done.people)) for _ in range(30)]
    person_urls = [*heavy, *some, *_older_pages(client, heavy)][:PERSON_REQUESTS]
    listing = reverse("people:list", args=[workspace.slug])
    lists = [listing + query for query in LIST_QUERIES]
    for url in [*person_urls[:2], *lists[:2]]:  # warm-up, unmeasured
        _timed_get(client, url)
    timings = {
        "person": [_timed_get(client, url) for url in person_urls],
        "list": [_timed_get(client, lists[i % len(lists)]) for i in range(LIST_REQUESTS)],
    }
    for label, values in timings.items():
        say(f"{label}: {len(values)} requests, p95 {percentile95(values):.1f} ms")
    return percentile95(timings["person"] + timings["list"])


def _older_pages(client: Any, pages: list[str]) -> list[str]:
    """The next page of each of these people's histories (the page's own 'older' link)."""
    found = []
    for url in pages:
        body = client.get(url).content.decode()
        link = re.search(r'href="([^"]*[?&]older=[^"]+)"', body)
        if link:
            found.append(urljoin(url, link.group(1).replace("&amp;", "&")))
    return found


def _timed_get(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode != "page":
        sys.exit("usage: python -m porch.bench.people_page page (make bench runs it)")
    print(json.dumps(page_child()), flush=True)
