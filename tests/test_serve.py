"""`porch serve`: one process runs the web server and a worker; a busy port is explained;
several processes share the port and end with the first."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port


def start(args: list[str], data: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PORCH_DATA": str(data), "DATABASE_URL": "", "PORCH_SCHEDULER_TICK": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "porch.cli", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_health(port: int, deadline: float) -> dict[str, int]:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                facts: dict[str, int] = json.load(reply)
                if facts["workers_alive"]:
                    return facts
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("porch serve did not report a live worker in time")


def test_serve_runs_the_site_and_a_worker_in_one_process(tmp_path: Path) -> None:
    port = free_port()
    server = start(["demo", "--port", str(port)], tmp_path)
    try:
        facts = wait_for_health(port, time.monotonic() + 180)  # the demo's year of history
        assert facts["workers_alive"] == 1
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/", timeout=5) as reply:
            assert b"Sign in to Porch" in reply.read()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"Porch is running at http://localhost:{port}/" in output
    assert "Demo login: demo@porch.example / porch-demo-bakery" in output


def test_a_busy_port_says_which_flag_to_change(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = start(["serve", "--port", str(port), "--no-worker"], tmp_path)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 2
    assert output.strip().endswith(
        f"porch: port {port} is already in use: pick another with --port or PORCH_PORT"
    )


def children_of(pid: int) -> list[int]:
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in listed]


def gone(pid: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            status = Path(f"/proc/{pid}/stat").read_text().split()[2]
            if status == "Z":  # ended, not yet reaped by the test runner
                return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.1)
    return False


def test_several_processes_share_the_port_and_end_with_the_first(tmp_path: Path) -> None:
    if not Path("/proc/self/task").exists():
        raise AssertionError("this test reads /proc (Linux)")
    port = free_port()
    server = start(["serve", "--port", str(port), "--processes", "3"], tmp_path)
    try:
        facts = wait_for_health(port, time.monotonic() + 120)
        assert facts["workers_alive"] == 1  # the background worker runs in the first only
        children = children_of(server.pid)
        assert len(children) == 2
        for _ in range(12):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/", timeout=5) as reply:
                assert b"Sign in to Porch" in reply.read()
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert all(gone(child, time.monotonic() + 20) for child in children)
