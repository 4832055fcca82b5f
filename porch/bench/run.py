"""`make bench`: run every benchmark and print one line per figure.

Each benchmark module has `run() -> Iterator[Figure]`; a figure that cannot be measured
here is printed as `BENCH <name> skipped <why>`. Benchmarks start the servers they need.
"""

import importlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The benchmark modules, in the order they run.
MODULES = [
    "porch.bench.triage",
    "porch.bench.triage_transformer",
    "porch.bench.publishing",
    "porch.bench.insights",
    "porch.bench.inbox",
    "porch.bench.inbox_load",
    "porch.bench.listening",
    "porch.bench.stream",
    "porch.bench.people_merge",
    "porch.bench.peer_ranking",
    "porch.bench.people_page",
    "porch.bench.offers",
    "porch.bench.api",
]


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str
    skipped: str = ""

    def line(self) -> str:
        if self.value is None:
            return f"BENCH {self.name} skipped {self.skipped or 'not measured'}"
        return f"BENCH {self.name} {self.value:.6g} {self.unit}"


def skipped(name: str, why: str) -> Figure:
    return Figure(name, None, "", why)


ROOT = Path(__file__).resolve().parents[2]
ONE_CORE = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def run_child(
    module: str, args: list[str], env: dict[str, str], timeout: int, one_core: bool = False
) -> dict[str, Any]:
    """`python -m MODULE ARGS...` in a fresh data folder and database of its own (SQLite,
    unless `env` names a DATABASE_URL; `one_core`: numeric libraries on one thread); its
    last line of output is JSON, else {"error": why}."""
    data = tempfile.mkdtemp(prefix="porch-bench-")
    full = {**os.environ, "PORCH_DATA": data, "DJANGO_SETTINGS_MODULE": "porch.settings"}
    full.pop("DATABASE_URL", None)
    full |= (ONE_CORE if one_core else {}) | env
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=full,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            timeout=timeout,
            text=True,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"the {args[0]} run took longer than {timeout} s"}
    finally:
        shutil.rmtree(data, ignore_errors=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": f"the {args[0]} run failed (exit status {done.returncode})"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


class ServerUnavailable(Exception):
    """A server a benchmark needs cannot be started here; the message says why."""


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port; yields its URL (database `porch`).

    Uses Debian's server binaries (as `.ci/run` does); raises ServerUnavailable when they
    are not installed, so the caller can print `BENCH <name> skipped <why>`.
    """
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise ServerUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    bin_dir = versions[-1].parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = Path(tempfile.mkdtemp(prefix="porch-bench-pg-"))
    as_postgres = ["su", "postgres", "-s", "/bin/sh", "-c"] if os.getuid() == 0 else None

    def call(*command: str) -> None:
        line = " ".join(shlex.quote(part) for part in command)
        full = [*as_postgres, line] if as_postgres else ["/bin/sh", "-c", line]
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    if as_postgres:
        shutil.chown(data, "postgres")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k /tmp -c fsync=off"
    try:
        call(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "porch")
        call(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            f"{data}/log",
            "-o",
            options,
            "-w",
            "start",
        )
        call(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "porch", "porch")
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(data, ignore_errors=True)
        raise ServerUnavailable(f"PostgreSQL did not start: {exc}") from None
    try:
        yield f"postgres://porch@127.0.0.1:{port}/porch"
    finally:
        call(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


def run_all(modules: list[str]) -> Iterator[Figure]:
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            yield skipped(module_name.split(".")[-1], f"module missing: {exc.name}")
            continue
        yield from module.run()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "porch.settings")
    import django

    django.setup()
    only = sys.argv[1:]
    for figure in run_all([m for m in MODULES if not only or any(o in m for o in only)]):
        print(figure.line(), flush=True)


if __name__ == "__main__":
    main()
