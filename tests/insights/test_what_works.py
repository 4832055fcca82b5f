"""What works: engagement per group with the posts behind it, and best times to post."""

from datetime import UTC, datetime, timedelta

import pytest

from porch.insights.history import store_posts
from porch.insights.importers import ImportedPost
from porch.insights.whatworks import (
    Finding,
    best_times,
    heat_map,
    suggested_slots,
    what_works,
)
from porch.workspaces.models import ConnectedAccount

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # London is on UTC in November


def posts_at(
    hour: int, weekday: int, count: int, likes: int, start: int, **extra: object
) -> list[ImportedPost]:
    return [
        ImportedPost(
            external_id=str(start + n),
            kind="post",
            published_at=MONDAY + timedelta(days=weekday + 7 * n, hours=hour),
            text=str(extra.get("text", "Fresh bread")),
            likes=likes + n % 3,
            pillar=str(extra.get("pillar", "")),
        )
        for n in range(count)
    ]


def section(account: ConnectedAccount, title: str) -> dict[str, Finding]:
    found = {s.title: s for s in what_works(account.workspace, account)}[title]
    return {f.label: f for f in found.findings}


def test_groups_show_posts_behind_them_and_no_claim_below_ten(x_account: ConnectedAccount) -> None:
    store_posts(
        x_account,
        posts_at(9, 0, 12, 20, 0, pillar="Behind the scenes")
        + posts_at(15, 2, 12, 2, 100, pillar="Offers", text="20% off today? Come in")
        + posts_at(20, 4, 4, 50, 200, pillar="Offers"),
    )
    pillars = section(x_account, "Content pillar")
    behind = pillars["Behind the scenes"]
    assert behind.posts == 12 and behind.enough
    assert behind.low < behind.mean == 21.0 < behind.high  # likes 20,21,22 repeating
    assert pillars["Offers"].posts == 16
    hours = section(x_account, "Hour of the day")
    assert hours["20:00"].posts == 4
    assert hours["20:00"].summary() == "not enough posts yet (4 of 10)"
    questions = section(x_account, "Questions")
    assert questions["Asking a question"].posts == 12


def test_reposts_of_others_are_left_out(x_account: ConnectedAccount) -> None:
    repost = ImportedPost("9", "repost", MONDAY, "RT @mill: flour", likes=1000)
    store_posts(x_account, [*posts_at(9, 0, 10, 5, 0), repost])
    assert section(x_account, "Network")["X"].posts == 10


def test_best_times_need_enough_posts_and_feed_suggested_slots(x_account: ConnectedAccount) -> None:
    assert best_times(x_account) == []
    store_posts(
        x_account,
        posts_at(9, 0, 10, 30, 0) + posts_at(15, 2, 10, 3, 100) + posts_at(18, 5, 3, 900, 200),
    )
    # Saturday 18:00 has huge numbers but only three posts behind it: no claim.
    assert best_times(x_account) == [(0, 9), (2, 15)]
    after = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
    slots = suggested_slots(x_account, after, count=2)
    assert [(s.weekday(), s.hour) for s in slots] == [(2, 15), (0, 9)]
    assert slots[0].date().isoformat() == "2026-11-18"
    grid = heat_map(x_account.workspace, x_account)
    assert grid[0][9] == pytest.approx(30.9) and grid[1][9] is None  # 30,31,32,30,...
