from django.apps import AppConfig
from django.conf import settings


class NetworksConfig(AppConfig):
    name = "porch.networks"
    verbose_name = "Networks"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.core.worker import register_consumer
        from porch.networks.firehose import start_firehoses
        from porch.networks.streams import start_streams

        # Every second, so an account due for a sync waits at most a second (inbox_flag_p95).
        register(Periodic("sync-due-accounts", "porch.networks.tasks.sync_due_accounts", 1))
        register_network_jobs(demo=settings.DEMO_CUSTOMER)

        # Each worker listens to the networks that stream notifications.
        register_consumer(start_streams)
        # With settings.FIREHOSE, each worker stands by to read the networks' firehoses.
        register_consumer(start_firehoses)

        from porch.core.health import register_check
        from porch.networks import health

        # The health page's stream figures: who reads it, its lag, rate, gap, last error.
        register_check(install=health.install_figures)


def register_network_jobs(demo: bool) -> None:
    """Each network's own periodic jobs; the demo network's (the fake network's made-up
    customer) only with `demo`: settings.DEMO_CUSTOMER, or `porch demo` before it serves."""
    from porch.core.scheduler import Periodic, register
    from porch.networks.registry import descriptors

    for network in descriptors():
        if network.name == settings.DEMO_NETWORK and not demo:
            continue
        for name, task_path, interval in network.periodic:
            register(Periodic(name, task_path, interval))
