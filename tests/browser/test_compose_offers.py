"""The composer's offers in a real browser (issue 22): "Insert offer" puts the offer's text at
the cursor (and makes the post followers-only where the offer asks), and a picked account
whose network has no followers-only posts shows the owner's choice, under the CSP."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import ConsoleMessage, Page, expect

from porch.core import snippets as core_snippets
from porch.core.snippets import Snippet
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def offered() -> Iterator[None]:
    def source(workspace: Workspace) -> list[Snippet]:
        return [Snippet("Spring bun: code", "CRUMB-SPRING", "followers")]

    before = list(core_snippets.SOURCES)
    core_snippets.register_snippets(source)
    yield
    core_snippets.SOURCES[:] = before


def test_insert_offer_at_the_cursor_and_choose_public_or_not(
    page: Page, live_server, owner: User, workspace: Workspace, offered: None
) -> None:
    sky = ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="cornerbakery.test", timezone="UTC"
    )
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/w/{workspace.slug}/publishing/compose/")
    expect(page.get_by_test_id("snippet-list")).to_be_hidden()  # the select replaces it
    text = page.get_by_test_id("text")
    text.fill("Come in, show this at the till.")
    text.evaluate("area => area.setSelectionRange(8, 8)")  # after "Come in,"
    page.get_by_test_id("insert-offer").select_option(label="Spring bun: code")
    expect(text).to_have_value("Come in, CRUMB-SPRING show this at the till.")
    expect(page.get_by_test_id("insert-offer")).to_have_value("")
    expect(page.get_by_test_id("visibility-followers")).to_be_checked()

    note = page.get_by_test_id("public-there-bluesky")
    expect(note).to_be_hidden()  # not picked
    page.get_by_role("checkbox", name=str(sky), exact=True).check()
    expect(note).to_be_visible()
    expect(note).to_contain_text("Bluesky has no followers-only posts")
    page.get_by_test_id("visibility-public").check()
    expect(note).to_be_hidden()
    assert refused == []
