"""The plans Django app: the readiness workshop and the plan."""

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "porch.plans"
    label = "plans"
    verbose_name = "Plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register

        register(Periodic("weekly-plan-review", "porch.plans.tasks.weekly_plan_reviews", 3600))
        register(Periodic("peer-ranking", "porch.plans.tasks.rank_peers_everywhere", 86400))
