"""The insights Django app: history imports, metrics, what works, time and money, reports."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "porch.insights"
    label = "insights"
    verbose_name = "Insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.core.worker import on_taken_back
        from porch.insights.history import import_taken_back

        # An import whose worker died resumes, or says "upload again" and its file goes.
        on_taken_back("porch.insights.tasks.import_history", import_taken_back)
        register(Periodic("sync-metrics", "porch.insights.tasks.sync_metrics", 3600))
        register(Periodic("weekly-reports", "porch.insights.tasks.weekly_reports", 3600))

        from porch.core.health import register_check
        from porch.insights import health

        # The health page's history imports of the last week.
        register_check(workspace=health.workspace_figures)
