"""The pages that read several apps: a workspace's dashboard and the health of background work.

A face, like porch/urls.py and porch/cli.py: it sits above the features and reads them;
no feature imports it. It has no models.
"""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "porch.dashboard"
    verbose_name = "Dashboard"
