"""What the health page shows of the inbox (registered in InboxConfig.ready)."""

from datetime import datetime

from porch.inbox.models import Reply, ReplyStatus
from porch.workspaces.models import Workspace


def workspace_figures(workspace: Workspace, now: datetime) -> dict[str, object]:
    """For a workspace's members: replies waiting to be sent, and those that could not be."""
    replies = Reply.objects.filter(conversation__workspace=workspace)
    return {
        "replies_waiting": replies.filter(
            status__in=[ReplyStatus.QUEUED, ReplyStatus.SENDING]
        ).count(),
        "replies_failed": replies.filter(status=ReplyStatus.FAILED)
        .select_related("conversation")
        .order_by("-created_at")[:10],
    }
