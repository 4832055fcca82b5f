from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "porch.api"
    verbose_name = "API and webhooks"

    def ready(self) -> None:
        # WEBHOOKS: register the events listener (the outbox) and the delivery job here.
        pass
