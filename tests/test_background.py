"""Background work: the worker runs tasks, beats, and the scheduler never enqueues twice."""

import threading
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.core import scheduler
from porch.core.models import PeriodicJob, WorkerHeartbeat
from porch.core.worker import beat, make_worker, new_worker_id


def test_a_due_job_is_enqueued_once_by_two_ticks(db: None) -> None:
    scheduler.ensure_jobs()
    first = scheduler.tick()
    second = scheduler.tick()
    assert sorted(first) == sorted(job.name for job in scheduler.PERIODIC) and second == []
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
