"""The plan's stored searches (one row per query and network) become listening searches:
one per query and kind, on those of its networks that can search."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from porch.listening.models import Search
from porch.workspaces.models import Workspace

BEFORE = [("listening", "0001_initial"), ("plans", "0002_network_choices_from_settings")]


def migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_plans_searches_are_copied_once_per_query(workspace: Workspace) -> None:
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    stored = old.get_model("plans", "ListeningSearch")
    for network in ("x", "bluesky", "facebook"):
        stored.objects.create(
            workspace_id=workspace.pk, query='"Big Bread Co"', kind="competitor", network=network
        )
    stored.objects.create(workspace_id=workspace.pk, query="rye", kind="product", network="x")
    stored.objects.create(
        workspace_id=workspace.pk, query="pages", kind="brand", network="facebook"
    )
    stored.objects.create(workspace_id=workspace.pk, query='"12" pizza"', kind="niche", network="x")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    found = {(s.query, s.kind): s.networks for s in Search.objects.filter(workspace=workspace)}
    assert found == {
        ('"Big Bread Co"', "competitor"): ["x", "bluesky"],
        ("rye", "product"): ["x"],
        ('"12" pizza"', "niche"): ["x"],
    }
    paused = Search.objects.filter(workspace=workspace, active=False)
    assert [search.query for search in paused] == ['"12" pizza"']  # the parser refuses it
