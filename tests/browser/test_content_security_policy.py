"""Every main page under the Content-Security-Policy: no script, style or handler refused.

Chromium logs each refusal on the console ("Refused to ... Content Security Policy"),
so a page that still needs something inline fails here."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from porch.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from porch.inbox.models import Conversation
from porch.publishing.models import Post
from porch.workspaces.models import ConnectedAccount
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

PAGES = [
    "",
    "inbox/",
    "inbox/{conversation}/",
    "inbox/settings/",
    "inbox/response-times/",
    "accounts/",
    "publishing/",
    "publishing/compose/",
    "publishing/calendar/",
    "publishing/feeds/",
    "publishing/posts/{post}/",
    "insights/",
    "insights/money/",
    "insights/report/?week=2026-W47",
    "plan/",
    "members/",
]


@pytest.fixture
def refused(page: Page) -> Iterator[list[str]]:
    found: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    yield found


def shoot(page: Page, name: str) -> None:
    """Screenshots for a person to look at, when PORCH_SHOTS names a folder."""
    folder = os.environ.get("PORCH_SHOTS")
    if not folder:
        return
    for width, height, size in ((1280, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(folder) / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_main_pages_run_under_the_policy(page: Page, live_server, refused: list[str]) -> None:
    workspace, _ = load_demo()
    conversation = Conversation.objects.filter(workspace=workspace).first()
    post = Post.objects.filter(workspace=workspace).first()
    assert conversation is not None and post is not None
    answer = page.goto(f"{live_server.url}/signin/")
    assert answer is not None and "script-src 'self'" in answer.headers["content-security-policy"]
    sign_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    for path in PAGES:
        url = f"{live_server.url}/w/{workspace.slug}/" + path.format(
            conversation=conversation.pk, post=post.pk
        )
        assert page.goto(url).status == 200, url  # type: ignore[union-attr]
        page.wait_for_load_state("networkidle")
        name = path.split("?")[0].strip("/").replace("/", "-").replace("{", "").replace("}", "")
        shoot(page, f"mailrecover-{name or 'home'}")
    assert refused == []


def test_the_composer_and_the_what_works_picker_still_work(
    page: Page, live_server, refused: list[str]
) -> None:
    workspace, _ = load_demo()
    account = ConnectedAccount.objects.filter(workspace=workspace).order_by("pk").first()
    assert account is not None
    sign_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/w/{workspace.slug}/publishing/compose/")
    page.locator(f'input[name="accounts"][value="{account.pk}"]').check()
    page.locator("#text").fill("Fresh sourdough at nine")
    counter = page.locator(f'.version[data-account="{account.pk}"] .counter')
    expect(counter).to_contain_text("23 / ", timeout=15_000)  # the server counted it
    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/")
    page.get_by_label("Account").select_option(str(account.pk))
    expect(page).to_have_url(f"{live_server.url}/w/{workspace.slug}/insights/?account={account.pk}")
    assert refused == []
