from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "porch.networks"
    verbose_name = "Networks"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.core.worker import register_consumer
        from porch.networks.registry import descriptors
        from porch.networks.streams import start_streams

        # Every second, so an account due for a sync waits at most a second (inbox_flag_p95).
        register(Periodic("sync-due-accounts", "porch.networks.tasks.sync_due_accounts", 1))
        for network in descriptors():  # a network's own jobs (the fake's made-up customer)
            for name, task_path, interval in network.periodic:
                register(Periodic(name, task_path, interval))

        # Each worker listens to the networks that stream notifications.
        register_consumer(start_streams)
