"""People in a real browser: a complaint arrives on the (fake) network, the inbox and the
people sweep take it in, the owner clicks the complaint's author on the conversation page,
lands on her page, confirms the merge Porch suggests from real profile evidence (the same
name and website on another network), and then follows a suggested peer from the peers
page; the network is asked to follow, once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect

from porch.inbox.models import Conversation
from porch.networks.base import AccountRef
from porch.networks.connect import save_connection
from porch.networks.fake import store as fake
from porch.networks.tasks import sync_due_accounts
from porch.people import merge, peers, sync
from porch.people.models import Identity, Person
from porch.people.services import identify
from porch.workspaces.models import Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def a_complaint_taken_in(workspace: Workspace) -> Conversation:
    """Maria complains on the fake network; the inbox syncs it and the sweep makes her a person."""
    save_connection(workspace, AccountRef("fake", "cornerbakery"), {}, workspace.timezone)
    fake.customer_post(
        "maria",
        "@cornerbakery my wedding cake never arrived and nobody answers. I want a refund!",
        to="cornerbakery",
        author_name="Maria Rossi",
    )
    assert sync_due_accounts.call() == 1
    assert sync.sweep(settle=timedelta(0)) >= 1
    return Conversation.objects.get(workspace=workspace)


def the_same_maria_elsewhere(workspace: Workspace) -> Person:
    """Maria on Mastodon too; both profiles show her name and her shop's website."""
    there = identify(
        workspace, "mastodon", "https://toot.example/users/maria", "maria@toot.example"
    )
    here = Identity.objects.get(workspace=workspace, network="fake")
    for identity in (here, there):
        Identity.objects.filter(pk=identity.pk).update(
            display_name="Maria Rossi", website="https://mariasflowers.example/"
        )
    assert merge.suggest_merges(workspace) == 1
    return there.person


def test_from_a_complaints_author_to_her_page_a_merge_and_a_peer_followed(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    base: str = live_server.url
    convo = a_complaint_taken_in(workspace)
    elsewhere = the_same_maria_elsewhere(workspace)
    peers.store_ranking(
        workspace,
        [
            peers.Ranked(
                "fake",
                "fake:maya",
                "maya",
                "Maya's Rye",
                3.0,
                {"lines": ["Posted 9 times about rye bread in 90 days"]},
            )
        ],
        convo.first_message_at,
    )

    sign_in(page, base, owner.email, PASSWORD)
    page.goto(base + reverse("conversation", args=[workspace.slug, convo.pk]))
    card = page.get_by_test_id("author-card")
    expect(card).to_contain_text("Maria Rossi")
    card.get_by_test_id("author-link").click()

    expect(page.get_by_test_id("person-name")).to_contain_text("Maria Rossi")
    expect(page.get_by_test_id("history-entry").first).to_contain_text("wedding cake")
    suggestion = page.get_by_test_id("merge-suggestion")
    expect(suggestion).to_contain_text("maria@toot.example")
    expect(suggestion).to_contain_text("mariasflowers.example")
    suggestion.get_by_test_id("merge-confirm").click()

    expect(page.get_by_role("status")).to_contain_text("Merged into Maria Rossi")
    expect(page.get_by_test_id("identity")).to_have_count(2)
    expect(page.get_by_test_id("identities")).to_contain_text("@maria@toot.example")
    assert not Person.objects.filter(pk=elsewhere.pk).exists()

    page.goto(base + reverse("plan_peers", args=[workspace.slug]))
    peer = page.get_by_test_id("peer-suggestion")
    expect(peer).to_contain_text("Posted 9 times about rye bread")
    peer.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("status")).to_contain_text("You follow Maya's Rye now.")
    assert fake.engagements("cornerbakery") == [("follow", "maya")]
