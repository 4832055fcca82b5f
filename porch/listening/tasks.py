"""Listening's background work: searches follow the accounts connected after them."""

from django_tasks import task

from porch.listening import relevance
from porch.listening.services import follow_all
from porch.listening.spikes import watch
from porch.workspaces.models import Workspace


@task()
def follow_searches() -> int:
    """Each active search polled on every network it runs on where an account is now
    connected; how many searches."""
    return follow_all()


@task()
def watch_spikes() -> int:
    """Each active search's last 24 hours against its usual day; the alerts sent."""
    return watch()


@task()
def learn_relevance(workspace_id: int) -> bool:
    """The workspace's relevance model, trained again from its marks (porch.listening
    .relevance); whether there is one now."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    return workspace is not None and relevance.learn(workspace)
