"""Where data is thin the insights pages say what is needed instead of drawing an empty
chart or an empty table; posts published with Porch count (and get figures, the demo's
too); money and time are written as a shop owner reads them."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader
from time_machine import TimeMachineFixture

from porch.insights.coverage import coverage
from porch.insights.formats import currency_symbol, hours_text, money
from porch.insights.history import store_posts
from porch.insights.importers import ImportedPost
from porch.insights.metrics import sync_all_metrics
from porch.insights.models import ActiveTime, HistoryPost, Revenue, Source
from porch.insights.money import where_the_money_is
from porch.insights.report import build_report, render_pdf
from porch.networks.base import Outgoing
from porch.networks.sync import client_for
from porch.publishing.models import Post, PostStatus, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday: last week is 2026-W47
WEEK = "2026-W47"


def publish_with_porch(account: ConnectedAccount, text: str, at: datetime) -> PostTarget:
    """A post that went out through Porch, as the publishing worker records it."""
    post = Post.objects.create(
        workspace=account.workspace, text=text, pillar="Bakes", status=PostStatus.PUBLISHED
    )
    with client_for(account) as client:
        sent = client.publish(Outgoing(text, f"key-{text}"))
    return PostTarget.objects.create(
        post=post,
        account=account,
        text=text,
        scheduled_at=at,
        state=TargetState.PUBLISHED,
        published_at=at,
        external_id=sent.external_id,
        url=sent.url,
    )


@pytest.fixture
def demo_account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace,
        network="mastodon",
        handle="crumb@bakery.example",
        external_id="crumb",
        server_url="https://bakery.example",
        timezone="Europe/London",
        is_demo=True,
    )


def test_posts_published_with_porch_count_before_and_get_figures_after_the_sync(
    demo_account: ConnectedAccount, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    for n in range(4):
        publish_with_porch(demo_account, f"Fresh loaf {n}", NOW - timedelta(days=n + 1))
    before = coverage(demo_account.workspace)
    assert (before.published, before.measured) == (4, 0)
    assert before.figures_line().startswith("4 posts published, Porch has figures for 0 of them")
    assert "every hour" in before.figures_line()

    sync_all_metrics()  # the demo's accounts too: they are read from the fake network

    taken = HistoryPost.objects.filter(account=demo_account, source=Source.PORCH)
    assert taken.count() == 4 and not taken.filter(metrics_at__isnull=True).exists()
    after = coverage(demo_account.workspace)
    assert (after.published, after.measured, after.figures_line()) == (4, 4, "")
    assert after.per_week == 1.0
    assert "you have 4 with figures" in after.needs_line()
    assert "check back in about 6 weeks" in after.needs_line()


def test_report_without_data_draws_no_chart_and_says_what_is_needed(
    signed_in: Client, workspace: Workspace, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    page = signed_in.get(f"/w/{workspace.slug}/insights/report/?week={WEEK}").content.decode()
    assert "<svg" not in page
    assert "No posts went out this week" in page
    assert "What works needs 10 posts in a group; you have none yet" in page
    assert "No conversation was answered this week." in page
    assert "No messages came in this week." in page
    assert page.count('data-testid="report-thin"') == 1  # one card, not four empty charts
    assert f"/w/{workspace.slug}/accounts/" in page  # no account yet: connect one first
    report = build_report(workspace, WEEK)
    assert report.figures == {}
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(render_pdf(report))).pages)
    assert "Engagement over time: No posts went out this week" in text


def test_report_names_published_posts_still_waiting_for_figures(
    signed_in: Client, demo_account: ConnectedAccount, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    store_posts(
        demo_account,
        [ImportedPost("p1", "post", NOW - timedelta(days=5), "Rye")],
        source=Source.PORCH,
    )  # taken in, not yet measured
    slug = demo_account.workspace.slug
    page = signed_in.get(f"/w/{slug}/insights/report/?week={WEEK}").content.decode()
    assert "1 post published, Porch has figures for 0 of them yet" in page
    assert 'data-testid="chart-engagement"' in page and "<svg" not in page


def test_what_works_with_nothing_shows_one_message_not_ten_empty_tables(
    signed_in: Client, x_account: ConnectedAccount
) -> None:
    workspace = x_account.workspace
    page = signed_in.get(f"/w/{workspace.slug}/insights/").content.decode()
    assert page.count('data-testid="what-works-thin"') == 1
    assert 'data-testid="what-works-section"' not in page and "<svg" not in page
    assert "What works needs 10 posts in a group; you have none yet" in page
    assert f"/w/{workspace.slug}/insights/import/" in page
    assert f"/w/{workspace.slug}/publishing/compose/" in page


def test_what_works_with_enough_posts_shows_its_tables(
    signed_in: Client, x_account: ConnectedAccount
) -> None:
    monday = datetime(2026, 11, 2, 9, tzinfo=UTC)
    posts = [
        ImportedPost(str(n), "post", monday + timedelta(days=7 * n), "Bread") for n in range(12)
    ]
    store_posts(x_account, posts)
    page = signed_in.get(f"/w/{x_account.workspace.slug}/insights/").content.decode()
    assert 'data-testid="what-works-thin"' not in page
    assert 'data-testid="what-works-section"' in page


def test_money_per_hour_needs_an_hour_and_money_reads_as_money(
    signed_in: Client, workspace: Workspace
) -> None:
    today = workspace.today()
    Revenue.objects.create(workspace=workspace, day=today, amount=Decimal("45.00"))
    ActiveTime.objects.create(
        workspace=workspace,
        user=workspace.members.get().user,
        day=today,
        activity="inbox",
        seconds=6 * 60,
    )
    found = where_the_money_is(workspace, today, today + timedelta(days=1))
    assert (found.total.revenue_text, found.total.hours_text) == ("£45.00", "6 min")
    assert found.total.revenue_per_hour == "" and found.total.leads_per_hour == ""
    page = signed_in.get(f"/w/{workspace.slug}/insights/money/").content.decode()
    # Whole numbers only: digits can turn up inside the random CSRF token.
    assert not re.search(r"(?<![A-Za-z0-9])(332|450)(?![A-Za-z0-9])", page)
    assert "Figures per hour need at least an hour of time" in page
    assert "£45.00" in page and "6 min" in page


def test_money_and_time_formats() -> None:
    assert money(Decimal("1234.5"), "£") == "£1,234.50"
    assert money(Decimal("-3"), "€") == "-€3.00"
    assert money(0.666666) == "0.67"
    assert hours_text(0.1) == "6 min" and hours_text(1.5) == "1 h 30 min"
    assert hours_text(0) == "none" and hours_text(2) == "2 h"


@pytest.mark.parametrize(
    ("zone", "symbol"),
    [("Europe/London", "£"), ("Europe/Paris", "€"), ("America/Chicago", "$"), ("Asia/Tokyo", "")],
)
def test_currency_follows_the_workspace_time_zone(
    workspace: Workspace, zone: str, symbol: str
) -> None:
    workspace.timezone = zone
    assert currency_symbol(workspace) == symbol


def test_money_page_with_nothing_to_count_says_so_once(
    signed_in: Client, workspace: Workspace
) -> None:
    page = signed_in.get(f"/w/{workspace.slug}/insights/money/").content.decode()
    assert "Nothing to count in these 30 days yet" in page
    assert 'data-testid="money-per-hour"' not in page and "<svg" not in page
