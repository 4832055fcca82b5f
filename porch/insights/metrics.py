"""Metrics over time: per-post samples and follower counts, synced through the network seam.

`sync_metrics(account)` first takes in the account's posts published with Porch (the
publishing app's targets with an external id), then asks the network for the counts of
recent posts and the account's followers, storing each as a sample (the time series) and
the latest counts on the post.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from porch.insights.history import store_posts
from porch.insights.importers import ImportedPost
from porch.insights.models import FollowerSample, HistoryPost, MetricSample, PostKind, Source
from porch.insights.whatworks import rebuild_cells
from porch.networks.base import NetworkError, PostMetrics
from porch.networks.sync import client_for
from porch.publishing.models import PostTarget, TargetState
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice

log = logging.getLogger(__name__)

RECENT_DAYS = 30  # networks' counts settle within weeks; older posts are not re-read


@dataclass(frozen=True)
class MetricsReport:
    account: ConnectedAccount
    posts: int = 0
    followers: int | None = None
    error: str = ""

    def line(self) -> str:
        head = f"{self.account}:"
        if self.error:
            return f"{head} {self.error}"
        return f"{head} counts for {self.posts} posts, {self.followers} followers"


def take_in_published(account: ConnectedAccount) -> int:
    """Add the account's posts published with Porch to its history (with their pillar)."""
    targets = (
        PostTarget.objects.filter(
            account=account, state=TargetState.PUBLISHED, published_at__isnull=False
        )
        .exclude(external_id="")
        .select_related("post")
    )
    known = set(
        HistoryPost.objects.filter(account=account, source=Source.PORCH).values_list(
            "external_id", flat=True
        )
    )
    fresh = [
        ImportedPost(
            external_id=t.external_id,
            kind=PostKind.POST,
            published_at=t.published_at,
            text=t.text,
            url=t.url,
            pillar=t.post.pillar,
        )
        for t in targets
        if t.external_id not in known and t.published_at is not None
    ]
    return store_posts(account, fresh, source=Source.PORCH) if fresh else 0


def record(post: HistoryPost, counts: PostMetrics) -> None:
    """Store one sample and the post's latest counts, together."""
    now = timezone.now()
    with transaction.atomic():
        MetricSample.objects.create(
            post=post,
            taken_at=now,
            likes=counts.likes,
            reposts=counts.reposts,
            replies=counts.replies,
            quotes=counts.quotes,
            impressions=counts.impressions,
        )
        HistoryPost.objects.filter(pk=post.pk).update(
            likes=counts.likes,
            reposts=counts.reposts,
            replies=counts.replies,
            quotes=counts.quotes,
            impressions=counts.impressions,
            engagement=counts.likes + counts.reposts + counts.replies + counts.quotes,
            metrics_at=now,
        )


def sync_metrics(account: ConnectedAccount) -> MetricsReport:
    """Sample the counts of the account's recent posts and its followers."""
    take_in_published(account)
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    recent = {
        post.external_id: post
        for post in HistoryPost.objects.filter(account=account, published_at__gte=since).exclude(
            kind=PostKind.REPOST
        )
    }
    try:
        with client_for(account) as client:
            counts = client.post_metrics(list(recent)) if recent else []
            followers = client.account_metrics().followers
    except NetworkError as exc:
        if exc.reconnect:
            Notice.tell(account, "metrics-reconnect", f"Reconnect {account} to keep its numbers.")
        log.info("metrics of %r not synced: %s", account, exc.message)
        return MetricsReport(account, error=exc.message)
    for found in counts:
        if found.external_id in recent:
            record(recent[found.external_id], found)
    FollowerSample.objects.create(account=account, followers=followers)
    rebuild_cells(account)
    return MetricsReport(account, len(counts), followers)


def sync_all_metrics() -> list[MetricsReport]:
    """Every connected account's, the demo's too: its made-up accounts are read from the
    fake network (porch.networks.sync.client_for), so its posts get figures like any."""
    accounts = ConnectedAccount.objects.filter(status=AccountStatus.OK)
    return [sync_metrics(account) for account in accounts.select_related("workspace")]
