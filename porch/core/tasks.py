"""Housekeeping tasks."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult


@task()
def prune_finished_tasks(days: int = 7, periodic_hours: int = 1) -> int:
    """Delete successful task results older than `days`; failed ones stay for the health page.

    The scheduler's own runs (a sync check every second) are kept for `periodic_hours` only.
    """
    from porch.core.scheduler import PERIODIC

    now = timezone.now()
    done = DBTaskResult.objects.successful()
    deleted, _ = done.filter(finished_at__lt=now - timedelta(days=days)).delete()
    frequent = [job.task_path for job in PERIODIC if job.interval < 60]
    recent = now - timedelta(hours=periodic_hours)
    more, _ = done.filter(task_path__in=frequent, finished_at__lt=recent).delete()
    return deleted + more
