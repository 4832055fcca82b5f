"""The people benchmark's data: people on one or two networks, each with the history the
benchmark says (most a few messages, some hundreds), found by their identities."""

import random

from django.db.models import Count

from porch.bench.people_page import MESSAGES_PER_PERSON, fill, message_counts
from porch.inbox.models import Message, MessageKind
from porch.people.models import Identity, Person
from porch.workspaces.models import Workspace


def test_most_people_wrote_a_few_times_and_a_few_wrote_hundreds() -> None:
    counts = message_counts(10_000, random.Random(1))

    assert sum(counts) == 10_000 * MESSAGES_PER_PERSON
    assert sorted(counts)[len(counts) // 2] <= 10 and max(counts) >= 300 and min(counts) >= 1


def test_the_generated_people_have_their_identities_and_messages(workspace: Workspace) -> None:
    done = fill(workspace, 300)

    assert Person.objects.filter(workspace=workspace).count() == done.people == 300
    assert Message.objects.filter(workspace=workspace).count() == done.messages
    per_person = Identity.objects.values("person").annotate(n=Count("pk"), nets=Count("network"))
    assert {row["n"] for row in per_person} == {1, 2}
    for identity in Identity.objects.filter(person__pk=done.heaviest[0]):
        assert identity.network in {
            m.network for m in Message.objects.filter(author_id=identity.stable_id)
        }
    networks = Message.objects.values_list("network", flat=True).distinct()
    assert len(set(networks)) == 2
    theirs = Message.objects.exclude(kind=MessageKind.OURS)
    assert not theirs.filter(author_id="").exists()
    assert Person.objects.filter(pk__in=done.heaviest, last_seen_at__isnull=False).count() == 20
