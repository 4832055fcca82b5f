"""Metrics over time: each sync stores a sample per post and the follower count."""

from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.utils import timezone

from porch.insights import metrics
from porch.insights.history import store_posts
from porch.insights.importers import ImportedPost
from porch.insights.models import FollowerSample, HistoryPost, MetricSample
from porch.insights.whatworks import what_works
from porch.networks.base import AccountMetrics, NetworkError, PostMetrics
from porch.publishing.models import Post, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Notice

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)


class Counts:
    """Answers the seam's two metrics calls with the shapes the networks' clients return."""

    def __init__(self, likes: int, followers: int, fail: NetworkError | None = None) -> None:
        self.likes, self.followers, self.fail = likes, followers, fail

    def post_metrics(self, external_ids: Sequence[str]) -> list[PostMetrics]:
        if self.fail:
            raise self.fail
        return [
            PostMetrics(i, likes=self.likes, reposts=1, replies=2, impressions=None)
            for i in external_ids
        ]

    def account_metrics(self) -> AccountMetrics:
        return AccountMetrics(followers=self.followers)

    def __enter__(self) -> "Counts":
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


@pytest.fixture
def recent(x_account: ConnectedAccount) -> ConnectedAccount:
    now = timezone.now()
    store_posts(
        x_account,
        [
            ImportedPost("500", "post", now - timedelta(days=2), "New rye"),
            ImportedPost("400", "post", now - timedelta(days=90), "Old news", likes=7),
        ],
    )
    return x_account


def test_each_sync_adds_samples_and_followers(recent: ConnectedAccount, monkeypatch) -> None:
    monkeypatch.setattr(metrics, "client_for", lambda account: Counts(5, 120))
    metrics.sync_metrics(recent)
    monkeypatch.setattr(metrics, "client_for", lambda account: Counts(9, 131))
    report = metrics.sync_metrics(recent)

    assert report.line() == "X cornerbakery: counts for 1 posts, 131 followers"
    fresh = HistoryPost.objects.get(account=recent, external_id="500")
    assert [s.likes for s in MetricSample.objects.filter(post=fresh).order_by("taken_at")] == [5, 9]
    assert (fresh.likes, fresh.engagement) == (9, 12)
    assert HistoryPost.objects.get(external_id="400").likes == 7  # old posts are not re-read
    assert list(
        FollowerSample.objects.filter(account=recent)
        .values_list("followers", flat=True)
        .order_by("taken_at")
    ) == [120, 131]
    assert {s.title: s for s in what_works(recent.workspace)}["Network"].findings[
        0
    ].mean == 9.5  # (12 + 7) / 2: cells rebuilt


def test_posts_published_with_porch_join_the_history_with_their_pillar(
    x_account: ConnectedAccount, monkeypatch
) -> None:
    post = Post.objects.create(workspace=x_account.workspace, text="Pie day", pillar="Offers")
    PostTarget.objects.create(
        post=post,
        account=x_account,
        text="Pie day",
        external_id="777",
        state=TargetState.PUBLISHED,
        published_at=timezone.now(),
    )
    monkeypatch.setattr(metrics, "client_for", lambda account: Counts(4, 10))
    metrics.sync_metrics(x_account)
    metrics.sync_metrics(x_account)
    stored = HistoryPost.objects.get(account=x_account, external_id="777")
    assert (stored.source, stored.pillar, stored.likes) == ("porch", "Offers", 4)
    assert HistoryPost.objects.filter(account=x_account).count() == 1


def test_revoked_credentials_open_a_notice_and_store_nothing(
    recent: ConnectedAccount, monkeypatch
) -> None:
    gone = NetworkError("The token was revoked.", permanent=True, reconnect=True)
    monkeypatch.setattr(metrics, "client_for", lambda account: Counts(1, 1, fail=gone))
    assert metrics.sync_metrics(recent).error == "The token was revoked."
    assert not MetricSample.objects.exists() and not FollowerSample.objects.exists()
    assert Notice.objects.filter(account=recent, key="metrics-reconnect").exists()
