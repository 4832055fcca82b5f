from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "porch.core"
    verbose_name = "Porch core"
