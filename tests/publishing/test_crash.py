"""kill -9 of a real `porch worker` in the middle of publishing never yields zero or two
posts: on the real Bluesky network on loopback and on mastodon-mock.

The worker kills itself (SIGKILL, no clean-up) at a chosen point when
PORCH_TEST_CRASH_AT is set: right before the network call, or right after it and
before the result is recorded. A second worker then takes the claim over once its lease
runs out, asks the network whether the post went out, and finishes the job.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from porch.publishing.models import PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.networks.bluesky.conftest import DevNetwork
from tests.networks.mastodon.conftest import Mock

from .conftest import bluesky_account, bluesky_posts, schedule
from .test_engine import texts

CRASH_POINTS = ["before-publish", "after-publish"]


def worker_env(data: Path) -> dict[str, str]:
    """Settings for the worker subprocess, on the test database.

    On SQLite the worker gets a data folder whose porch.sqlite3 is the test database (a
    symlink, which SQLite follows, so both processes share its WAL), keeping Porch's own
    SQLite settings (busy timeout, IMMEDIATE transactions).
    """
    db: dict[str, Any] = connection.settings_dict
    env = {**os.environ, "PORCH_DATA": str(data), "PORCH_SECRET_KEY": settings.SECRET_KEY}
    if db["ENGINE"].endswith("sqlite3"):
        data.mkdir(exist_ok=True)
        (data / "porch.sqlite3").symlink_to(db["NAME"])
        env["DATABASE_URL"] = ""
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    return env


def start_worker(env: dict[str, str], log: Path, crash_at: str = "") -> subprocess.Popen[bytes]:
    env = {
        **env,
        "PORCH_SCHEDULER_TICK": "1",
        "PORCH_PUBLISH_LEASE": "2",
        "PORCH_TEST_CRASH_AT": crash_at,
    }
    command = [str(Path(sys.executable).with_name("porch")), "worker"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def crash_then_recover(
    target: PostTarget, crash_at: str, posts: Callable[[], int], tmp: Path
) -> None:
    env, log = worker_env(tmp / "data"), tmp / "worker.log"
    dying = start_worker(env, log, crash_at)
    try:
        assert dying.wait(timeout=90) == -signal.SIGKILL, log.read_text()[-3000:]
    finally:
        dying.kill()
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHING  # died holding the claim
    assert posts() == (1 if crash_at == "after-publish" else 0)
    worker = start_worker(env, log)
    try:
        published = wait_for(
            lambda: PostTarget.objects.get(pk=target.pk).state == TargetState.PUBLISHED, 90
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert published, log.read_text()[-3000:]
    assert posts() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_killed_worker_posts_once_on_mastodon(
    crash_at: str, mastodon_account: ConnectedAccount, mock: Mock, tmp_path: Path
) -> None:
    target = schedule(mastodon_account, f"Crash test special ({crash_at}): 3 croissants for 2")
    crash_then_recover(target, crash_at, lambda: len(texts(mock)), tmp_path)


@pytest.mark.peers
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_killed_worker_posts_once_on_bluesky(
    crash_at: str, workspace: Workspace, network: DevNetwork, tmp_path: Path
) -> None:
    account = bluesky_account(workspace, network, "crashbakery")
    target = schedule(account, f"Crash test special ({crash_at}): free coffee with any cake")
    crash_then_recover(target, crash_at, lambda: len(bluesky_posts(network, account)), tmp_path)
