from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "porch.networks"
    verbose_name = "Networks"
