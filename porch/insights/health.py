"""What the health page shows of insights (registered in InsightsConfig.ready)."""

from datetime import datetime, timedelta

from porch.insights.models import HistoryImport
from porch.workspaces.models import Workspace


def workspace_figures(workspace: Workspace, now: datetime) -> dict[str, object]:
    """For a workspace's members: its history imports of the last week."""
    recent = now - timedelta(days=7)
    imports = HistoryImport.objects.filter(account__workspace=workspace).select_related("account")
    return {"imports": imports.filter(created_at__gte=recent).order_by("-created_at")[:10]}
