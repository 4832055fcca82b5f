"""One sync state per (account, source): an account's stored cursor becomes its incoming one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from porch.networks.models import INCOMING, SyncState
from porch.networks.poller import SEARCH, follow
from porch.workspaces.models import ConnectedAccount, Workspace

BEFORE = [("networks", "0002_sync_lease_and_wake")]


def migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_an_accounts_cursor_is_kept_as_its_incoming_cursor(workspace: Workspace) -> None:
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    account = old.get_model("workspaces", "ConnectedAccount").objects.create(
        workspace_id=workspace.pk, network="bluesky", handle="shop.test"
    )
    old.get_model("networks", "SyncState").objects.create(
        account_id=account.pk, cursor="c42", interval=300
    )

    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    state = SyncState.objects.get(account_id=account.pk)
    assert (state.source, state.key, state.cursor, state.interval) == (INCOMING, "", "c42", 300)
    search = follow(ConnectedAccount.objects.get(pk=account.pk), SEARCH, "cakes")
    assert search.cursor == "" and SyncState.objects.filter(account_id=account.pk).count() == 2
