from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0003_spike_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="hit",
            name="judged_irrelevant",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="hit",
            index=models.Index(
                condition=models.Q(("judged_irrelevant", True)),
                fields=["workspace"],
                name="listening_judged_irrelevant",
            ),
        ),
    ]
