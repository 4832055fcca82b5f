from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "porch.publishing"
    verbose_name = "Publishing"
