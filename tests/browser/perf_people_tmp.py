"""Rough timing of the people pages at 100k people and many messages (run by hand; deleted after)."""

import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import Client
from django.urls import reverse

from porch.inbox.models import Conversation, Message
from porch.people.models import Identity, Person
from porch.workspaces.models import ConnectedAccount

N_PEOPLE = 100_000
N_MESSAGES = 1_000_000


def test_timing(signed_in: Client, workspace) -> None:
    t0 = time.perf_counter()
    now = datetime(2026, 11, 18, tzinfo=UTC)
    account = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="shop")
    statuses = ["other"] * 6 + ["customer", "lead", "vip", "peer"]
    people = Person.objects.bulk_create(
        [Person(workspace=workspace, display_name=f"Person {n}", status=random.choice(statuses),
                tags=["regular"] if n % 7 == 0 else [], last_seen_at=now - timedelta(minutes=n))
         for n in range(N_PEOPLE)], batch_size=5000)
    Identity.objects.bulk_create(
        [Identity(workspace=workspace, person=p, network="bluesky", stable_id=f"did:{n}", handle=f"h{n}.bsky.social")
         for n, p in enumerate(people)], batch_size=5000)
    convos = Conversation.objects.bulk_create(
        [Conversation(workspace=workspace, account=account, root_external_id=f"r{n}", contact_handle=f"h{n}.bsky.social",
                      contact_id=f"did:{n}", first_message_at=now, last_message_at=now) for n in range(N_PEOPLE)], batch_size=5000)
    rows = []
    rng = random.Random(1)
    for m in range(N_MESSAGES):
        n = min(int(rng.paretovariate(1.1)) - 1, N_PEOPLE - 1)
        rows.append(Message(workspace=workspace, account=account, conversation_id=convos[n].pk, network="bluesky",
                            external_id=f"m{m}", kind="mention", author_handle=f"h{n}.bsky.social", author_id=f"did:{n}",
                            text=f"message {m}", sent_at=now - timedelta(minutes=m), sentiment="neutral"))
        if len(rows) == 20000:
            Message.objects.bulk_create(rows)
            rows = []
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print("load", time.perf_counter() - t0, "heaviest", Message.objects.filter(author_id="did:0").count())
    slug = workspace.slug
    urls = {
        "list": reverse("people:list", args=[slug]),
        "list lead": reverse("people:list", args=[slug]) + "?status=lead",
        "list leads first p3": reverse("people:list", args=[slug]) + "?leads=1&page=3",
        "list tag": reverse("people:list", args=[slug]) + "?tag=regular",
        "list search": reverse("people:list", args=[slug]) + "?q=h4242",
        "list deep": reverse("people:list", args=[slug]) + "?page=1500",
        "person heaviest": reverse("people:person", args=[slug, people[0].pk]),
        "person 2nd": reverse("people:person", args=[slug, people[1].pk]),
        "person light": reverse("people:person", args=[slug, people[5000].pk]),
    }
    for name, url in urls.items():
        times = []
        for _ in range(7):
            t = time.perf_counter()
            assert signed_in.get(url).status_code == 200
            times.append((time.perf_counter() - t) * 1000)
        print(f"{name}: median {sorted(times)[3]:.0f} ms, max {max(times):.0f} ms")
