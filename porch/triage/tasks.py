"""Background triage work: retraining a workspace's model after corrections."""

from typing import Any

from django_tasks import task

from porch.triage.services import retrain_workspace
from porch.workspaces.models import Workspace


@task()
def retrain_workspace_model(workspace_id: int) -> dict[str, Any]:
    """Retrain one workspace's model; returns its version, whether promoted and metrics."""
    workspace = Workspace.objects.get(pk=workspace_id)
    record = retrain_workspace(workspace)
    return {"version": record.version, "promoted": record.promoted, "metrics": record.metrics}
