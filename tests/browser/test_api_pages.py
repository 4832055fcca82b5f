"""The API's pages in a real browser: the docs page (Swagger UI from Porch's own static
files, under the Content-Security-Policy) and the token page, on a desktop and a phone."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import ConsoleMessage, Page, expect

from porch.api.models import ApiToken
from porch.workspaces.models import Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:
    found: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.type}: {message.text}")

    page.on("console", listen)
    yield found


def test_the_docs_page_shows_the_operations_under_the_policy(
    page: Page, live_server, db: None, console: list[str]
) -> None:
    answer = page.goto(f"{live_server.url}/api/v1/docs")
    assert answer is not None and answer.status == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    # Swagger UI fetches the document, which Porch builds on the first call: give it time
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("Porch API", timeout=60_000)
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/workspace", exact=True)).to_be_visible()
    assert page.locator(".opblock").count() >= 2
    assert console == []  # no refusal by the policy, no script error, nothing missing


def test_a_token_made_on_the_page_is_shown_once_and_revoked(
    page: Page, live_server, owner: User, workspace: Workspace, console: list[str]
) -> None:
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.get_by_test_id("workspace-switcher").locator("summary").click()  # API sits in its menu
    page.get_by_test_id("api-link").click()
    expect(page.get_by_role("heading", name="API", exact=True)).to_be_visible()
    for width in (390, 1280):  # a phone, then a desktop: nothing wider than the screen
        page.set_viewport_size({"width": width, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_label("Name").fill("Zapier")
    page.get_by_label("Read").check()
    page.get_by_label("Write (change things in Porch)").check()
    page.get_by_role("button", name="Make a token").click()
    shown = page.get_by_test_id("token-text").input_value()
    token = ApiToken.objects.get()
    assert shown.startswith(f"porch_{token.prefix}_") and token.scopes == ["read", "write"]
    page.goto(page.url)  # open again: the token is not shown any more
    expect(page.get_by_test_id("token-made")).to_have_count(0)
    expect(page.get_by_test_id("token-row")).to_contain_text("active")
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("token-row")).to_contain_text("revoked")
    assert [line for line in console if "Content Security Policy" in line] == []
