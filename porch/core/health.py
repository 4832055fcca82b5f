"""The figures of the health page: the install's background work, and each workspace's.

Core knows the workers, the queue, the failed tasks and the periodic jobs. A feature with
background work of its own adds its figures from its AppConfig.ready(), so core collects
them without importing it (the pages are porch/dashboard/views.py):

    register_check(install=..., workspace=...)

`install(now)` gives figures for the install admins' page (publishing: posts overdue);
`workspace(workspace, now)` gives one workspace's, for its members (publishing: late
posts; inbox: replies not sent; insights: recent imports). Each returns a dict whose keys
the health templates show; a key no installed app gives is simply absent.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.core.models import PeriodicJob, WorkerHeartbeat

InstallFigures = Callable[[datetime], dict[str, object]]
# (a porch.workspaces Workspace, now): core sits below workspaces and does not name it.
WorkspaceFigures = Callable[[Any, datetime], dict[str, object]]

# Filled by the apps: each app's AppConfig.ready() registers its own figures.
INSTALL_FIGURES: list[InstallFigures] = []
WORKSPACE_FIGURES: list[WorkspaceFigures] = []


def register_check(
    install: InstallFigures | None = None, workspace: WorkspaceFigures | None = None
) -> None:
    """Add an app's figures; registering the same function again changes nothing."""
    if install is not None and install not in INSTALL_FIGURES:
        INSTALL_FIGURES.append(install)
    if workspace is not None and workspace not in WORKSPACE_FIGURES:
        WORKSPACE_FIGURES.append(workspace)


def stale_after() -> timedelta:
    """A worker that has not beaten for this long is shown as stopped (PORCH_WORKER_STALE_AFTER)."""
    return timedelta(seconds=settings.WORKER_STALE_AFTER)


def workers_alive(now: datetime) -> int:
    return WorkerHeartbeat.objects.filter(last_seen__gte=now - stale_after()).count()


def health_facts() -> dict[str, object]:
    """The whole install's background work, for install admins (staff)."""
    now = timezone.now()
    workers = [
        {"beat": beat, "alive": now - beat.last_seen < stale_after()}
        for beat in WorkerHeartbeat.objects.order_by("-last_seen")[:20]
    ]
    facts: dict[str, object] = {
        "workers": workers,
        "alive": sum(1 for w in workers if w["alive"]),
        "queue_depth": DBTaskResult.objects.ready().count(),
        "running": DBTaskResult.objects.running().count(),
        "failed": DBTaskResult.objects.failed().order_by("-finished_at")[:20],
        "jobs": PeriodicJob.objects.order_by("name"),
        "now": now,
        "stale_after": settings.WORKER_STALE_AFTER,
    }
    for figures in INSTALL_FIGURES:
        facts.update(figures(now))
    return facts


def workspace_figures(workspace: Any, now: datetime) -> dict[str, object]:
    """What the apps registered of one workspace's background work, for its members."""
    figures: dict[str, object] = {}
    for registered in WORKSPACE_FIGURES:
        figures.update(registered(workspace, now))
    return figures
