# The outbox's idempotency keys are unique, and replies are found by status (see 0006, 0007).

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_reply_outbox_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reply",
            name="idempotency_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["status", "conversation"], name="inbox_reply_by_status"),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["status", "retry_at"], name="inbox_reply_due"),
        ),
    ]
