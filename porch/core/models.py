"""Worker heartbeats and the periodic jobs the scheduler enqueues."""

from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    tasks_run = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class PeriodicJob(models.Model):
    """A task enqueued every `interval` seconds; `next_run_at` is claimed by conditional UPDATE."""

    name = models.CharField(max_length=120, unique=True)
    task_path = models.CharField(max_length=255)
    interval = models.PositiveIntegerField(help_text="seconds")
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name
