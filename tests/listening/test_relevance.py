"""The owner's "not relevant" marks teach the workspace's relevance model: once there are
enough, a new hit like the marked ones arrives hidden (flagged, not deleted), one like the
hits they wanted does not, and the stream says how many it hides."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.listening import relevance, services
from porch.listening.ingest import LISTENING
from porch.listening.models import Hit, Search
from porch.listening.stream import Filters, judged_hidden, stream_page
from porch.networks.fake import store as fake
from porch.networks.models import SyncState
from porch.networks.poller import poll
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

OFF_TOPIC = [
    "my nan's bread pudding recipe, with extra raisins",
    "bread pudding recipe that uses up stale loaves",
    "easy bread pudding recipe for a rainy sunday",
    "best bread pudding recipe ever, custard and nutmeg",
    "vegan bread pudding recipe, no eggs",
    "bread pudding recipe: soak overnight for the best texture",
    "chocolate bread pudding recipe for the kids",
    "bread and butter pudding recipe from my mum",
    "slow cooker bread pudding recipe, set and forget",
    "bread pudding recipe with whisky sauce",
    "my bread pudding recipe went viral on the school group",
    "quick microwave bread pudding recipe",
]
ON_TOPIC = [
    "the bakery on the corner has the best sourdough bread in town",
    "queued for bread at the bakery this morning, worth it",
    "their rye bread is a bit dense but the bakery staff are lovely",
    "bakery bread sold out by ten again",
    "does the bakery do gluten free bread on saturdays?",
    "fresh bread from the bakery, still warm at home",
    "the bakery's seeded bread is my favourite",
    "bakery bread prices went up again",
    "bought a cake and bread at the bakery for the party",
    "the new bakery by the station makes great bread",
    "bakery bread and coffee, perfect start",
    "is the bakery open on sunday for bread?",
]


@pytest.fixture(autouse=True)
def models_apart(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path  # this test's models only


@pytest.fixture
def member(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace)


def arrive(account: ConnectedAccount, search: Search, texts: list[str]) -> list[Hit]:
    ids = [fake.customer_post(f"local{i}", text) for i, text in enumerate(texts)]
    poll(SyncState.objects.get(account=account, source=LISTENING, key=str(search.pk)))
    return [Hit.objects.get(external_id=external) for external in ids]


def test_marks_teach_what_to_hide_and_the_stream_counts_it(
    workspace: Workspace, member: Membership, owner: User, client: Client
) -> None:
    account = ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    search = services.create_search(member, "Bread", "bread", "niche", ["fake"])
    off, on = arrive(account, search, OFF_TOPIC), arrive(account, search, ON_TOPIC)
    for hit in off[: relevance.MIN_MARKS - 1]:
        services.mark_not_relevant(member, hit)
    assert not relevance.learn(workspace)  # too few marks yet: no model
    for hit in off[relevance.MIN_MARKS - 1 :]:
        services.mark_not_relevant(member, hit)
    services.take_to_inbox(member, on[0])
    assert relevance.learn(workspace)
    assert relevance.model_path(workspace.pk).is_file()
    assert not any(hit.judged_irrelevant for hit in off + on)  # judged on arrival only

    later_off, later_on = arrive(
        account,
        search,
        ["granny's bread pudding recipe, the proper one", "the bakery had warm bread at 7"],
    )
    later_off.refresh_from_db()
    assert later_off.judged_irrelevant and not later_on.judged_irrelevant
    shown = stream_page(member, search, Filters(), None).hits
    assert later_on in shown and later_off not in shown and Hit.objects.filter(pk=later_off.pk)
    assert judged_hidden(member, search) == judged_hidden(member, None) == 1
    client.force_login(owner)
    page = client.get(reverse("listening_stream", args=[workspace.slug, search.pk]))
    assert "Porch hid 1 hit like the ones you marked" in page.content.decode()


def test_a_mark_asks_for_the_model_to_learn_again(
    workspace: Workspace, member: Membership, django_capture_on_commit_callbacks: Any
) -> None:
    hit = Hit.objects.create(
        workspace=workspace,
        network="fake",
        external_id="1",
        author_handle="a",
        text="x",
        sent_at="2026-11-18T09:00:00Z",
    )
    with django_capture_on_commit_callbacks() as callbacks:
        services.mark_not_relevant(member, hit)
    assert len(callbacks) == 1


def test_a_page_counts_what_it_hides_in_its_own_stretch(
    workspace: Workspace, member: Membership
) -> None:
    account = ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    search = services.create_search(member, "Bread", "bread", "niche", ["fake"])
    hits = arrive(account, search, [f"bread number {i}" for i in range(45)])
    services.mark_not_relevant(member, hits[-2])  # on the first page (newest first)
    services.mark_not_relevant(member, hits[0])  # on the second
    first = stream_page(member, search, Filters(), None)
    second = stream_page(member, search, Filters(), first.next)
    assert (len(first.hits), first.hidden) == (30, 1)
    assert (len(second.hits), second.hidden, second.next) == (13, 1, None)


def test_relevant_after_all_brings_a_judged_hit_back_and_teaches_the_model(
    workspace: Workspace,
    member: Membership,
    owner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    account = ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    search = services.create_search(member, "Bread", "bread", "niche", ["fake"])
    off, on = arrive(account, search, OFF_TOPIC), arrive(account, search, ON_TOPIC)
    for hit in off[: relevance.MIN_MARKS]:
        services.mark_not_relevant(member, hit)
    assert relevance.learn(workspace)
    (wrong,) = arrive(account, search, ["granny's bread pudding recipe, the proper one"])
    wrong.refresh_from_db()
    assert wrong.judged_irrelevant and judged_hidden(member, search) == 1
    assert wrong in stream_page(member, search, Filters(hidden=True), None).hits

    with django_capture_on_commit_callbacks() as callbacks:
        services.mark_relevant(member, wrong)
    assert len(callbacks) == 1  # the model learns again
    assert wrong in stream_page(member, search, Filters(), None).hits
    assert judged_hidden(member, search) == 0
    texts, labels = relevance.lessons(workspace)
    assert [label for text, label in zip(texts, labels, strict=True) if text == wrong.text] == [0]

    # Someone else restores a hit the owner marked: the latest word stands, learnt once.
    helper = Membership.objects.get(user=add_member(workspace, "h@bakery.example", Role.HELPER))
    services.mark_relevant(helper, off[0])
    texts, labels = relevance.lessons(workspace)
    assert [label for text, label in zip(texts, labels, strict=True) if text == off[0].text] == [0]
    assert off[0] in stream_page(member, search, Filters(), None).hits
    services.mark_not_relevant(member, off[0])
    assert off[0] not in stream_page(member, search, Filters(), None).hits
    assert list(off[0].marks.values_list("relevant", flat=True)) == [False]
    assert on[0] not in stream_page(member, search, Filters(hidden=True), None).hits
