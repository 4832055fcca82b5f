# The inbox's alert webhook becomes a webhook endpoint of the API: per inbox settings with
# one, an endpoint subscribed to urgent complaints and listening's spikes (only the urgent
# ones, as the alert webhook was told), with a fresh signing secret. It runs before the inbox
# drops the field (inbox 0015), so the inbox never names the API.

import base64
import secrets

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from porch.workspaces import secrets as secretbox

DESCRIPTION = "Alerts (moved from the inbox settings)"
EVENT_TYPES = ["complaint.arrived", "listening.spike"]
NOTICE = (
    "Your alert webhook moved to the Webhooks page (API): its messages are now signed and "
    "shaped {type, timestamp, data}; see its signing secret there and update the receiver."
)


def new_secret() -> str:
    """As porch.api.hooks.signing.new_secret: "whsec_" and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def move_alert_webhooks(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    settings = apps.get_model("inbox", "InboxSettings")
    endpoint = apps.get_model("api", "WebhookEndpoint")
    notice = apps.get_model("workspaces", "Notice")
    for workspace_id, url in settings.objects.exclude(alert_webhook="").values_list(
        "workspace_id", "alert_webhook"
    ):
        endpoint.objects.create(
            workspace_id=workspace_id,
            url=url,
            description=DESCRIPTION,
            event_types=EVENT_TYPES,
            only_urgent=True,
            secret_encrypted=secretbox.encrypt({"secret": new_secret()}),
        )
        # The receiver got the old shape, unsigned: the owner hears of the change.
        notice.objects.create(workspace_id=workspace_id, key="alert-webhook-moved", text=NOTICE)


def move_back(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Undone: the moved endpoints become the inbox settings' alert webhook again."""
    settings = apps.get_model("inbox", "InboxSettings")
    endpoint = apps.get_model("api", "WebhookEndpoint")
    moved = endpoint.objects.filter(description=DESCRIPTION, only_urgent=True)
    for workspace_id, url in moved.values_list("workspace_id", "url"):
        settings.objects.filter(workspace_id=workspace_id).update(alert_webhook=url)
    moved.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("inbox", "0014_by_author"),
        ("workspaces", "0004_network_choices_from_settings"),
    ]
    run_before = [
        ("inbox", "0015_drop_alert_webhook"),
    ]

    operations = [
        migrations.RunPython(move_alert_webhooks, move_back),
    ]
