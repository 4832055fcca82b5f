"""X's API and token endpoint on loopback, answering from a Replay of the recorded replies.

For tests that go through Porch as a user does (the web UI, `porch sync`), where the
client is built by Porch itself: PORCH_X_API_URL points it here. The recordings' clock
(NOW) is moved to the real one, so a recorded rate-limit reset is as far ahead as it was
when recorded. A request that matches no queued reply gets a 500 and fails the test.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from ..loopback import LoopbackServer, running
from .replay import NOW, Replay, recorded

_RESETS = ("x-rate-limit-reset", "x-user-limit-24hour-reset", "x-app-limit-24hour-reset")


def anywhere(name: str, path: str = "") -> dict[str, Any]:
    """Recording `name` as the reply to its method on `path` (default: its own), whatever
    the query or body: X answers a 401 or a 429 alike on every endpoint."""
    exchange = recorded(name)
    exchange["request"] = {"method": exchange["request"]["method"]}
    exchange["request"]["path"] = path or recorded(name)["request"]["path"]
    return exchange


def _now_headers(headers: dict[str, str]) -> dict[str, str]:
    shift = int(time.time() - NOW)
    return {k: str(int(v) + shift) if k in _RESETS else v for k, v in headers.items()}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        url = f"http://{self.headers.get('Host')}{self.path}"
        try:
            reply = self.server.replay.take(self.command, url, dict(self.headers), body)
        except AssertionError as missing:
            self.server.unmatched.append(str(missing))
            reply = {"status": 500, "headers": {}, "body": {"detail": str(missing)}}
        payload = json.dumps(reply["body"]).encode()
        self.send_response(reply["status"])
        for name, value in _now_headers(reply["headers"]).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(LoopbackServer):
    replay: Replay
    unmatched: list[str]


@contextmanager
def serving(replay: Replay) -> Iterator[str]:
    """The server's base URL while it runs; fails if a request matched no queued reply."""
    server = _Server(_Handler)
    server.replay, server.unmatched = replay, []
    with running(server) as url:
        yield url
    assert server.unmatched == [], server.unmatched
