"""Housekeeping tasks."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult


@task()
def prune_finished_tasks(days: int = 7) -> int:
    """Delete successful task results older than `days`; failed ones stay for the health page."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DBTaskResult.objects.successful().filter(finished_at__lt=cutoff).delete()
    return deleted
