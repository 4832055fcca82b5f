"""The insights Django app: history imports, metrics, what works, time and money, reports."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "porch.insights"
    label = "insights"
    verbose_name = "Insights"
    default_auto_field = "django.db.models.BigAutoField"
