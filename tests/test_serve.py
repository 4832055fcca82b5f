"""`porch serve`: one process runs the web server and a worker; a busy port is explained."""

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
        facts = wait_for_health(port, time.monotonic() + 60)
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
