"""The readiness workshop in a real browser: walk the wizard for a bakery, read the plan,
download the PDF, accept the plan and find the searches, slots and drafts it set up."""

from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from porch.listening.models import Search
from porch.publishing.models import Post, PostingSlot, PostStatus
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _next(page: Page) -> None:
    page.get_by_role("button", name="Next", exact=True).click()


def test_workshop_end_to_end(
    page: Page, live_server, owner: User, workspace: Workspace, tmp_path: Path
) -> None:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="bluesky", handle="cornerbakery.test", timezone="Europe/London"
    )
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("link", name="Start the workshop").click()

    expect(page.get_by_test_id("wizard-progress")).to_contain_text("Step 1 of 9")
    page.get_by_label("What do you sell?").fill("sourdough bread and cakes")
    page.get_by_label("Where are you?").fill("Leeds")
    page.get_by_label("Website").fill("cornerbakery")  # not a web address
    _next(page)
    expect(page.get_by_test_id("problem-website")).to_contain_text("is not a web address")
    page.get_by_label("Website").fill("https://cornerbakery.example")
    _next(page)

    expect(page.get_by_test_id("wizard-progress")).to_contain_text("Step 2 of 9")
    page.get_by_label("Who are your customers?").fill("busy parents nearby")
    page.get_by_label("Which problems do you solve").fill(
        "bread that goes stale\nbirthday cakes at short notice"
    )
    page.get_by_role("button", name="Save and stop for now").click()
    expect(page.get_by_text("Saved. Come back any time to carry on.")).to_be_visible()
    page.get_by_role("link", name="Carry on with the workshop").click()  # resume

    expect(page.get_by_test_id("wizard-progress")).to_contain_text("Step 3 of 9")
    page.get_by_label("Your main products").fill("sourdough loaf\ncustom cakes")
    _next(page)
    page.get_by_label("Competitors").fill("Big Bread Co")
    _next(page)
    page.get_by_label("Businesses next to yours").fill("Hilltop Coffee")
    _next(page)
    page.get_by_label("Friendly and warm").check()
    _next(page)
    page.get_by_label("Customer care").check()
    page.get_by_label("Offers and promotions").check()
    _next(page)
    page.get_by_label("Bluesky").check()
    page.get_by_label("Mastodon").check()
    _next(page)
    page.get_by_label("Hours a week").fill("3")
    page.get_by_role("button", name="Make my plan").click()

    expect(page.get_by_test_id("plan-title")).to_contain_text("Plan for Corner Bakery")
    expect(page.get_by_test_id("plan-bios")).to_contain_text(
        "Corner Bakery: sourdough bread and cakes in Leeds."
    )
    expect(page.get_by_test_id("plan-routine")).to_contain_text("Answer within 60 minutes")
    expect(page.get_by_test_id("plan-drafts").locator("li")).to_have_count(10)
    # Bluesky is connected already: only Mastodon is left to connect.
    expect(page.get_by_test_id("plan-actions")).to_contain_text("Connect your Mastodon account")
    expect(page.get_by_test_id("plan-actions")).not_to_contain_text("Connect your Bluesky")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download (PDF)").click()
    saved = tmp_path / "plan.pdf"
    download.value.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(saved.read_bytes())).pages)
    assert "Plan for Corner Bakery (version 1)" in text
    assert "Listening searches" in text and "Big Bread Co" in text

    page.get_by_role("button", name="Accept plan").click()
    expect(page.get_by_role("status")).to_contain_text("10 drafts to review")
    expect(page.get_by_test_id("plan-status")).to_contain_text("Accepted")
    expect(page.get_by_test_id("listening-searches")).to_contain_text("Big Bread Co")

    (competitor,) = Search.objects.filter(workspace=workspace, kind="competitor")
    assert sorted(competitor.networks) == ["bluesky", "mastodon"]
    assert PostingSlot.objects.filter(account=account).count() == 5
    drafts = Post.objects.filter(workspace=workspace)
    assert drafts.count() == 10 and {p.status for p in drafts} == {PostStatus.DRAFT}
    page.get_by_role("link", name="Publishing", exact=True).click()
    expect(page.get_by_text("Hello from Corner Bakery!").first).to_be_visible()
