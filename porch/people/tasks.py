"""People's background work: authors become people, follower lists are synced, people who
may be one are suggested for the owner to merge."""

from django_tasks import task

from porch.people import follows, merge, sync
from porch.workspaces.models import Workspace


@task()
def sweep_people() -> int:
    """A person for every new message's and hit's author (porch.people.sync), a bounded
    share of rows a run; how many rows were swept."""
    return sync.sweep(batches=sync.MAX_BATCHES)


@task()
def sync_followers() -> int:
    """The follower sync of each account that is due (porch.people.follows); how many."""
    return len(follows.sync_due())


@task()
def suggest_merges() -> int:
    """New merge suggestions in every workspace (porch.people.merge); how many were made."""
    return sum(merge.suggest_merges(workspace) for workspace in Workspace.objects.iterator())
