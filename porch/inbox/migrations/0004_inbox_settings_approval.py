# Inbox settings page (time zone, helpers' replies need approval) and reply approvals.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import porch.workspaces.models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0003_conversation_alerted_at_inboxsettings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="inboxsettings",
            name="helpers_need_approval",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="inboxsettings",
            name="timezone",
            field=models.CharField(
                blank=True,
                max_length=64,
                validators=[porch.workspaces.models.validate_timezone],
            ),
        ),
        migrations.CreateModel(
            name="ReplyApproval",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for approval"),
                            ("sending", "Being sent"),
                            ("sent", "Approved and sent"),
                            ("returned", "Sent back"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                (
                    "comment",
                    models.TextField(
                        blank=True, help_text="why it was sent back, or why sending failed"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="approvals",
                        to="inbox.conversation",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "sent",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="approval",
                        to="inbox.message",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["status", "conversation"], name="inbox_reply_status_c362f5_idx"
                    )
                ],
            },
        ),
    ]
