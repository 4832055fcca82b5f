"""What the health page shows of publishing (registered in PublishingConfig.ready)."""

from datetime import datetime, timedelta

from django.db.models import Q

from porch.publishing.engine import backlog
from porch.publishing.models import PostTarget, TargetState
from porch.workspaces.models import Workspace


def install_figures(now: datetime) -> dict[str, object]:
    """For install admins: targets overdue by a minute or more, and claims past their lease."""
    return {"posts": backlog(now)}


def workspace_figures(workspace: Workspace, now: datetime) -> dict[str, object]:
    """For a workspace's members: its scheduled posts late going out."""
    late = PostTarget.objects.filter(
        post__workspace=workspace,
        state=TargetState.SCHEDULED,
        scheduled_at__lte=now - timedelta(minutes=1),
    ).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    return {"late_posts": late.count()}
