"""Running background workers: django-tasks-db's worker plus Porch's heartbeat and scheduler,
and the listeners to the networks' notification streams (porch/networks/streams.py).

`porch worker` runs one in the foreground (start as many as you like, on any machine that
reaches the database); `porch serve` runs one in a thread beside the web server.
"""

import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from porch.core import scheduler
from porch.core.models import WorkerHeartbeat
from porch.networks.streams import start_streams

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


def beat(worker_id: str, started_at: object, tasks_run: int) -> None:
    """Record that this worker is alive, then enqueue whatever periodic work is due."""
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
            close_old_connections()
            try:
                beat(self.worker.worker_id, self.started_at, self.worker._run_tasks)
            except OperationalError as exc:  # a locked or restarting database: try next tick
                log.warning("heartbeat skipped: %s", exc)
            self.stopped.wait(settings.SCHEDULER_TICK)
        close_old_connections()


def run_foreground(interval: float = 0.5) -> None:
    """Run a worker in this (main) thread until SIGINT/SIGTERM."""
    worker = make_worker(new_worker_id(), interval)
    heartbeat = Heartbeat(worker)
    heartbeat.start()
    worker.configure_signals()
    streams = start_streams()
    log.info("worker %s started", worker.worker_id)
    try:
        worker.run()
    finally:
        heartbeat.stopped.set()
        if streams is not None:
            streams.stop()


def start_in_thread(interval: float = 0.5) -> Worker:
    """Run a worker in a daemon thread of this process (for `porch serve`)."""
    worker = make_worker(new_worker_id(), interval)
    Heartbeat(worker).start()
    start_streams()  # daemon threads: they end with the process
    threading.Thread(target=worker.run, name="porch-worker", daemon=True).start()
    return worker
