"""Time against money: active time from requests (idle gaps not counted), time logged by
hand, and results per hour spent, per network and per pillar."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from porch.inbox.models import Conversation, Intent
from porch.insights import activity
from porch.insights.history import store_posts
from porch.insights.importers import ImportedPost
from porch.insights.models import ActiveTime, Revenue
from porch.insights.money import where_the_money_is
from porch.publishing.models import Post, TrackedLink
from porch.workspaces.models import ConnectedAccount, Workspace

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)


def seconds(workspace: Workspace, kind: str) -> int:
    return sum(
        ActiveTime.objects.filter(workspace=workspace, activity=kind).values_list(
            "seconds", flat=True
        )
    )


def test_active_time_counts_gaps_up_to_five_minutes_only(
    signed_in: Client, workspace: Workspace, monkeypatch
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(activity, "now", lambda: clock[0])
    inbox = f"/w/{workspace.slug}/inbox/"
    for step in [0, 60, 120, 30 * 60, 60]:  # the 30-minute gap is time away
        clock[0] += step
        signed_in.get(inbox)
    assert seconds(workspace, "inbox") == 60 + 120 + 60
    clock[0] += 90
    signed_in.get(f"/w/{workspace.slug}/insights/")
    assert seconds(workspace, "reviewing") == 90


def test_quick_requests_are_counted_together_with_a_later_one(
    signed_in: Client, workspace: Workspace, monkeypatch
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(activity, "now", lambda: clock[0])
    signed_in.get(f"/w/{workspace.slug}/inbox/")
    for _ in range(5):
        clock[0] += 5
        signed_in.get(f"/w/{workspace.slug}/inbox/")
    assert seconds(workspace, "inbox") == 0  # 25 s: not written yet
    clock[0] += 10
    signed_in.get(f"/w/{workspace.slug}/inbox/")
    assert seconds(workspace, "inbox") == 35


def test_pages_outside_workspaces_count_nothing(signed_in: Client, workspace: Workspace) -> None:
    signed_in.get("/health/")
    signed_in.get("/health/")
    assert not ActiveTime.objects.exists()


def test_owner_logs_outside_time_and_revenue_and_sees_results_per_hour(
    signed_in: Client, workspace: Workspace, x_account: ConnectedAccount
) -> None:
    page = f"/w/{workspace.slug}/insights/money/"
    today = workspace.today().isoformat()
    signed_in.post(page, {"form": "time", "day": today, "activity": "publishing", "minutes": "90"})
    signed_in.post(page, {"form": "time", "day": today, "activity": "inbox", "minutes": "30"})
    signed_in.post(
        page,
        {
            "form": "revenue",
            "day": today,
            "amount": "240.00",
            "network": "x",
            "pillar": "Offers",
            "note": "cake orders from the Friday post",
        },
    )
    now = timezone.now()
    Conversation.objects.create(
        workspace=workspace,
        account=x_account,
        root_external_id="r1",
        contact_handle="ann",
        intent=Intent.LEAD,
        first_message_at=now,
        last_message_at=now,
        first_response_at=now,
    )
    store_posts(
        x_account,
        [ImportedPost("1", "post", now, "Cake!", likes=30, pillar="Offers")],
    )

    post = Post.objects.create(workspace=workspace, text="Cake!", pillar="Offers")
    TrackedLink.objects.create(
        workspace=workspace,
        post=post,
        network="x",
        code="cake1",
        url="https://bakery.example/cakes",
        clicks=18,
    )
    money = where_the_money_is(workspace, workspace.today(), workspace.today() + timedelta(days=1))
    assert money.total.hours == 2.0
    assert (money.total.leads, money.total.revenue) == (1, Decimal("240.00"))
    assert money.total.revenue_per_hour == "£120.00" and money.total.leads_per_hour == "0.5"
    assert (money.total.clicks, money.total.clicks_per_hour) == (18, "9")
    (x_line,) = money.networks
    assert (x_line.name, x_line.hours, x_line.revenue, x_line.engagement) == (
        "X",
        2.0,
        Decimal("240.00"),
        30,
    )
    (offers,) = money.pillars
    assert (offers.name, offers.hours, offers.revenue_per_hour) == ("Offers", 1.5, "£160.00")
    assert offers.clicks == 18
    body = signed_in.get(page).content.decode()
    assert "Where is the money?" in body and "£120.00" in body


def test_revenue_must_be_positive(signed_in: Client, workspace: Workspace) -> None:
    page = f"/w/{workspace.slug}/insights/money/"
    answer = signed_in.post(page, {"form": "revenue", "day": "2026-11-20", "amount": "-5"})
    assert "Enter the amount earned, more than zero." in answer.content.decode()
    assert not Revenue.objects.exists()


def test_days_are_the_workspaces_days_not_utcs(
    signed_in: Client,
    workspace: Workspace,
    x_account: ConnectedAccount,
    time_machine: TimeMachineFixture,
) -> None:
    # 00:30 on Saturday 13 June in London (BST) is still Friday 12 June in UTC.
    time_machine.move_to(datetime(2026, 6, 12, 23, 30, tzinfo=UTC), tick=False)
    assert workspace.today() == date(2026, 6, 13)
    signed_in.get(f"/w/{workspace.slug}/inbox/")
    time_machine.shift(120)
    signed_in.get(f"/w/{workspace.slug}/inbox/")  # two minutes in the inbox, on the 13th
    page = f"/w/{workspace.slug}/insights/money/"
    logged = {"form": "time", "day": "2026-06-10", "activity": "planning", "minutes": "45"}
    signed_in.post(page, logged)
    assert dict(ActiveTime.objects.values_list("day", "seconds")) == {
        date(2026, 6, 13): 120,
        date(2026, 6, 10): 45 * 60,  # the day the owner chose, not today
    }
    answered = datetime(2026, 6, 12, 23, 20, tzinfo=UTC)  # 00:20 on the 13th in London
    Conversation.objects.create(
        workspace=workspace,
        account=x_account,
        root_external_id="r1",
        contact_handle="ann",
        intent=Intent.LEAD,
        first_message_at=answered,
        last_message_at=answered,
        first_response_at=answered,
    )
    on_the_13th = where_the_money_is(workspace, date(2026, 6, 13), date(2026, 6, 14))
    assert (on_the_13th.total.leads, on_the_13th.total.hours) == (1, 120 / 3600)
    assert where_the_money_is(workspace, date(2026, 6, 12), date(2026, 6, 13)).total.leads == 0
