"""The inbox's alert webhook becomes a webhook endpoint: urgent complaints and spikes, signed
with a fresh secret of its own; a workspace without one gets none."""

import base64

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from porch.api.models import WebhookEndpoint
from porch.workspaces import services
from porch.workspaces.models import Notice, Workspace

BEFORE = [("inbox", "0014_by_author"), ("api", "0001_initial")]


def migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_an_alert_webhook_becomes_an_endpoint_for_urgent_alerts(
    workspace: Workspace, owner: User
) -> None:
    quiet = services.create_workspace(owner, "Quiet Cafe", "Europe/London")
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    settings = old.get_model("inbox", "InboxSettings")
    settings.objects.create(workspace_id=workspace.pk, alert_webhook="https://hooks.example/a")
    settings.objects.create(workspace_id=quiet.pk, alert_webhook="")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # every app's latest
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.workspace_id == workspace.pk
    assert endpoint.url == "https://hooks.example/a"
    assert endpoint.description == "Alerts (moved from the inbox settings)"
    assert endpoint.event_types == ["complaint.arrived", "listening.spike"]
    assert endpoint.only_urgent and endpoint.active
    secret = endpoint.secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    told = Notice.objects.get(key="alert-webhook-moved")  # the receiver's format changed
    assert told.workspace_id == workspace.pk and "signed" in told.text


@pytest.mark.django_db(transaction=True)
def test_undone_the_endpoint_is_the_alert_webhook_again(workspace: Workspace) -> None:
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    old.get_model("inbox", "InboxSettings").objects.create(
        workspace_id=workspace.pk, alert_webhook="https://hooks.example/a"
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    back = migrate(BEFORE).loader.project_state(BEFORE).apps
    assert back.get_model("api", "WebhookEndpoint").objects.count() == 0
    assert back.get_model("inbox", "InboxSettings").objects.get().alert_webhook == (
        "https://hooks.example/a"
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
