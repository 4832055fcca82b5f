from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "porch.workspaces"
    verbose_name = "Workspaces"
