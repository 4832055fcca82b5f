"""The "What people say" page: the chart, share of voice, topics and the questions to
answer, each with its counts; people's words escaped; "answer it" opens the composer with
the question in a draft."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.listening import services
from porch.listening.models import Hit, Search, SearchHit
from porch.workspaces.models import ConnectedAccount, Membership, Workspace

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
_ids = count(1)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def member(workspace: Workspace, owner: User) -> Membership:
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")
    return Membership.objects.get(workspace=workspace, user=owner)


@pytest.fixture
def brand(member: Membership) -> Search:
    return services.create_search(member, "Our bakery", "crumb", "brand", ["fake"])


def found(search: Search, author: str, text: str, hours_ago: int, **fields: object) -> Hit:
    sent = AT - timedelta(hours=hours_ago)
    hit = Hit.objects.create(
        workspace=search.workspace,
        network="fake",
        external_id=f"say-{next(_ids)}",
        author_handle=author,
        text=text,
        sent_at=sent,
        **fields,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=sent)
    return hit


def page(client: Client, search: Search | None = None) -> str:
    slug = Workspace.objects.get().slug
    url = (
        reverse("listening_say", args=[slug, search.pk])
        if search
        else reverse("listening_say_all", args=[slug])
    )
    answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode()


def test_sections_render_with_their_counts(
    signed_in: Client, member: Membership, brand: Search
) -> None:
    rival = services.create_search(member, "Rival Buns", "rivalbuns", "competitor", ["fake"])
    for i in range(4):
        found(brand, f"fan{i}", f"crumb sourdough loaf is wonderful {i}", i, sentiment="positive")
    for i in range(4):
        found(brand, f"baker{i}", f"crumb croissant butter flaky morning {i}", 30 + i)
    found(rival, "x1", "rivalbuns buns are fine", 5, sentiment="positive")
    found(rival, "x2", "rivalbuns buns were stale", 6, sentiment="negative")
    html = page(signed_in)
    assert "10 mentions in the last 30 days." in html
    assert '<figure class="chart" data-testid="say-chart"><svg' in html
    assert html.count('data-testid="voice-row"') == 2
    assert "<td>8</td><td>80%</td>" in html  # You: 8 of the 10 mentions
    assert "50% (4 of 8)" in html and "50% (1 of 2)" in html
    assert 'data-testid="topic"' in html
    one = page(signed_in, rival)
    assert "2 mentions in the last 30 days." in one


def test_questions_link_to_the_composer_and_the_stream(
    signed_in: Client, member: Membership, brand: Search
) -> None:
    asks = [
        ("ann", "Do you deliver <b>crumb</b> bread on sundays?"),
        ("bob", "do you deliver crumb bread on sunday?"),
        ("ann", "Do you deliver crumb bread on Sundays?!"),
    ]
    for hours, (author, text) in enumerate(asks):
        found(brand, author, text, hours, is_question=True)
    html = page(signed_in)
    assert html.count('data-testid="question"') == 1
    assert "Asked 3 times by 2 people" in html
    assert "<b>crumb</b>" not in html and "&lt;b&gt;crumb&lt;/b&gt;" in html
    slug = member.workspace.slug
    assert f'href="{reverse("listening_stream_all", args=[slug])}?questions=1"' in html
    start = html.index('data-testid="answer-it"') - 400
    href = html[start:].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    url = urlparse(href)
    assert url.path == reverse("compose", args=[slug])
    draft = parse_qs(url.query)["text"][0]
    assert "deliver" in draft and "crumb" in draft
    composer = signed_in.get(href).content.decode()
    assert "deliver" in composer and "<b>crumb</b>" not in composer


def test_the_list_links_to_the_page(signed_in: Client, brand: Search) -> None:
    html = signed_in.get(reverse("listening", args=[brand.workspace.slug])).content.decode()
    assert reverse("listening_say_all", args=[brand.workspace.slug]) in html
    per_search = page(signed_in, brand)
    assert "What people say: Our bakery" in per_search
