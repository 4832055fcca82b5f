"""The listening pages: the searches, and the streams of what they found, newest first,
filtered, escaped, without what the owner muted or marked not relevant, a page at a time;
a hit taken to the inbox becomes a conversation; helpers read, owners and managers change."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from porch.inbox.models import Conversation
from porch.listening import services, stream
from porch.listening.models import Hit, Search, SearchHit
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
_ids = count(1)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")


@pytest.fixture
def search(workspace: Workspace, owner: User, account: ConnectedAccount) -> Search:
    member = Membership.objects.get(workspace=workspace, user=owner)
    return services.create_search(member, "Sourdough", "sourdough", "niche", ["fake"])


def found(search: Search, author: str, text: str, minutes_ago: int, **fields: object) -> Hit:
    sent = AT - timedelta(minutes=minutes_ago)
    hit = Hit.objects.create(
        workspace=search.workspace,
        network="fake",
        external_id=f"post-{next(_ids)}",
        author_handle=author,
        text=text,
        sent_at=sent,
        **fields,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=sent)
    return hit


def page_of(client: Client, search: Search | None, query: str = "") -> str:
    slug = (search.workspace if search else Workspace.objects.get()).slug
    url = (
        reverse("listening_stream", args=[slug, search.pk])
        if search
        else reverse("listening_stream_all", args=[slug])
    )
    answer = client.get(f"{url}?{query}")
    assert answer.status_code == 200
    return answer.content.decode()


def order(html: str, *texts: str) -> list[int]:
    return [html.index(text) for text in texts]


def test_the_list_shows_each_search_with_its_week(signed_in: Client, search: Search) -> None:
    found(search, "maya", "sourdough today", 10)
    found(search, "dan", "old sourdough", 60 * 24 * 8)  # more than a week ago
    html = signed_in.get(reverse("listening", args=[search.workspace.slug])).content.decode()
    assert "Sourdough" in html and "sourdough" in html and "Fake (demo)" in html
    assert '<td data-testid="week-count">1</td>' in html
    assert "Facebook Page: cannot be searched" in html


def test_the_stream_is_newest_first_in_both_streams(signed_in: Client, search: Search) -> None:
    found(search, "old", "first sourdough", 30)
    found(search, "new", "latest sourdough", 5)
    found(search, "mid", "middle sourdough", 15)
    for html in (page_of(signed_in, search), page_of(signed_in, None)):
        first, middle, last = order(html, "latest sourdough", "middle sourdough", "first sourdough")
        assert first < middle < last


def test_filters_network_intent_sentiment_and_questions(signed_in: Client, search: Search) -> None:
    found(search, "a", "sourdough where?", 1, intent="question", is_question=True)
    found(search, "b", "sourdough awful", 2, intent="complaint", sentiment="negative")
    found(search, "c", "sourdough lovely", 3, intent="praise", sentiment="positive")
    assert "sourdough where?" in (html := page_of(signed_in, search, "questions=1"))
    assert "sourdough awful" not in html and "sourdough lovely" not in html
    html = page_of(signed_in, search, "sentiment=negative")
    assert "sourdough awful" in html and "sourdough lovely" not in html
    html = page_of(signed_in, search, "intent=praise")
    assert "sourdough lovely" in html and "sourdough where?" not in html
    assert (
        "sourdough"
        not in page_of(signed_in, search, "network=bluesky").split('data-testid="hits"')[1]
    )
    assert "sourdough lovely" in page_of(signed_in, search, "intent=nonsense&network=²")


def test_a_page_at_a_time_by_keyset(signed_in: Client, search: Search) -> None:
    for n in range(stream.PAGE_SIZE + 5):
        found(search, f"p{n}", f"sourdough number {n:03d}", n)
    first = page_of(signed_in, search)
    assert "sourdough number 000" in first and f"number {stream.PAGE_SIZE:03d}" not in first
    after = first.split("after=")[1].split('"')[0]
    second = page_of(signed_in, search, f"after={after}")
    assert f"sourdough number {stream.PAGE_SIZE:03d}" in second
    assert "sourdough number 000" not in second and "Older posts" not in second
    assert page_of(signed_in, search, "after=²").count('data-testid="hit"') == stream.PAGE_SIZE


def test_a_hit_is_escaped_and_only_web_links_are_links(signed_in: Client, search: Search) -> None:
    found(search, "x", "sourdough <script>alert(1)</script>", 1, url="javascript:alert(1)")
    found(search, "y", "sourdough fine", 2, url="https://example.com/post/1")
    html = page_of(signed_in, search)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://example.com/post/1"' in html


def test_mute_and_not_relevant_hide_and_are_counted(signed_in: Client, search: Search) -> None:
    found(search, "spammer", "sourdough BUY NOW", 1)
    found(search, "maya", "sourdough crypto deal", 2)
    useless = found(search, "dan", "sourdough meh", 3)
    found(search, "ann", "sourdough is great", 4)
    slug, here = (
        search.workspace.slug,
        reverse("listening_stream", args=[search.workspace.slug, search.pk]),
    )
    mute = reverse("listening_mute", args=[slug])
    assert (
        signed_in.post(mute, {"kind": "author", "value": "spammer", "next": here})["Location"]
        == here
    )
    signed_in.post(mute, {"kind": "word", "value": "Crypto", "next": here})
    signed_in.post(reverse("hit_not_relevant", args=[slug, useless.pk]), {"next": here})
    html = page_of(signed_in, search)
    assert "sourdough is great" in html
    assert "BUY NOW" not in html and "crypto" not in html and "meh" not in html
    assert "3 hits hidden here" in html
    mutes = signed_in.get(reverse("listening", args=[slug])).content.decode()
    assert "spammer" in mutes and "Crypto" in mutes


def test_take_to_inbox_makes_the_conversation(signed_in: Client, search: Search) -> None:
    hit = found(search, "maya", "sourdough on Sundays?", 1, intent="question")
    slug = search.workspace.slug
    answer = signed_in.post(reverse("hit_take", args=[slug, hit.pk]))
    convo = Conversation.objects.get(workspace=search.workspace)
    assert answer["Location"] == reverse("conversation", args=[slug, convo.pk])
    assert convo.contact_handle == "maya" and convo.messages.get().text == hit.text
    assert reverse("conversation", args=[slug, convo.pk]) in page_of(signed_in, search)


def test_a_helper_reads_but_cannot_change_searches(
    client: Client, workspace: Workspace, search: Search
) -> None:
    client.force_login(add_member(workspace, "helper@bakery.example", Role.HELPER))
    listing = client.get(reverse("listening", args=[workspace.slug]))
    assert listing.status_code == 200 and "Sourdough" in listing.content.decode()
    assert "Add a search" not in listing.content.decode()
    added = client.post(
        reverse("listening", args=[workspace.slug]),
        {"query": "rye", "kind": "product", "networks": ["fake"]},
    )
    assert added.status_code == 403
    assert (
        client.get(reverse("listening_edit", args=[workspace.slug, search.pk])).status_code == 403
    )
    assert Search.objects.count() == 1
    assert page_of(client, search) is not None


def test_the_form_adds_and_refuses_in_words(
    signed_in: Client, workspace: Workspace, account: ConnectedAccount
) -> None:
    url = reverse("listening", args=[workspace.slug])
    bad = signed_in.post(url, {"query": '"unclosed', "kind": "niche", "networks": ["fake"]})
    assert bad.status_code == 200 and 'data-testid="search-error"' in bad.content.decode()
    no = signed_in.post(url, {"query": "rye", "kind": "niche", "networks": ["facebook"]})
    assert "Facebook Pages cannot be searched" in no.content.decode()
    good = signed_in.post(url, {"query": "rye OR spelt", "kind": "product", "networks": ["fake"]})
    assert good.status_code == 302 and Search.objects.get().query == "rye OR spelt"


def test_another_workspace_s_search_is_404(client: Client, search: Search) -> None:
    stranger = workspaces.create_user("other@example.com", "correct horse battery staple")
    theirs = workspaces.create_workspace(stranger, "Other Shop", "Europe/London")
    hit = found(search, "maya", "sourdough", 1)
    client.force_login(stranger)
    assert client.get(reverse("listening_stream", args=[theirs.slug, search.pk])).status_code == 404
    taken = client.post(reverse("hit_take", args=[theirs.slug, hit.pk]))
    assert taken.status_code == 404
    assert client.get(reverse("listening", args=[search.workspace.slug])).status_code == 404


def test_a_hit_two_searches_found_shows_once(
    signed_in: Client, search: Search, owner: User
) -> None:
    member = Membership.objects.get(workspace=search.workspace, user=owner)
    bakery = services.create_search(member, "Bakery", "bakery", "brand", ["fake"])
    hit = found(search, "maya", "sourdough bakery", 1)
    SearchHit.objects.create(search=bakery, hit=hit, sent_at=hit.sent_at)
    for shown in (search, bakery, None):
        assert page_of(signed_in, shown).count('data-testid="hit"') == 1


def test_the_hidden_view_lists_hidden_hits_and_restores_one(
    signed_in: Client, search: Search, workspace: Workspace
) -> None:
    marked = found(search, "dan", "sourdough meh", 1)
    judged = found(search, "bot", "sourdough pudding recipe", 2, judged_irrelevant=True)
    found(search, "spammer", "sourdough BUY NOW", 3)
    found(search, "ann", "sourdough is great", 4)
    slug, here = workspace.slug, reverse("listening_stream", args=[workspace.slug, search.pk])
    helper = Membership.objects.get(
        user=add_member(workspace, "helper@bakery.example", Role.HELPER)
    )
    services.mark_not_relevant(helper, marked)  # another member's mark
    signed_in.post(reverse("listening_mute", args=[slug]), {"kind": "author", "value": "spammer"})

    stream_html = page_of(signed_in, search)
    assert f'href="{here}?hidden=1" data-testid="show-hidden"' in stream_html
    hidden = page_of(signed_in, search, "hidden=1")
    assert 'data-testid="hidden-view"' in hidden and "every 4s" not in hidden
    shown = hidden.split('data-testid="hits"')[1]
    assert "sourdough meh" in shown and "pudding recipe" in shown
    assert "BUY NOW" not in shown and "is great" not in shown  # muted, and not hidden
    assert shown.count("Relevant after all") == 2 and "Hidden by Porch" in shown
    assert "sourdough meh" in page_of(signed_in, None, "hidden=1&questions=")

    for hit in (marked, judged):
        answer = signed_in.post(
            reverse("hit_relevant", args=[slug, hit.pk]), {"next": f"{here}?hidden=1"}
        )
        assert answer.status_code == 302 and answer["Location"] == f"{here}?hidden=1"
    assert "Nothing is hidden here" in page_of(signed_in, search, "hidden=1")
    back = page_of(signed_in, search).split('data-testid="hits"')[1]
    assert "sourdough meh" in back and "pudding recipe" in back and "BUY NOW" not in back
    assert list(marked.marks.values_list("relevant", flat=True)) == [True]
    judged.refresh_from_db()
    assert not judged.judged_irrelevant and judged.marks.get().relevant


def test_relevant_after_all_is_a_post_in_the_workspace(
    client: Client, signed_in: Client, search: Search
) -> None:
    hit = found(search, "dan", "sourdough meh", 1, judged_irrelevant=True)
    url = reverse("hit_relevant", args=[search.workspace.slug, hit.pk])
    assert signed_in.get(url).status_code == 405
    stranger = workspaces.create_user("other@example.com", "correct horse battery staple")
    theirs = workspaces.create_workspace(stranger, "Other Shop", "Europe/London")
    client.force_login(stranger)
    assert client.post(reverse("hit_relevant", args=[theirs.slug, hit.pk])).status_code == 404
    hit.refresh_from_db()
    assert hit.judged_irrelevant and not hit.marks.exists()


def test_the_two_hidden_counts_count_different_hits(signed_in: Client, search: Search) -> None:
    """Porch's line counts what the model hid (and the hidden view lists); the page's line
    the rest it hides: muted, or marked by hand. No hit is in both."""
    found(search, "ann", "sourdough is great", 1)
    found(search, "bot", "sourdough pudding recipe", 2, judged_irrelevant=True)
    found(search, "bot", "sourdough pudding again", 3, judged_irrelevant=True)
    found(search, "spammer", "sourdough BUY NOW", 4, judged_irrelevant=True)  # muted too
    html = page_of(signed_in, search)
    assert "Porch hid 3 hits like the ones you marked" in html
    assert 'data-testid="hidden-count"' not in html  # Porch's three, counted once
    owner = Membership.objects.get(workspace=search.workspace, role=Role.OWNER)
    services.mute(owner, "author", "spammer")
    marked = found(search, "dan", "sourdough meh", 5)
    services.mark_not_relevant(owner, marked)
    html = page_of(signed_in, search)
    assert "Porch hid 2 hits" in html and "2 hits hidden here: muted or marked" in html
    assert page_of(signed_in, search, "hidden=1").count("Relevant after all") == 3
    assert "Porch hid" not in page_of(signed_in, search, "network=bluesky")  # filtered too


@pytest.mark.parametrize("year", [2026, 2300])
def test_hits_microseconds_apart_page_correctly(
    signed_in: Client, search: Search, year: int
) -> None:
    """The page mark is whole microseconds: seconds in a float lose them (past 2255, and
    a network's clock can say anything), and a page would then repeat or skip hits."""
    start = datetime(year, 3, 1, 12, 0, 0, 999_990, tzinfo=UTC)
    for n in range(2 * stream.PAGE_SIZE + 3):
        sent = start + timedelta(microseconds=n)
        hit = Hit.objects.create(
            workspace=search.workspace,
            network="fake",
            external_id=f"tick-{n}",
            author_handle="clock",
            text=f"sourdough tick {n:03d}.",
            sent_at=sent,
        )
        SearchHit.objects.create(search=search, hit=hit, sent_at=sent)
    seen, query = [], ""
    for _ in range(4):
        html = page_of(signed_in, search, query)
        seen += re.findall(r"sourdough tick (\d{3})\.", html)
        older = re.search(r'after=([^"&]+)" data-testid="older"', html)
        if older is None:
            break
        query = f"after={older[1]}"
    assert seen == [f"{n:03d}" for n in reversed(range(2 * stream.PAGE_SIZE + 3))]
    mark = stream.Mark(start + timedelta(microseconds=7), 42)
    assert mark.text == f"{(mark.sent_at - stream.EPOCH) // timedelta(microseconds=1)}.42"
    assert stream.Mark.parse(mark.text) == mark


@pytest.mark.parametrize(
    "after",
    [
        "²",
        "1.²",
        "-1.1",
        "1e309.1",
        "nan.1",
        "253402300800000000.1",  # the year 10000
        f"{2**62}.1",
        "99999999999999999999999.1",
        "1.99999999999999999999999",
        "1.0",
        ".",
        "",
    ],
)
def test_a_bad_after_gives_the_first_page(signed_in: Client, search: Search, after: str) -> None:
    for n in range(stream.PAGE_SIZE + 2):
        found(search, f"p{n}", f"sourdough number {n:03d}", n)
    html = page_of(signed_in, search, f"after={quote(after)}")
    assert "sourdough number 000" in html and html.count('data-testid="hit"') == stream.PAGE_SIZE


def test_a_hit_on_a_network_porch_no_longer_has_is_refused_in_words(
    signed_in: Client, search: Search, settings: Any
) -> None:
    hit = found(search, "maya", "sourdough on Sundays?", 1)
    slug = search.workspace.slug
    here = reverse("listening_stream", args=[slug, search.pk])
    settings.NETWORKS = [name for name in settings.NETWORKS if not name.endswith(".fake")]
    for name, form in (
        ("hit_engage", {"action": "like"}),
        ("hit_take", {}),
        ("hit_reply", {"text": "Every Sunday from 8!"}),
    ):
        answer = signed_in.post(reverse(name, args=[slug, hit.pk]), {**form, "next": here})
        assert answer.status_code == 302 and answer["Location"] == here, name
        shown = [str(message) for message in get_messages(answer.wsgi_request)]
        assert set(shown) == {"Porch no longer has fake installed: it cannot act on this post."}
    assert not Conversation.objects.exists()
