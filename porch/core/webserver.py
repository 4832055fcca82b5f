"""`porch serve`'s web server: waitress, in one process or in several that share one socket.

One Python process serves pages on one core at a time (the GIL), so on a machine with two
cores `porch serve --processes 2` answers twice the pages. The first process binds the
socket, the others are forked from it after Django has loaded and before any database
connection or thread exists, and each runs waitress on the shared socket (the kernel hands
each new connection to one of them). The background worker runs in the first process only.
The others end with it: on Linux through PR_SET_PDEATHSIG, everywhere on SIGTERM/SIGINT
and at exit.
"""

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.db import connections
from waitress import serve

PR_SET_PDEATHSIG = 1


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def serve_processes(
    app: Any, host: str, port: int, *, threads: int, processes: int, before: Callable[[], None]
) -> None:
    """Serve `app` from `processes` processes; `before` runs in the first one only (it
    starts the background worker) once the others are forked."""
    sock = listening_socket(host, port)
    connections.close_all()  # no connection may cross a fork
    children = [_fork_server(app, sock, threads) for _ in range(processes - 1)]
    _end_with_this_process(children)
    before()
    serve(app, sockets=[sock], threads=threads, _quiet=True)


def _fork_server(app: Any, sock: socket.socket, threads: int) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    _die_with_parent()
    if os.getppid() != parent:  # the first process ended before the line above took hold
        os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        serve(app, sockets=[sock], threads=threads, _quiet=True)
    finally:
        os._exit(0)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _end_with_this_process(children: list[int]) -> None:
    def stop_children() -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:  # gone before this process is: the port is free after it
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop_children()
        raise SystemExit(128 + number)

    atexit.register(stop_children)
    signal.signal(signal.SIGTERM, on_signal)
