"""The triage Django app: corrections and per-workspace models."""

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "porch.triage"
    label = "triage"
    verbose_name = "Triage"
    default_auto_field = "django.db.models.BigAutoField"
