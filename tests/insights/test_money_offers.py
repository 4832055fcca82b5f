"""The money page counts the offers' redemptions: their own line, in the total's revenue, and
a row per offer of the period."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from porch.insights.models import Revenue
from porch.insights.money import where_the_money_is
from porch.offers.models import Give, Offer
from porch.workspaces.models import Workspace
from tests.offers.test_results import per_person_offer, redeem

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)

NOW = datetime(2026, 11, 19, 15, tzinfo=UTC)  # the loaf offer's fourth day


def test_redemptions_have_their_line_and_join_the_total(
    signed_in: Client, workspace: Workspace, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    per_person_offer(workspace)  # 3 redeemed on 18 November, 20.50 in sales
    spring = Offer.objects.create(
        workspace=workspace,
        title="Spring <b>buns</b>",
        give=Give.SHARED,
        shared_code="SPRING",
        starts_at=NOW - timedelta(days=60),
        ends_at=NOW - timedelta(days=40),
    )
    redeem(spring, NOW - timedelta(days=50), None, "9.99")  # outside the last 7 days
    Revenue.objects.create(workspace=workspace, day=NOW.date(), amount=Decimal("5.00"))

    page = where_the_money_is(workspace, NOW.date() - timedelta(days=6), NOW.date() + timedelta(1))
    assert (page.redeemed.redemptions, page.redeemed.revenue) == (3, Decimal("20.50"))
    assert page.total.revenue == Decimal("25.50")
    assert [r.offer.title for r in page.offers] == ["Followers' loaf"]

    html = signed_in.get(f"/w/{workspace.slug}/insights/money/?days=7").content.decode()
    assert "Offer redemptions: <strong>3</strong> redemptions, for <strong>£20.50</strong>" in html
    assert "once offers are set up" not in html
    loaf = page.offers[0].offer
    assert (
        f'<td data-label="Offer"><a href="/w/{workspace.slug}/offers/{loaf.pk}/">'
        "Followers&#x27; loaf</a> "
        '<small class="muted">running</small></td><td data-label="Codes given">6</td>'
    ) in html
    assert (
        '<td data-label="Redeemed">3</td><td data-label="Rate">50%</td>'
        '<td data-label="Sales">£20.50</td><td data-label="New people">2</td>'
        '<td data-label="Returning">1</td>'
    ) in html

    html = signed_in.get(f"/w/{workspace.slug}/insights/money/?days=90").content.decode()
    assert "Offer redemptions: <strong>4</strong> redemptions, for <strong>£30.49</strong>" in html
    assert "Spring &lt;b&gt;buns&lt;/b&gt;" in html and "shared code, 0 posts" in html


def test_a_workspace_without_offers_shows_none(signed_in: Client, workspace: Workspace) -> None:
    html = signed_in.get(f"/w/{workspace.slug}/insights/money/").content.decode()
    assert "Offer redemptions: <strong>0</strong> redemptions, for <strong>£0.00</strong>" in html
    assert 'data-testid="money-offer-table"' not in html
