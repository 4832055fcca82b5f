from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "porch.inbox"
    verbose_name = "Inbox"
