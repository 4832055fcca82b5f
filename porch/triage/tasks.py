"""Background triage work: retraining a workspace's model after corrections."""

from typing import Any

from django_tasks import task

from porch.triage.services import retrain_if_new
from porch.workspaces.models import Workspace


@task()
def retrain_workspace_model(workspace_id: int, force: bool = False) -> dict[str, Any]:
    """Retrain one workspace's model unless its newest version learnt from every correction;
    returns that version, whether promoted and metrics (nothing without corrections)."""
    workspace = Workspace.objects.get(pk=workspace_id)
    record = retrain_if_new(workspace, force)
    if record is None:
        return {}
    return {"version": record.version, "promoted": record.promoted, "metrics": record.metrics}
