from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "porch.api"
    verbose_name = "API and webhooks"

    def ready(self) -> None:
        from porch.api.hooks import outbox
        from porch.api.privacy import erase_events
        from porch.core.events import register_event_type, register_listener
        from porch.core.scheduler import Periodic, register
        from porch.people.privacy import register_erasure

        # Every event the features emit is kept for the endpoints that want it, in the
        # emitter's transaction; webhooks go out (and are retried) every few seconds.
        register_listener(outbox.record)
        register_event_type(outbox.TEST)
        register(Periodic("deliver-webhooks", "porch.api.tasks.deliver_webhooks", 5))
        # Idempotency-Keys are kept 24 hours.
        register(Periodic("api-prune", "porch.api.tasks.prune_idempotency_keys", 3600))
        # Erasing a person deletes the events that name them, before any is sent again.
        register_erasure(erase_events)
