# The inbox's stored order (rank, rank_urgency) and the indexes that serve the queue.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0004_inbox_settings_approval"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="conversation",
            name="inbox_conve_workspa_b63ed6_idx",
        ),
        migrations.AddField(
            model_name="conversation",
            name="rank",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(intent="complaint", status="open", then=models.Value(0)),
                    models.When(intent__in=["question", "lead"], then=models.Value(1)),
                    default=models.Value(2),
                ),
                output_field=models.SmallIntegerField(),
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="rank_urgency",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(intent="complaint", then=models.F("urgency")),
                    default=models.Value(0.0),
                ),
                output_field=models.FloatField(),
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["workspace", "status", "rank", "-rank_urgency", "first_message_at"],
                name="inbox_queue_by_status",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["workspace", "rank", "-rank_urgency", "first_message_at"],
                name="inbox_queue_all",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=[
                    "workspace",
                    "intent",
                    "status",
                    "rank",
                    "-rank_urgency",
                    "first_message_at",
                ],
                name="inbox_queue_by_intent",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["account", "status", "rank", "-rank_urgency", "first_message_at"],
                name="inbox_queue_by_account",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["conversation", "-sent_at"], name="inbox_latest_in_conversation"
            ),
        ),
    ]
