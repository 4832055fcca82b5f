"""The Feeds page in a real browser: a newsletter's address is fetched by a worker, not by
the page's request; the page says it is fetching, then shows the draft (or why not) by
itself (htmx polls)."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from porch.workspaces.models import Workspace
from tests.conftest import PASSWORD
from tests.publishing.test_feeds import Blog, blog, run_worker  # noqa: F401

from .test_sign_in import sign_in

pytestmark = pytest.mark.browser


def ask_for_newsletter(page: Page, base: str, workspace: Workspace, address: str) -> None:
    page.goto(f"{base}/w/{workspace.slug}/publishing/feeds/")
    page.get_by_label("Its web address").fill(address)
    page.get_by_role("button", name="Make a draft").click()


@pytest.mark.django_db(transaction=True)
def test_the_page_waits_for_the_worker_then_links_the_draft(
    page: Page,
    live_server: Any,
    owner: User,
    workspace: Workspace,
    blog: tuple[Blog, str],  # noqa: F811
) -> None:
    state, site = blog
    sign_in(page, live_server.url, owner.email, PASSWORD)
    ask_for_newsletter(page, live_server.url, workspace, f"{site}/newsletter")

    status = page.get_by_test_id("fetch-status")
    expect(status).to_contain_text(f"Fetching {site}/newsletter…")
    assert state.seen == []
    run_worker()

    expect(status).to_contain_text("Draft made from")  # without reloading the page
    status.get_by_role("link", name="open the draft").click()
    expect(page).to_have_url(re.compile(r"/publishing/posts/\d+/$"))


@pytest.mark.django_db(transaction=True)
def test_a_private_address_is_refused_in_plain_words(
    page: Page,
    live_server: Any,
    settings: Any,
    owner: User,
    workspace: Workspace,
    blog: tuple[Blog, str],  # noqa: F811
) -> None:
    settings.FETCH_ALLOW_PRIVATE = False
    state, site = blog
    sign_in(page, live_server.url, owner.email, PASSWORD)
    ask_for_newsletter(page, live_server.url, workspace, f"{site}/newsletter")
    run_worker()

    alert = page.get_by_test_id("fetch-status").get_by_role("alert")
    expect(alert).to_contain_text("That address is on a private network")
    assert state.seen == []
