# The outbox's data (see 0006): one idempotency key per stored reply, a reply cut off while
# sending is checked first, and helpers' replies wait for approval. A migration of its own:
# PostgreSQL cannot alter a table in the transaction that updated its rows.

import uuid

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def give_keys(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """One idempotency key per stored reply; one cut off while sending is checked first."""
    reply = apps.get_model("inbox", "Reply")
    for pk in reply.objects.values_list("pk", flat=True):
        reply.objects.filter(pk=pk).update(idempotency_key=uuid.uuid4())
    reply.objects.filter(status="sending").update(status="queued", check_first=True)


def helpers_wait(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The setting only ever held the old default: make it say what the Members page says."""
    apps.get_model("inbox", "InboxSettings").objects.update(helpers_need_approval=True)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0006_reply_outbox"),
    ]

    operations = [
        migrations.RunPython(helpers_wait, migrations.RunPython.noop),
        migrations.RunPython(give_keys, migrations.RunPython.noop),
    ]
