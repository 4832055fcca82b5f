"""Running background workers: django-tasks-db's worker plus Porch's heartbeat and scheduler,
and the long-running consumers the apps register (the networks' notification streams:
`register_consumer(start_streams)` in porch/networks/apps.py).

`porch worker` runs one in the foreground (start as many as you like, on any machine that
reaches the database); `porch serve` runs one in a thread beside the web server.

A worker killed mid-task (kill -9, a lost machine) leaves its task RUNNING. Every beat,
`take_back_abandoned` finds tasks whose worker has not beaten for WORKER_STALE_AFTER
seconds and queues them again, or fails them after TASK_ATTEMPTS tries; each is claimed
by a conditional UPDATE, so two workers never take back the same task. An app that keeps
state of its own for a task registers `on_taken_back(task_path, handler)` to follow.

An app with a long-running consumer (a stream listener) registers `register_consumer(start)`
in its AppConfig.ready(): every worker calls `start()` when it starts; what it returns (if
anything) is stopped when a foreground worker stops. In `porch serve` its threads are
daemons that end with the process.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from porch.core import scheduler
from porch.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def make_worker(worker_id: str, interval: float = 0.5, max_tasks: int | None = None) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


# (args, kwargs, queued_again) of a task taken back from a dead worker.
TakenBack = Callable[[list[Any], dict[str, Any], bool], None]
TAKEN_BACK: dict[str, TakenBack] = {}


def on_taken_back(task_path: str, handler: TakenBack) -> None:
    TAKEN_BACK[task_path] = handler


class Stoppable(Protocol):
    def stop(self) -> None: ...


# Starts a long-running consumer; returns what to stop, or None when there is nothing to run.
Consumer = Callable[[], Stoppable | None]
CONSUMERS: list[Consumer] = []


def register_consumer(start: Consumer) -> None:
    """Have every worker start this consumer; registering it again changes nothing."""
    if start not in CONSUMERS:
        CONSUMERS.append(start)


def start_consumers() -> list[Stoppable]:
    """Start every registered consumer; returns those to stop."""
    started = (start() for start in CONSUMERS)
    return [consumer for consumer in started if consumer is not None]


def take_back_abandoned() -> list[str]:
    """Queue again (or fail, after TASK_ATTEMPTS tries) tasks whose worker stopped beating."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WORKER_STALE_AFTER)
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen__gte=stale).values_list("worker_id", flat=True)
    )
    taken = []
    for row in DBTaskResult.objects.running().filter(started_at__lt=stale):
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        if _take_back(row, now):
            taken.append(row.task_path)
    return taken


def _take_back(row: DBTaskResult[Any, Any], now: datetime) -> bool:
    again = len(row.worker_ids) < settings.TASK_ATTEMPTS
    tries = len(row.worker_ids)
    change: dict[str, Any] = {"status": TaskResultStatus.READY}
    if not again:
        change = {
            "status": TaskResultStatus.FAILED,
            "finished_at": now,
            "exception_class_path": "porch.core.worker.WorkerStopped",
            "traceback": f"The worker running this task stopped, {tries} times out of {tries}.",
        }
    with transaction.atomic():
        claimed = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        ).update(**change)
        if claimed != 1:
            return False
        _follow(row, again)
    log.warning("task %s %s: its worker stopped", row.id, "queued again" if again else "failed")
    return True


def _follow(row: DBTaskResult[Any, Any], again: bool) -> None:
    """Run the app's take-back handler; if it breaks, its writes are undone, the take-back kept."""
    handler = TAKEN_BACK.get(row.task_path)
    if handler is None:
        return
    try:
        with transaction.atomic():
            handler(row.args_kwargs["args"], row.args_kwargs["kwargs"], again)
    except Exception:
        log.exception("the take-back handler of task %s (%s) broke", row.id, row.task_path)


def beat(worker_id: str, started_at: object, tasks_run: int) -> None:
    """Record that this worker is alive, take back dead workers' tasks, enqueue due work."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen": now,
            "tasks_run": tasks_run,
        },
    )
    take_back_abandoned()
    scheduler.tick()


class Heartbeat(threading.Thread):
    """Beats every PORCH_SCHEDULER_TICK seconds until stopped."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(name="porch-heartbeat", daemon=True)
        self.worker = worker
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def run(self) -> None:
        scheduler.ensure_jobs()
        while not self.stopped.is_set():
            self.beat_once()
            self.stopped.wait(settings.SCHEDULER_TICK)
        close_old_connections()

    def beat_once(self) -> None:
        """One beat; whatever breaks is logged and the next tick beats again."""
        close_old_connections()
        try:
            beat(self.worker.worker_id, self.started_at, self.worker._run_tasks)
        except OperationalError as exc:  # a locked or restarting database: try next tick
            log.warning("heartbeat skipped: %s", exc)
        except Exception:  # a bug in a job or a handler must not stop the beats
            log.exception("heartbeat failed; it beats again next tick")


def run_foreground(interval: float = 0.5) -> None:
    """Run a worker in this (main) thread until SIGINT/SIGTERM."""
    worker = make_worker(new_worker_id(), interval)
    heartbeat = Heartbeat(worker)
    heartbeat.start()
    worker.configure_signals()
    consumers = start_consumers()
    log.info("worker %s started", worker.worker_id)
    try:
        worker.run()
    finally:
        heartbeat.stopped.set()
        for consumer in consumers:
            consumer.stop()


def start_in_thread(interval: float = 0.5) -> Worker:
    """Run a worker in a daemon thread of this process (for `porch serve`)."""
    worker = make_worker(new_worker_id(), interval)
    Heartbeat(worker).start()
    start_consumers()  # daemon threads: they end with the process
    threading.Thread(target=worker.run, name="porch-worker", daemon=True).start()
    return worker
