"""Influence over a period: impressions, engagement rate, amplification, follower growth,
and from the inbox (read only) how fast the team answered and how people felt."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from porch.inbox.models import Conversation, Message, MessageKind
from porch.insights.models import FollowerSample, HistoryPost
from porch.insights.whatworks import own_posts
from porch.workspaces.models import Workspace


@dataclass(frozen=True)
class Influence:
    posts: int
    engagement: int
    impressions: int | None  # None when no network told
    reposts: int
    follower_change: int | None
    followers: int | None
    response_minutes: list[float]
    answered: int
    unanswered: int

    @property
    def engagement_rate(self) -> float | None:
        """Engagement per impression, where impressions are known."""
        return self.engagement / self.impressions if self.impressions else None

    @property
    def amplification(self) -> float | None:
        """Reposts per post: how far others carried the posts."""
        return self.reposts / self.posts if self.posts else None

    @property
    def median_response(self) -> float | None:
        return median(self.response_minutes) if self.response_minutes else None


def influence(workspace: Workspace, start: datetime, end: datetime) -> Influence:
    posts = own_posts(workspace).filter(published_at__gte=start, published_at__lt=end)
    sums = posts.aggregate(n=Count("id"), e=Sum("engagement"), r=Sum("reposts"))
    shown = posts.filter(impressions__isnull=False).aggregate(i=Sum("impressions"))["i"]
    conversations = Conversation.objects.filter(
        workspace=workspace, first_message_at__gte=start, first_message_at__lt=end
    )
    answered = conversations.filter(first_response_at__isnull=False)
    waits = [
        (reply - first).total_seconds() / 60
        for first, reply in answered.values_list("first_message_at", "first_response_at")
        if reply is not None
    ]
    change, followers = follower_change(workspace, start, end)
    return Influence(
        posts=sums["n"],
        engagement=sums["e"] or 0,
        impressions=shown,
        reposts=sums["r"] or 0,
        follower_change=change,
        followers=followers,
        response_minutes=sorted(waits),
        answered=len(waits),
        unanswered=conversations.filter(first_response_at__isnull=True).count(),
    )


def follower_change(
    workspace: Workspace, start: datetime, end: datetime
) -> tuple[int | None, int | None]:
    """(growth over the period, followers at its end), summed over the workspace's accounts."""
    change, total, seen = 0, 0, False
    for account in workspace.accounts.all():
        samples = FollowerSample.objects.filter(account=account, taken_at__lt=end)
        last = samples.order_by("-taken_at").first()
        first = samples.filter(taken_at__lte=start).order_by("-taken_at").first() or (
            samples.filter(taken_at__gte=start).order_by("taken_at").first()
        )
        if last and first:
            change += last.followers - first.followers
            total += last.followers
            seen = True
    return (change, total) if seen else (None, None)


def daily_engagement(
    workspace: Workspace, start: datetime, end: datetime
) -> list[tuple[date, int, int]]:
    """(day, posts, engagement) for each day with posts in the period; days are those of
    `start`'s time zone (the workspace's), not UTC's."""
    rows = (
        HistoryPost.objects.filter(
            workspace=workspace, published_at__gte=start, published_at__lt=end
        )
        .exclude(kind="repost")
        .annotate(day=TruncDate("published_at", tzinfo=start.tzinfo))
        .values("day")
        .annotate(n=Count("id"), e=Sum("engagement"))
        .order_by("day")
    )
    return [(row["day"], row["n"], row["e"] or 0) for row in rows]


def daily_sentiment(
    workspace: Workspace, start: datetime, end: datetime
) -> dict[date, dict[str, int]]:
    """Messages received per day (in `start`'s time zone) and sentiment (negative, neutral,
    positive)."""
    days: dict[date, dict[str, int]] = {}
    day = start.date()
    while day < end.date():
        days[day] = {"negative": 0, "neutral": 0, "positive": 0}
        day += timedelta(days=1)
    rows = (
        Message.objects.filter(workspace=workspace, sent_at__gte=start, sent_at__lt=end)
        .exclude(kind=MessageKind.OURS)
        .annotate(day=TruncDate("sent_at", tzinfo=start.tzinfo))
        .values("day", "sentiment")
        .annotate(n=Count("id"))
    )
    for row in rows:
        days.setdefault(row["day"], {"negative": 0, "neutral": 0, "positive": 0})[
            row["sentiment"]
        ] = row["n"]
    return days
