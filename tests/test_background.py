"""Background work: the worker runs tasks, beats, and the scheduler never enqueues twice."""

import threading
import time
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.core import scheduler
from porch.core.models import PeriodicJob, WorkerHeartbeat
from porch.core.worker import beat, make_worker, new_worker_id


def test_a_due_job_is_enqueued_once_by_two_ticks(db: None) -> None:
    scheduler.ensure_jobs()
    started = time.monotonic()
    first = scheduler.tick()
    second = scheduler.tick()
    elapsed = time.monotonic() - started
    assert sorted(first) == sorted(job.name for job in scheduler.PERIODIC)
    # Only a job whose interval has already gone by again may be due a second time.
    intervals = {job.name: job.interval for job in scheduler.PERIODIC}
    assert all(intervals[name] <= elapsed + 1 for name in second)
    assert "prune-finished-tasks" not in second
    assert DBTaskResult.objects.filter(task_path__endswith="prune_finished_tasks").count() == 1


def test_racing_workers_enqueue_a_due_job_once(transactional_db: None) -> None:
    scheduler.ensure_jobs()
    stale = PeriodicJob.objects.first()
    assert stale is not None
    barrier = threading.Barrier(4)
    results: list[list[str]] = []

    def worker_tick() -> None:
        from django.db import connection

        barrier.wait()
        try:
            results.append(scheduler.tick())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = [name for r in results for name in r]
    assert sorted(names) == sorted(job.name for job in scheduler.PERIODIC)  # each exactly once
    assert PeriodicJob.objects.get(pk=stale.pk).next_run_at > stale.next_run_at
    assert DBTaskResult.objects.count() == len(scheduler.PERIODIC)


def test_the_job_comes_due_again_after_its_interval(db: None) -> None:
    scheduler.ensure_jobs()
    scheduler.tick()
    PeriodicJob.objects.filter(name="prune-finished-tasks").update(
        next_run_at=timezone.now() - timedelta(seconds=1)
    )
    assert scheduler.tick() == ["prune-finished-tasks"]


def test_worker_runs_an_enqueued_task_and_records_it(transactional_db: None) -> None:
    from porch.core.tasks import prune_finished_tasks

    result = prune_finished_tasks.enqueue()
    make_worker(new_worker_id(), interval=0, max_tasks=1).run()
    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == "SUCCESSFUL" and stored.return_value == 0


def test_health_page_shows_heartbeat_queue_and_failures(signed_in: Client) -> None:
    beat("worker-a", timezone.now(), tasks_run=3)
    DBTaskResult.objects.create(
        task_path="porch.inbox.tasks.sync_account",
        status="FAILED",
        args_kwargs={},
        backend_name="default",
        queue_name="default",
        priority=0,
        exception_class_path="porch.networks.base.NetworkError",
        traceback="NetworkError: token expired",
        finished_at=timezone.now(),
    )
    page = signed_in.get(reverse("health")).content.decode()
    assert WorkerHeartbeat.objects.get().tasks_run == 3
    assert 'data-testid="workers-alive">1<' in page
    assert "NetworkError: token expired" in page


def test_pruning_keeps_failures_and_recent_runs(db: None) -> None:
    from porch.core.tasks import prune_finished_tasks

    def finished(path: str, status: str, age: timedelta) -> DBTaskResult[Any, Any]:
        return DBTaskResult.objects.create(
            task_path=path,
            status=status,
            args_kwargs={},
            backend_name="default",
            queue_name="default",
            priority=0,
            finished_at=timezone.now() - age,
        )

    sync = "porch.networks.tasks.sync_due_accounts"
    old_sync = finished(sync, "SUCCESSFUL", timedelta(hours=2))
    fresh_sync = finished(sync, "SUCCESSFUL", timedelta(minutes=10))
    failed_sync = finished(sync, "FAILED", timedelta(days=30))
    report = finished("porch.insights.tasks.weekly_reports", "SUCCESSFUL", timedelta(days=2))
    ancient = finished("porch.insights.tasks.weekly_reports", "SUCCESSFUL", timedelta(days=8))

    assert prune_finished_tasks.call() == 2
    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert left == {fresh_sync.id, failed_sync.id, report.id}
    assert old_sync.id not in left and ancient.id not in left
