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


# Filled by the apps: each app's AppConfig.ready() registers its own periodic work.
PERIODIC: list[Periodic] = []


class PeriodicConflict(Exception):
    """Two apps registered different jobs under one name."""


def register(job: Periodic) -> None:
    """Add an app's periodic job; registering the same job again changes nothing."""
    same_name = [existing for existing in PERIODIC if existing.name == job.name]
    if same_name and same_name[0] != job:
        raise PeriodicConflict(f"periodic job {job.name!r} is registered twice, differently")
    if not same_name:
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
