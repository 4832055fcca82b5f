"""The small scheduler: enqueues periodic work so that no job is enqueued twice.

Every worker runs `tick()` every few seconds. A due job is claimed by moving its
`next_run_at` forward with a conditional UPDATE (WHERE next_run_at = the value read);
only the worker whose UPDATE changed exactly one row enqueues the task, in the same
transaction, so two workers never enqueue the same period twice, on SQLite or PostgreSQL.
Tasks that must not overlap check their own claim (see publishing's due targets).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from porch.core.models import PeriodicJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task_path: str
    interval: int  # seconds


# Each app adds its periodic work here (syncs, due posts, feeds, reports).
PERIODIC: list[Periodic] = [
    Periodic("prune-finished-tasks", "porch.core.tasks.prune_finished_tasks", 3600),
    # Every second, so an account due for a sync waits at most a second (inbox_flag_p95).
    Periodic("sync-due-accounts", "porch.networks.tasks.sync_due_accounts", 1),
    Periodic("sync-metrics", "porch.insights.tasks.sync_metrics", 3600),
    Periodic("weekly-reports", "porch.insights.tasks.weekly_reports", 3600),
    Periodic("publish-due", "porch.publishing.tasks.publish_due_posts", 5),
    Periodic("poll-feeds", "porch.publishing.tasks.poll_feeds", 900),
    Periodic("weekly-plan-review", "porch.plans.tasks.weekly_plan_reviews", 3600),
]


def register(job: Periodic) -> None:
    if all(existing.name != job.name for existing in PERIODIC):
        PERIODIC.append(job)


def ensure_jobs() -> None:
    now = timezone.now()
    for job in PERIODIC:
        PeriodicJob.objects.get_or_create(
            name=job.name,
            defaults={"task_path": job.task_path, "interval": job.interval, "next_run_at": now},
        )


def tick() -> list[str]:
    """Enqueue every due job this worker wins; returns the names enqueued."""
    now = timezone.now()
    enqueued = []
    for job in PeriodicJob.objects.filter(next_run_at__lte=now):
        with transaction.atomic():
            won = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
                next_run_at=now + timedelta(seconds=job.interval), last_enqueued_at=now
            )
            if won != 1:
                continue
            result = import_string(job.task_path).enqueue()
            PeriodicJob.objects.filter(pk=job.pk).update(last_task_id=str(result.id))
        enqueued.append(job.name)
    return enqueued
