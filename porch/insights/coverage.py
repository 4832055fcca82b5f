"""How much the insights pages have to go on: posts that went out, and those Porch has
figures for. Posts published with Porch count at once, before the hourly metrics sync
(porch.insights.metrics) takes them into the history; the pages say what is missing
rather than drawing an empty chart."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from porch.insights.models import Source
from porch.insights.whatworks import MIN_POSTS, own_posts
from porch.publishing.models import PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace

SYNC_EVERY = "hour"  # the metrics sync's period (porch.insights.apps registers it hourly)
RATE_DAYS = 28  # posts a week are counted over the last four weeks


@dataclass(frozen=True)
class Coverage:
    published: int  # posts that went out: imported history and posts published with Porch
    measured: int  # of them, the posts Porch has likes and reposts for
    per_week: float  # posts a week lately (the last four weeks)

    @property
    def waiting(self) -> int:
        return self.published - self.measured

    def figures_line(self) -> str:
        """What Porch has figures for, in a sentence; "" when it has them all."""
        if not self.waiting:
            return ""
        posts = f"{self.published} post{'' if self.published == 1 else 's'} published"
        return (
            f"{posts}, Porch has figures for {self.measured} of them yet: it fetches likes "
            f"and reposts every {SYNC_EVERY}, so they show here soon."
        )

    def weeks_to(self, needed: int = MIN_POSTS) -> int | None:
        """Weeks of posting at the recent pace until `needed` posts; None without a pace."""
        missing = needed - self.measured
        if missing <= 0:
            return 0
        return math.ceil(missing / self.per_week) if self.per_week > 0 else None

    def needs_line(self, needed: int = MIN_POSTS) -> str:
        """What What works needs before it can say anything, in a sentence."""
        have = f"you have {self.measured} with figures" if self.published else "you have none yet"
        weeks = self.weeks_to(needed)
        when = (
            f" — keep posting and check back in about {weeks} week{'' if weeks == 1 else 's'}"
            if weeks
            else " — import your history or keep posting and check back"
        )
        return f"What works needs {needed} posts in a group; {have}{when}."


def _published_targets(
    workspace: Workspace, account: ConnectedAccount | None, since: datetime | None
) -> list[tuple[int, str]]:
    """(account, external id) of the targets published with Porch."""
    found = PostTarget.objects.filter(
        post__workspace=workspace, state=TargetState.PUBLISHED, published_at__isnull=False
    ).exclude(external_id="")
    if account is not None:
        found = found.filter(account=account)
    if since is not None:
        found = found.filter(published_at__gte=since)
    return list(found.values_list("account_id", "external_id"))


def coverage(
    workspace: Workspace, account: ConnectedAccount | None = None, now: datetime | None = None
) -> Coverage:
    """Posts out, posts measured, and the recent pace, for the workspace or one account."""
    now = now or timezone.now()
    since = now - timedelta(days=RATE_DAYS)
    posts = own_posts(workspace, account)
    known = set(posts.values_list("account_id", "external_id"))
    unseen = [t for t in _published_targets(workspace, account, None) if t not in known]
    recent_unseen = [t for t in _published_targets(workspace, account, since) if t not in known]
    measured = posts.filter(Q(metrics_at__isnull=False) | ~Q(source=Source.PORCH)).count()
    recent = posts.filter(published_at__gte=since, published_at__lte=now).count()
    return Coverage(
        published=posts.count() + len(unseen),
        measured=measured,
        per_week=(recent + len(recent_unseen)) * 7 / RATE_DAYS,
    )
