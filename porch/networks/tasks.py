"""Background syncs: the scheduler enqueues this every few seconds."""

from django_tasks import task

from porch.networks.sync import claim_due, sync_account


@task()
def sync_due_accounts() -> int:
    """Sync every account whose turn has come; returns how many new messages arrived."""
    return sum(sync_account(state.account, state).new for state in claim_due())
