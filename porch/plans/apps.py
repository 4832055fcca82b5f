"""The plans Django app: the readiness workshop and the plan."""

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "porch.plans"
    label = "plans"
    verbose_name = "Plans"
    default_auto_field = "django.db.models.BigAutoField"
