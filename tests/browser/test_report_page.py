"""The insights pages in a real browser: upload a history file and watch it import, then
read the weekly report with its charts."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from porch.insights.history import run_import, store_posts
from porch.insights.importers import ImportedPost
from porch.insights.models import HistoryImport
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD
from tests.insights import files
from tests.insights.test_imports import X_TWEETS

pytestmark = pytest.mark.browser


def test_upload_shows_progress_until_done(
    page: Page, live_server, owner: User, workspace: Workspace, tmp_path: Path
) -> None:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="cornerbakery"
    )
    archive = files.write_x_zip(tmp_path / "twitter-archive.zip", X_TWEETS)
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.get_by_role("link", name="Insights", exact=True).click()
    page.get_by_role("link", name="Import history").click()
    page.get_by_label("Account").select_option(str(account.pk))
    page.get_by_label("History file").set_input_files(str(archive))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-progress")).to_contain_text("Waiting")

    run_import(HistoryImport.objects.get())  # the worker's part

    expect(page.get_by_test_id("import-progress")).to_contain_text("Done: 4 posts read, 4 new.")


def test_weekly_report_shows_figures_and_charts(
    page: Page, live_server, owner: User, workspace: Workspace
) -> None:
    account = ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="cornerbakery"
    )
    monday = datetime(2026, 11, 16, 9, tzinfo=UTC)
    store_posts(
        account,
        [
            ImportedPost(str(n), "post", monday + timedelta(days=n), "Bread", likes=n)
            for n in range(12)
        ],
    )
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/report/?week=2026-W47")
    expect(page.get_by_test_id("report-title")).to_have_text(
        "Your week on social media: 16 Nov - 22 Nov 2026"
    )
    figures = page.get_by_test_id("report-figures")
    expect(figures).to_contain_text("Posts")
    expect(figures.locator("tr").first).to_contain_text("7")  # 16-22 Nov holds posts 0-6
    for chart in ["engagement", "best_hours"]:
        expect(page.get_by_test_id(f"chart-{chart}").locator("svg")).to_be_visible()
    # No conversation and no message that week: a sentence, not an empty chart.
    expect(page.get_by_test_id("chart-response_times")).to_contain_text("No conversation")
    expect(page.get_by_test_id("chart-sentiment")).to_contain_text("No messages came in")
    expect(page.locator("[data-testid=chart-sentiment] svg")).to_have_count(0)
    expect(page.get_by_test_id("chart-engagement")).to_contain_text("Engagement over time")
