from django.db import migrations


class Migration(migrations.Migration):
    # The listening app's 0002 copies the plan's searches into listening.Search first.
    dependencies = [
        ("listening", "0002_searches_from_plans"),
        ("plans", "0002_network_choices_from_settings"),
    ]

    operations = [migrations.DeleteModel(name="ListeningSearch")]
