"""Background work: the worker runs tasks, beats, and the scheduler never enqueues twice."""

import os
import re
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from porch.core import scheduler, worker
from porch.core.models import PeriodicJob, WorkerHeartbeat
from porch.core.worker import Heartbeat, beat, make_worker, new_worker_id
from porch.inbox.models import Conversation, Reply
from porch.insights.models import HistoryImport
from porch.networks.streams import start_streams
from porch.workspaces import services
from porch.workspaces.models import Workspace


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


def failed_task(traceback: str) -> DBTaskResult[Any, Any]:
    return DBTaskResult.objects.create(
        task_path="porch.inbox.tasks.sync_account",
        status="FAILED",
        args_kwargs={},
        backend_name="default",
        queue_name="default",
        priority=0,
        exception_class_path="porch.networks.base.NetworkError",
        traceback=traceback,
        finished_at=timezone.now(),
    )


def test_install_admin_sees_hosts_queue_and_failures(signed_in: Client, owner: User) -> None:
    User.objects.filter(pk=owner.pk).update(is_staff=True)
    beat("worker-a", timezone.now(), tasks_run=3)
    failed_task("NetworkError: token expired")
    page = signed_in.get(reverse("health")).content.decode()
    assert WorkerHeartbeat.objects.get().tasks_run == 3
    assert 'data-testid="workers-alive">1<' in page
    assert "NetworkError: token expired" in page
    assert f"pid {os.getpid()}" in page


def test_a_member_sees_only_its_workspaces_work_in_words(
    signed_in: Client, owner: User, workspace: Workspace
) -> None:
    beat("worker-a", timezone.now(), tasks_run=3)
    failed_task('File "/srv/porch/porch/inbox/tasks.py", line 9: token expired')
    mine = workspace.accounts.create(network="x", handle="cornerbakery")
    HistoryImport.objects.create(
        account=mine, file_name="ours.zip", state="running", done=40, total=100
    )
    stranger = services.create_user("stranger@harbour.example", "a long stranger password 1")
    theirs = services.create_workspace(stranger, "Harbour Bikes", "Europe/London")
    other = theirs.accounts.create(network="x", handle="harbourbikes")
    HistoryImport.objects.create(
        account=other,
        file_name="harbour-secret.zip",
        state="failed",
        error="harbour-secret.zip: bad",
    )

    page = signed_in.get(reverse("health")).content.decode()

    assert "Background work is running" in page
    assert "Import of ours.zip into X cornerbakery:" in page and "40 of 100 posts" in page
    # Whole words only: a short host name ("vm") can turn up inside the random CSRF token.
    for leak in ("harbour", "Harbour", socket.gethostname(), f"pid {os.getpid()}", "token expired"):
        assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(leak)}(?![A-Za-z0-9])", page), leak


def test_a_member_is_told_in_words_when_background_work_stopped(
    signed_in: Client, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    beat("worker-a", timezone.now(), tasks_run=3)
    time_machine.move_to(datetime(2026, 11, 20, 9, 5, tzinfo=UTC), tick=False)
    page = signed_in.get(reverse("health")).content.decode()
    assert "Background work has stopped" in page and "worker-a" not in page


def test_a_worker_is_called_stopped_after_porch_worker_stale_after(
    signed_in: Client, time_machine: Any, settings: Any
) -> None:
    settings.WORKER_STALE_AFTER = 600
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    beat("worker-a", timezone.now(), tasks_run=3)
    time_machine.move_to(datetime(2026, 11, 20, 9, 5, tzinfo=UTC), tick=False)
    assert "Background work is running" in signed_in.get(reverse("health")).content.decode()
    time_machine.move_to(datetime(2026, 11, 20, 9, 11, tzinfo=UTC), tick=False)
    assert "Background work has stopped" in signed_in.get(reverse("health")).content.decode()


def test_a_member_is_told_in_words_which_replies_are_not_sent(
    signed_in: Client, owner: User, workspace: Workspace, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    mine = workspace.accounts.create(network="x", handle="cornerbakery")
    stranger = services.create_user("stranger@harbour.example", "a long stranger password 1")
    theirs = services.create_workspace(stranger, "Harbour Bikes", "Europe/London")
    other = theirs.accounts.create(network="x", handle="harbourbikes")
    for account, handle, statuses in (
        (mine, "maria_eats", ["queued", "sending", "failed", "sent", "pending"]),
        (other, "harbour_rider", ["queued", "failed"]),
    ):
        convo = Conversation.objects.create(
            workspace=account.workspace,
            account=account,
            root_external_id=handle,
            contact_handle=handle,
            first_message_at=timezone.now(),
            last_message_at=timezone.now(),
        )
        for status in statuses:
            Reply.objects.create(conversation=convo, author=owner, text="Sorry!", status=status)

    page = signed_in.get(reverse("health")).content.decode()

    assert "2 replies are waiting to be sent." in page
    assert "A reply to <a" in page and ">maria_eats</a> could not be sent" in page
    assert page.count('data-testid="reply-failed"') == 1 and "harbour_rider" not in page


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


def stopped_import(workspace: Workspace, tries: int) -> tuple[HistoryImport, Path]:
    """An uploaded import at 3% whose task a worker claimed, `tries` times, then died in."""
    from porch.insights.tasks import import_history
    from tests.insights import files
    from tests.insights.test_imports import X_TWEETS

    account = workspace.accounts.create(network="x", handle="cornerbakery", external_id="1")
    folder = settings.DATA_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stored = files.write_x_zip(folder / f"{uuid.uuid4().hex}-archive.zip", X_TWEETS)
    job = HistoryImport.objects.create(
        account=account, file_name="archive.zip", stored_path=str(stored), state="running"
    )
    HistoryImport.objects.filter(pk=job.pk).update(done=3, total=100)
    result = import_history.enqueue(job.pk)
    row = DBTaskResult.objects.get(id=result.id)
    for n in range(tries):
        row.claim(f"dead-worker-{n}")
    beat(f"dead-worker-{tries - 1}", timezone.now(), tasks_run=0)
    return job, stored


def test_a_killed_workers_import_is_taken_back_and_resumes(
    transactional_db: None, workspace: Workspace, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    job, stored = stopped_import(workspace, tries=1)
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, 30, tzinfo=UTC), tick=False)
    beat("live-worker", timezone.now(), tasks_run=0)
    assert DBTaskResult.objects.get().status == "RUNNING"  # its worker may still be alive

    time_machine.move_to(datetime(2026, 11, 20, 9, 2, tzinfo=UTC), tick=False)
    beat("live-worker", timezone.now(), tasks_run=0)  # the dead one's heartbeat has stopped

    assert DBTaskResult.objects.get().status == "READY"
    assert HistoryImport.objects.get(pk=job.pk).state == "waiting"
    make_worker("live-worker", interval=0, max_tasks=1).run()
    done = HistoryImport.objects.get(pk=job.pk)
    assert (done.state, done.total, done.added) == ("done", 4, 4)
    assert not stored.exists()


def test_an_import_stopped_too_often_says_upload_again_and_its_file_goes(
    transactional_db: None, signed_in: Client, workspace: Workspace, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    job, stored = stopped_import(workspace, tries=settings.TASK_ATTEMPTS)
    time_machine.move_to(datetime(2026, 11, 20, 9, 2, tzinfo=UTC), tick=False)

    beat("live-worker", timezone.now(), tasks_run=0)

    assert DBTaskResult.objects.get().status == "FAILED"
    failed = HistoryImport.objects.get(pk=job.pk)
    assert failed.state == "failed" and not stored.exists()
    page = signed_in.get(f"/w/{workspace.slug}/insights/import/{job.pk}/").content.decode()
    assert (
        "archive.zip: the import stopped part-way and its file is gone: upload the file again"
        in page
    )
    assert "3%" not in page and "hx-trigger" not in page


def test_a_take_back_handler_that_breaks_is_logged_and_the_beat_goes_on(
    transactional_db: None,
    workspace: Workspace,
    time_machine: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    _, stored = stopped_import(workspace, tries=settings.TASK_ATTEMPTS)
    stored.unlink()
    stored.mkdir()  # a bad path: the import's handler cannot unlink it
    scheduler.ensure_jobs()
    time_machine.move_to(datetime(2026, 11, 20, 9, 2, tzinfo=UTC), tick=False)

    beat("live-worker", timezone.now(), tasks_run=0)

    assert DBTaskResult.objects.get(task_path__endswith="import_history").status == "FAILED"
    assert "take-back handler" in caplog.text and "IsADirectoryError" in caplog.text
    assert PeriodicJob.objects.filter(last_enqueued_at=timezone.now()).count() == len(
        scheduler.PERIODIC
    )  # the scheduler still ticked after the handler broke


def test_a_beat_that_breaks_is_logged_and_the_next_beat_still_happens(
    transactional_db: None,
    settings: Any,
    time_machine: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    settings.SCHEDULER_TICK = 0  # no waiting between beats: run() is driven in this thread
    heartbeat = Heartbeat(make_worker("worker-a", interval=0))
    ticks: list[datetime] = []

    def tick() -> list[str]:
        ticks.append(timezone.now())
        if len(ticks) == 1:
            raise RuntimeError("a job's bug")
        heartbeat.stopped.set()  # the second beat happened: stop
        return []

    monkeypatch.setattr(scheduler, "tick", tick)
    heartbeat.run()

    assert len(ticks) == 2
    assert "heartbeat failed" in caplog.text and "a job's bug" in caplog.text
    assert WorkerHeartbeat.objects.get(worker_id="worker-a").last_seen == ticks[-1]


def test_every_worker_starts_the_consumers_the_apps_register(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert start_streams in worker.CONSUMERS  # registered by porch/networks/apps.py
    monkeypatch.setattr(worker, "CONSUMERS", [])

    class Listening:
        def stop(self) -> None: ...

    listening = Listening()

    def listen() -> Listening:
        return listening

    def nothing_to_listen_to() -> None:
        return None

    worker.register_consumer(listen)
    worker.register_consumer(listen)  # registered again: still started once
    worker.register_consumer(nothing_to_listen_to)

    assert worker.start_consumers() == [listening]  # what to stop when the worker stops
