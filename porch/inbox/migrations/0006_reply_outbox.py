# Every reply is stored before it is sent (the outbox): ReplyApproval becomes Reply, with
# the claim, lease, retry and idempotency fields publishing's targets have. Helpers' replies
# wait for approval by default, as the Members page says. The data moves in 0007 and the keys
# become unique in 0008: PostgreSQL cannot alter a table in the transaction that updated it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0005_inbox_order_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboxsettings",
            name="helpers_need_approval",
            field=models.BooleanField(default=True),
        ),
        migrations.RemoveIndex(model_name="replyapproval", name="inbox_reply_status_c362f5_idx"),
        migrations.RenameModel(old_name="ReplyApproval", new_name="Reply"),
        migrations.AlterField(
            model_name="reply",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="replies",
                to="inbox.conversation",
            ),
        ),
        migrations.AlterField(
            model_name="reply",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for approval"),
                    ("returned", "Sent back"),
                    ("queued", "Waiting to be sent"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Not sent"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="reply",
            name="comment",
            field=models.TextField(blank=True, help_text="why an owner or manager sent it back"),
        ),
        migrations.AlterField(
            model_name="reply",
            name="sent",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="from_reply",
                to="inbox.message",
            ),
        ),
        migrations.AddField(
            model_name="reply",
            name="in_reply_to",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="reply",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="reply",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reply",
            name="attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="reply",
            name="check_first",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="reply",
            name="retry_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reply",
            name="error",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="reply",
            name="idempotency_key",
            field=models.UUIDField(null=True, editable=False),
        ),
    ]
