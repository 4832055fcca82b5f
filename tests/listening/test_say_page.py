"""The "What people say" page: the chart, share of voice, topics and the questions to
answer, each with its counts; people's words escaped; "answer it" opens the composer with
the question in a draft, and "reply to the askers" answers each person who asked once, on
the network, never a post of another workspace."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.errors import InputError, NotAllowed
from porch.inbox.models import Reply, ReplyStatus
from porch.listening import services
from porch.listening.models import Hit, Search, SearchHit
from porch.networks.fake import store
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


def asker(search: Search, author: str, text: str, hours_ago: int) -> Hit:
    """A question on the fake network, as a search found it."""
    sent = AT - timedelta(hours=hours_ago)
    external = store.customer_post(author, text, at=sent)
    hit = Hit.objects.create(
        workspace=search.workspace,
        network="fake",
        external_id=external,
        author_handle=author,
        text=text,
        sent_at=sent,
    )
    SearchHit.objects.create(search=search, hit=hit, sent_at=sent)
    return hit


def answer_form(html: str) -> tuple[str, dict[str, list[str]]]:
    """The first question's "reply to the askers" form: its action and hidden fields."""
    start = html.rindex("<form", 0, html.index('data-testid="answer-askers"'))
    form = html[start:].split("</form>", 1)[0]
    action = form.split('action="', 1)[1].split('"', 1)[0]
    fields: dict[str, list[str]] = {}
    for part in form.split('<input type="hidden" name="')[1:]:
        name, rest = part.split('"', 1)
        fields.setdefault(name, []).append(rest.split('value="', 1)[1].split('"', 1)[0])
    return action, fields


ASKS = [
    ("ann", "Do you deliver crumb bread on sundays?", 1),
    ("bob", "do you deliver crumb bread on sunday?", 2),
    ("ann", "Do you deliver crumb bread on Sundays?!", 3),
    ("cat", "Do you deliver crumb bread to Leith on sunday?", 4),
]


def test_replying_to_the_askers_answers_each_person_once(
    signed_in: Client, member: Membership, brand: Search
) -> None:
    hits = [asker(brand, author, text, hours) for author, text, hours in ASKS]
    html = page(signed_in)
    assert "csrfmiddlewaretoken" in html.split('data-testid="answer-askers"', 1)[1]
    assert "Reply to 3 people" in html
    action, fields = answer_form(html)
    assert action == reverse("listening_answer", args=[member.workspace.slug])
    assert sorted(fields["hit"]) == sorted(str(hit.pk) for hit in (hits[0], hits[1], hits[3]))

    fields["text"] = ["Yes: every Sunday from 8, order by Saturday noon."]
    done = signed_in.post(action, fields, follow=True)

    assert done.status_code == 200
    assert "Replied to 3 people." in done.content.decode()
    sent = store.posts_by("shop")
    assert sorted(post.reply_to for post in sent) == sorted(
        hit.external_id
        for hit in (hits[0], hits[1], hits[3])  # ann's newest only
    )
    assert {post.text for post in sent} == {"Yes: every Sunday from 8, order by Saturday noon."}
    again = signed_in.post(action, fields, follow=True)  # a second click
    assert "has this answer already" in again.content.decode()
    assert len(store.posts_by("shop")) == 3


def test_a_post_of_another_workspace_is_refused_and_nothing_is_sent(
    signed_in: Client, member: Membership, brand: Search, owner: User
) -> None:
    hits = [asker(brand, author, text, hours) for author, text, hours in ASKS]
    other = workspaces.create_workspace(owner, "Rival Buns", "Europe/London")
    theirs = services.create_search(
        Membership.objects.get(workspace=other), "Buns", "buns", "brand", ["fake"]
    )
    foreign = asker(theirs, "dan", "Do you deliver buns on sundays?", 1)
    url = reverse("listening_answer", args=[member.workspace.slug])

    refused = signed_in.post(url, {"hit": [hits[0].pk, foreign.pk], "text": "Yes!"})

    assert refused.status_code == 404
    with pytest.raises(NotAllowed):
        services.answer_askers(member, [hits[0], foreign], "Yes!")
    assert store.posts_by("shop") == [] and not Reply.objects.exists()


def test_an_empty_answer_or_a_post_that_asks_nothing_is_said_not_sent(
    signed_in: Client, member: Membership, brand: Search
) -> None:
    hits = [asker(brand, author, text, hours) for author, text, hours in ASKS]
    chatter = asker(brand, "eve", "Lovely crumb bread today.", 5)
    url = reverse("listening_answer", args=[member.workspace.slug])
    back = reverse("listening_say_all", args=[member.workspace.slug])

    empty = signed_in.post(url, {"hit": [hit.pk for hit in hits], "text": "  ", "next": back})
    assert empty.status_code == 302 and empty["Location"] == back
    assert "The answer is empty: write it first." in signed_in.get(back).content.decode()
    with pytest.raises(InputError):
        services.answer_askers(member, [hits[0], chatter], "Yes!")
    assert store.posts_by("shop") == [] and not Reply.objects.exists()


def test_a_helpers_answers_wait_for_approval_and_many_askers_are_answered_twenty_at_a_time(
    client: Client, member: Membership, brand: Search
) -> None:
    hits = [
        asker(brand, f"p{n}", f"Do you deliver crumb bread on sundays, {n}?", n) for n in range(25)
    ]
    client.force_login(add_member(member.workspace, "h@bakery.example", Role.HELPER))
    html = page(client)
    assert "Reply to 20 people" in html and "wait for an owner" in html
    action, fields = answer_form(html)
    assert sorted(int(pk) for pk in fields["hit"]) == sorted(hit.pk for hit in hits[:20])

    fields["hit"] = [str(hit.pk) for hit in hits]  # a form that asks for all 25
    fields["text"] = ["Yes, on Sundays."]
    done = client.post(action, fields, follow=True).content.decode()

    assert "20 replies wait for approval: the 20 of 25 who asked last (20 at a time)." in done
    waiting = Reply.objects.filter(status=ReplyStatus.PENDING)
    assert waiting.count() == 20 and store.posts_by("shop") == []
