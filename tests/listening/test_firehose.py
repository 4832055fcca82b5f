"""Listening on a network's firehose: every workspace's searches matched against every post
at once (the same answers as asking each search's query), rebuilt when the searches change,
and what matches stored once per workspace, triaged, never the shop's own posts.

The network is the fake one, given a firehose for the page's note; the matcher and the sink
work from the network's name alone.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from porch.bench.stream_match import match_rate, stream_posts, stream_searches
from porch.listening import firehose, services
from porch.listening.firehose import LISTENING_FIREHOSE, Matcher, Watched, unanchored
from porch.listening.models import Hit, Search, SearchHit
from porch.networks import firehose as networks_firehose
from porch.networks import registry
from porch.networks.base import Incoming, StreamPost
from porch.networks.firehose import Arrivals
from porch.networks.query import (
    And,
    Mention,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    SearchSyntaxError,
    Tag,
    Term,
    parse,
)
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
NETWORK = "fake"

# -- the matcher against each query on its own -----------------------------------------

VOCABULARY = ["rye", "spelt", "bread", "oven", "Café", "x1", "new york", "a_b"]
words = st.sampled_from(VOCABULARY)
atoms = st.one_of(
    words.map(Term),
    st.lists(words, min_size=1, max_size=3).map(lambda w: Phrase(" ".join(w))),
    st.sampled_from(["rye", "bread", "café", "x1"]).map(Tag),
    st.sampled_from(["ana", "ana@mastodon.social", "bo.bsky.social"]).map(Mention),
)


def _group(kind: type[And] | type[Or], items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat += item.items if isinstance(item, And | Or) and type(item) is kind else [item]
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        children.map(lambda n: n.item if isinstance(n, Not) else Not(n)),
        st.lists(children, min_size=2, max_size=3).map(lambda i: _group(And, i)),
        st.lists(children, min_size=2, max_size=3).map(lambda i: _group(Or, i)),
    )


nodes: st.SearchStrategy[Node] = st.recursive(atoms, _extend, max_leaves=6)
queries = st.builds(Query, nodes, st.sampled_from(["", "en", "fr"]))
pieces = st.sampled_from(
    [
        *VOCABULARY,
        *(word.upper() for word in VOCABULARY),
        "cafe",
        "CAFÉ",
        "#rye",
        "#Bread",
        "##rye",
        "#café",
        "@ana",
        "@ana@mastodon.social",
        "@bo.bsky.social",
        "@bo",
        "rye_",
        "_bread",
        "ryebread",
        "new\nyork",
        "new  york",
        ".",
        ",",
        "-",
        "é",
    ]
)
texts = st.lists(pieces, max_size=8).flatmap(
    lambda parts: st.sampled_from([" ", "", "\n"]).map(lambda sep: sep.join(parts))
)


def _clauses_fit(query: Query) -> bool:
    try:
        return bool(query.literals)
    except SearchSyntaxError:  # too many alternatives: no search can say it
        return False


@given(st.lists(queries, min_size=1, max_size=6), texts, st.sampled_from([None, "", "en", "fr"]))
def test_the_matcher_finds_what_each_query_finds(
    found: list[Query], text: str, lang: str | None
) -> None:
    assume(all(_clauses_fit(query) for query in found))
    watched = [Watched(n, n % 2, query) for n, query in enumerate(found)]
    anchored = [one for one in watched if not unanchored(one.query)]
    expected = [one.search for one in anchored if one.query.matches(text, lang)]
    assert Matcher(watched).match_text(text, lang) == expected


def test_a_search_of_exclusions_only_is_not_matched_on_the_stream() -> None:
    only_not = Query(Not(Term("vegan")))
    assert unanchored(only_not) and unanchored(Query(Or((Term("rye"), Not(Term("x"))))))
    assert not unanchored(parse("rye -vegan"))
    matcher = Matcher([Watched(1, 1, only_not), Watched(2, 1, parse("rye -vegan"))])
    assert matcher.match_text("rye bread") == [2] and len(matcher) == 1


def test_phrases_tags_and_handles_are_matched_as_their_queries_say() -> None:
    searches = ['"corner bakery"', "#sourdough", "@ana@mastodon.social", "pain lang:fr", "100%"]
    matcher = Matcher(Watched(n, 1, parse(q)) for n, q in enumerate(searches))
    assert matcher.match_text("The CORNER\n  Bakery, #Sourdough!") == [0, 1]
    assert matcher.match_text("cornerbakery #sourdoughs @anab") == []
    assert matcher.match_text("merci @ana du pain", "fr-CA") == [2, 3]
    assert matcher.match_text("pain", "en") == [] and matcher.match_text("100% rye") == [4]


# -- the network's matcher, rebuilt when the searches change ----------------------------


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture(autouse=True)
def fresh_matchers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    firehose.forget()
    yield
    firehose.forget()


@pytest.fixture
def member(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace)


@pytest.fixture
def other(owner: object) -> Membership:
    user = workspaces.create_user("owner@cafe.example", "correct horse battery staple")
    space = workspaces.create_workspace(user, "Cafe Nero", "Europe/London")
    return Membership.objects.get(workspace=space)


def search_for(member: Membership, query: str, networks: tuple[str, ...] = (NETWORK,)) -> Search:
    return services.create_search(member, query, query, "niche", list(networks))


def test_the_matcher_follows_added_edited_paused_and_removed_searches(
    member: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(firehose.matcher(NETWORK)) == 0
    rye = search_for(member, "rye")
    assert firehose.matcher(NETWORK).match_text("rye bread") == [rye.pk]  # saved: at once
    services.edit_search(member, rye, "rye", "spelt", "niche", [NETWORK])
    assert firehose.matcher(NETWORK).match_text("rye bread") == []

    monkeypatch.setattr(firehose, "CHECK_EVERY", 0)  # a pause is an UPDATE: no signal
    services.pause_search(member, rye)
    assert firehose.matcher(NETWORK).match_text("spelt") == []
    services.pause_search(member, rye, active=True)
    assert firehose.matcher(NETWORK).match_text("spelt") == [rye.pk]
    services.delete_search(member, rye)
    assert firehose.matcher(NETWORK).match_text("spelt") == []


def test_searches_of_other_networks_are_not_on_its_stream(member: Membership) -> None:
    search_for(member, "rye", ("x",))
    assert firehose.matcher(NETWORK).match_text("rye") == []


def test_a_change_elsewhere_is_seen_within_seconds(
    member: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    rye = search_for(member, "rye")
    assert firehose.matcher(NETWORK).match_text("rye") == [rye.pk]
    Search.objects.filter(pk=rye.pk).update(active=False)  # another process: no signal here
    seconds = iter([1000.0, 1000.0 + firehose.CHECK_EVERY - 0.1, 1000.0 + firehose.CHECK_EVERY])
    monkeypatch.setattr(firehose, "monotonic", lambda: next(seconds))
    firehose.forget()
    Search.objects.filter(pk=rye.pk).update(active=True)
    assert firehose.matcher(NETWORK).match_text("rye") == [rye.pk]
    Search.objects.filter(pk=rye.pk).update(active=False)
    assert firehose.matcher(NETWORK).match_text("rye") == [rye.pk]  # not looked yet
    assert firehose.matcher(NETWORK).match_text("rye") == []


# -- the sink ------------------------------------------------------------------------


def post(number: int, text: str, author: str = "did:plc:maya", handle: str = "") -> StreamPost:
    item = Incoming(
        f"at://{author}/app.bsky.feed.post/{number}",
        "mention",
        handle,
        "",
        text,
        AT,
        author_id=author,
        lang="en",
    )
    return StreamPost(item)


def deliver(*posts: StreamPost) -> int:
    arrivals = Arrivals(NETWORK, posts)
    prepared = LISTENING_FIREHOSE.prepare(arrivals)
    with transaction.atomic():
        return LISTENING_FIREHOSE.store(arrivals, prepared)


def test_the_sink_is_registered() -> None:
    assert LISTENING_FIREHOSE in networks_firehose._sinks


def test_a_matched_post_is_stored_once_per_workspace_however_often_it_comes(
    member: Membership, other: Membership
) -> None:
    sourdough = search_for(member, "sourdough")
    leeds = search_for(member, "leeds")
    theirs = search_for(other, "sourdough OR croissant")
    batch = [
        post(1, "Best sourdough in Leeds? Asking for a friend"),
        post(2, "Leeds is rainy today", handle="dan.example"),
        post(3, "Nothing to see here"),
    ]
    assert deliver(*batch, batch[0]) == 3  # one hit in each workspace for 1, one for 2
    assert deliver(*batch) == 0

    mine = Hit.objects.get(workspace=member.workspace, external_id=batch[0].item.external_id)
    assert set(mine.searches.all()) == {sourdough, leeds}
    assert mine.is_question and mine.intent and mine.network == NETWORK  # triaged
    assert (mine.author_handle, mine.author_id) == ("did:plc:maya", "did:plc:maya")
    assert list(
        Hit.objects.filter(workspace=other.workspace).values_list("searches", flat=True)
    ) == [theirs.pk]
    by_handle = Hit.objects.get(external_id=batch[1].item.external_id)
    assert by_handle.author_handle == "dan.example"
    assert SearchHit.objects.count() == 4


def test_a_post_found_by_a_poll_is_linked_to_the_stream_search_too(member: Membership) -> None:
    rye = search_for(member, "rye")
    first = post(1, "rye loaf")
    assert deliver(first) == 1
    spelt = search_for(member, "rye spelt")
    assert deliver(first, post(2, "rye and spelt loaf")) == 1
    assert set(Hit.objects.get(external_id=first.item.external_id).searches.all()) == {rye}
    assert Hit.objects.get(searches=spelt).text == "rye and spelt loaf"


def test_the_workspaces_own_posts_are_not_hits(member: Membership, other: Membership) -> None:
    search_for(member, "sourdough")
    search_for(other, "sourdough")
    ConnectedAccount.objects.create(
        workspace=member.workspace,
        network=NETWORK,
        handle="cornerbakery",
        external_id="did:plc:shop",
    )
    by_id = post(1, "Fresh sourdough out of the oven", author="did:plc:shop")
    by_handle = post(2, "More sourdough at noon", author="did:plc:other", handle="@CornerBakery")
    assert deliver(by_id, by_handle) == 2  # the other workspace's, not the shop's
    assert not Hit.objects.filter(workspace=member.workspace).exists()


def test_a_search_removed_between_prepare_and_store_is_not_linked(member: Membership) -> None:
    rye = search_for(member, "rye")
    arrivals = Arrivals(NETWORK, [post(1, "rye loaf")])
    prepared = LISTENING_FIREHOSE.prepare(arrivals)
    Search.objects.filter(pk=rye.pk).delete()
    with transaction.atomic():
        assert LISTENING_FIREHOSE.store(arrivals, prepared) == 0
    assert not Hit.objects.exists()


def test_nothing_matched_is_nothing_stored(member: Membership) -> None:
    search_for(member, "rye")
    assert deliver(post(1, "spelt"), post(2, "ryebread")) == 0
    assert not Hit.objects.exists()


# -- the listening page ---------------------------------------------------------------


def test_the_list_says_which_searches_are_live(
    signed_in: Client, member: Membership, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    streamed = replace(registry.descriptor(NETWORK), firehose="porch.networks.fake.firehose")
    others = [d for d in registry.descriptors() if d.name != NETWORK and not d.firehose]
    monkeypatch.setattr(registry, "descriptors", lambda: [streamed, *others])
    search_for(member, "rye -vegan")
    search_for(member, "spelt", ("x",))
    old = search_for(member, "oven")
    Search.objects.filter(pk=old.pk).update(query="-oven")  # stored before the parser checked
    settings.FIREHOSE = False  # nobody reads the stream here: nothing is live
    page = signed_in.get(reverse("listening", args=[member.workspace.slug])).content.decode()
    assert 'data-testid="live"' not in page
    settings.FIREHOSE = True
    page = signed_in.get(reverse("listening", args=[member.workspace.slug])).content.decode()
    assert page.count('data-testid="live"') == 2
    assert "· live</small>" in page
    assert "Not on the live stream: edit it to mend it" in page


# -- speed ---------------------------------------------------------------------------


def test_the_match_rate_is_measured(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed for the notes, not asserted: it depends on the machine."""
    posts = stream_posts(10_000)
    searches = stream_searches([p.item.text for p in posts], 1_000, 100)
    matcher = Matcher(searches)
    sample = posts[:300]  # the matcher answers what every query says, on real texts too
    for one in sample:
        expected = [s.search for s in searches if s.query.matches(one.item.text, one.item.lang)]
        assert matcher.match(one) == expected
    with capsys.disabled():
        print(f"\nstream matcher: {match_rate(posts, searches):,.0f} posts/s, 1,000 searches")
