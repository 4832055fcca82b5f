from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "porch.core"
    verbose_name = "Porch core"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register

        register(Periodic("prune-finished-tasks", "porch.core.tasks.prune_finished_tasks", 3600))
