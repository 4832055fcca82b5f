"""Background polls: the scheduler enqueues this every second."""

from django_tasks import task

from porch.networks.poller import claim_due, poll


@task()
def sync_due_accounts() -> int:
    """Poll every (account, source) whose turn has come; returns how many new items arrived."""
    return sum(poll(state).new for state in claim_due())
