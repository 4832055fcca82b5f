"""Background publishing: the scheduler enqueues these every few seconds / minutes."""

from django_tasks import task

from porch.publishing.engine import publish_due
from porch.publishing.feeds import poll_due_feeds


@task()
def publish_due_posts() -> int:
    """Publish every due post target this worker wins; returns how many went out."""
    return publish_due()


@task()
def poll_feeds() -> int:
    """Check every blog feed for new entries; returns how many drafts were made."""
    return poll_due_feeds()
