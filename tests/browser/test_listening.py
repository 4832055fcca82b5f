"""Listening in a real browser: the owner adds a search (or accepts the plan that makes
them), people post on the (fake) network, the poller runs the searches, the hits appear in
the open stream without a reload, and one is taken to the inbox and answered there."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect

from porch.listening import services
from porch.listening.ingest import LISTENING
from porch.listening.models import Search
from porch.networks.fake import store as fake
from porch.networks.models import SyncState
from porch.networks.poller import poll
from porch.plans.generate import generate
from porch.plans.questions import clean_answers
from porch.plans.services import store_plan
from porch.workspaces.models import ConnectedAccount, Membership, Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD
from tests.plans.sample import BAKERY

pytestmark = pytest.mark.browser


def test_search_hits_appear_and_one_is_answered_from_the_inbox(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="cornerbakery")
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.get_by_role("link", name="Listening", exact=True).click()
    expect(page.get_by_test_id("cannot-search")).to_contain_text("Facebook Page")
    page.get_by_label("Search for").fill('sourdough -recipe OR "rye bread"')
    page.get_by_label("Name (optional)").fill("Our bread")
    page.get_by_role("button", name="Add search").click()
    expect(page.get_by_test_id("search-row")).to_contain_text("Our bread")
    page.get_by_test_id("open-stream").click()
    expect(page.get_by_test_id("hits")).to_contain_text("Nothing found yet")

    fake.customer_post("maya", "Where is the best sourdough in Leeds?", author_name="Maya")
    fake.customer_post("dan", "sourdough recipe thread")  # left out by -recipe
    fake.customer_post("ann", "Rye bread <b>heaven</b> at the market")
    search = Search.objects.get()
    assert poll(SyncState.objects.get(source=LISTENING, key=str(search.pk))).new == 2

    hits = page.get_by_test_id("hit")
    expect(hits).to_have_count(2, timeout=15_000)  # the live refresh brings them
    expect(hits.first).to_contain_text("Rye bread <b>heaven</b>")  # newest first, as text
    expect(page.get_by_test_id("hits")).not_to_contain_text("recipe")

    page.get_by_label("Network").select_option("fake")  # the filters answer in place
    page.get_by_label("Questions only").check()
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("Maya")
    hits.first.get_by_test_id("take").click()

    expect(page.get_by_role("status")).to_contain_text("is in the inbox")
    page.get_by_label("Your reply on").fill("Ours, Maya! Fresh every morning from 7.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent on")
    assert any("Fresh every morning" in post.text for post in fake.posts_by("cornerbakery"))


def on_the_fake_network(content: dict[str, Any]) -> dict[str, Any]:
    """The plan as the workshop makes it, moved onto the fake network (the one a test can
    post on as a made-up customer)."""
    searches = [search | {"networks": ["fake"]} for search in content["searches"]]
    return content | {"networks": ["fake"], "searches": searches}


def test_an_accepted_plan_listens_and_a_question_it_hears_is_answered(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="cornerbakery")
    answers = clean_answers(BAKERY)
    store_plan(workspace, answers, on_the_fake_network(generate(answers)))
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("button", name="Accept plan").click()
    expect(page.get_by_role("status")).to_contain_text("10 listening searches")

    page.get_by_role("link", name="Listening", exact=True).click()
    rows = page.get_by_test_id("search-row")
    expect(rows).to_have_count(10)
    expect(page.get_by_test_id("searches")).to_contain_text('"Big Bread Co"')
    page.get_by_test_id("stream-all").click()
    expect(page.get_by_test_id("hits")).to_contain_text("Nothing found yet")

    fake.customer_post(
        "maya", "Where can I get proper sourdough bread in Leeds?", author_name="Maya"
    )
    fake.customer_post("dan", "Big Bread Co raised their prices again")
    fake.customer_post("ann", "Lovely sunny morning")  # no search hears this
    for state in SyncState.objects.filter(source=LISTENING):
        poll(state)

    hits = page.get_by_test_id("hit")
    expect(hits).to_have_count(2, timeout=15_000)
    page.get_by_label("Questions only").check()
    expect(hits).to_have_count(1)
    hits.first.get_by_test_id("take").click()
    expect(page.get_by_role("status")).to_contain_text("is in the inbox")
    page.get_by_label("Your reply on").fill("Ours, Maya! Fresh sourdough from 7 every morning.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent on")
    assert any("Fresh sourdough" in post.text for post in fake.posts_by("cornerbakery"))


def test_the_live_refresh_keeps_a_reply_being_written(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    """The stream refreshes itself every few seconds; it waits while a reply is open, so
    what the owner types is never wiped, and catches up once the reply is closed."""
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="cornerbakery")
    member = Membership.objects.get(workspace=workspace, user=owner)
    search = services.create_search(member, "Bread", "sourdough", "niche", ["fake"])
    state = SyncState.objects.get(source=LISTENING, key=str(search.pk))
    fake.customer_post("maya", "Where is the best sourdough in Leeds?", author_name="Maya")
    poll(state)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(live_server.url + reverse("listening_stream", args=[workspace.slug, search.pk]))
    hits = page.get_by_test_id("hit")
    expect(hits).to_have_count(1)

    hits.first.get_by_test_id("reply-open").click()
    typed = "Ours, Maya! Fresh every morning from"
    hits.first.get_by_label("Reply to @maya").fill(typed)
    page.get_by_role("heading", name="Bread").click()  # the reply stays open, unfocused
    fake.customer_post("dan", "sourdough starter going spare, anyone?")
    assert poll(state).new == 1
    page.wait_for_timeout(9_000)  # two refreshes' worth
    expect(hits).to_have_count(1)
    expect(page.get_by_label("Reply to @maya")).to_have_value(typed)

    page.get_by_test_id("reply-open").click()  # closed: the stream catches up
    expect(hits).to_have_count(2, timeout=15_000)
    expect(hits.first).to_contain_text("starter going spare")
    assert not refused, refused
