"""Background publishing: the scheduler enqueues these every few seconds / minutes."""

from typing import Any

from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskException

from porch.publishing.engine import publish_due
from porch.publishing.feeds import fetch_for_drafts as fetch_address_for_drafts
from porch.publishing.feeds import poll_due_feeds


@task()
def publish_due_posts() -> int:
    """Publish every due post target this worker wins; returns how many went out."""
    return publish_due()


@task()
def poll_feeds() -> int:
    """Check every blog feed for new entries; returns how many drafts were made."""
    return poll_due_feeds()


@task()
def fetch_for_drafts(workspace_id: int, kind: str, url: str) -> dict[str, str | int]:
    """Fetch an address the owner gave on the Feeds page ("feed" or "newsletter")."""
    return fetch_address_for_drafts(workspace_id, kind, url)


def fetch_status(workspace_id: int, job_id: str) -> dict[str, Any] | None:
    """A `fetch_for_drafts` job of this workspace: kind, url, done, and its outcome once done.

    None when there is no such job, or it belongs to another workspace.
    """
    try:
        job = fetch_for_drafts.get_result(job_id)
    except TaskException:  # no such job, or another task's
        return None
    if job.args[:1] != [workspace_id]:
        return None
    outcome: dict[str, Any] = {}
    if job.status == TaskResultStatus.SUCCESSFUL:
        outcome = dict(job.return_value or {})
    elif job.status == TaskResultStatus.FAILED:
        outcome = {"error": "Porch could not fetch that address: try again in a while."}
    kind, url = job.args[1], job.args[2]
    return {"id": job.id, "kind": kind, "url": url, "done": job.is_finished, **outcome}
