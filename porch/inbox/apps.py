from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "porch.inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.inbox.ingest import store_incoming
        from porch.networks.sync import register_incoming_sink

        # Synced mentions, replies and messages arrive in the inbox.
        register_incoming_sink(store_incoming)

        # Replies that could not go out at once are retried by the workers.
        register(Periodic("send-due-replies", "porch.inbox.tasks.send_due_replies", 5))
