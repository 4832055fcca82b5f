"""A small streaming server on loopback, for what mastodon-mock's stream cannot show: a
stream that drops, a refused token, an idle connection. It speaks the streaming API's real
wire format (`:)` heartbeats, `event: notification` / `data: <notification JSON>`); the
notifications are recorded real ones (recorded/notifications_mentions.json)."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from ..loopback import LoopbackServer, running
from .replay import recorded

MENTION: dict[str, Any] = recorded("notifications_mentions.json")[0]
FAVOURITE: dict[str, Any] = {**MENTION, "id": "1099", "type": "favourite"}


def event(name: str, payload: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()


@dataclass
class Script:
    """What each connection gets: status, then events; `hold` keeps it open (idle)."""

    status: int = 200
    events: list[bytes] = field(default_factory=list)
    hold: bool = False


class SSE:
    def __init__(self) -> None:
        self.base_url = ""
        self.scripts: list[Script] = []  # one per connection; the last one repeats
        self.paths: list[str] = []
        self.connected_at: list[float] = []  # time.monotonic() of each stream request
        self.released = threading.Event()
        self.streaming = ""  # given, /api/v2/instance names it as the streaming address

    def next_script(self) -> Script:
        return self.scripts.pop(0) if len(self.scripts) > 1 else self.scripts[0]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        sse = self.server.sse
        sse.paths.append(self.path)
        if self.path == "/api/v2/instance" and sse.streaming:
            self._instance(sse.streaming)
            return
        if not self.path.startswith("/api/v1/streaming/"):
            self.send_error(404)
            return
        sse.connected_at.append(time.monotonic())
        script = sse.next_script()
        if script.status != 200:
            body = json.dumps({"error": "The access token is invalid"}).encode()
            self.send_response(script.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b":)\n")
        for chunk in script.events:
            self.wfile.write(chunk)
            self.wfile.flush()
        if script.hold:
            sse.released.wait(30)

    def _instance(self, streaming: str) -> None:
        """The part of the real answer the stream reads: configuration.urls.streaming."""
        body = json.dumps({"configuration": {"urls": {"streaming": streaming}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(LoopbackServer):
    sse: SSE


@contextmanager
def serving(*scripts: Script) -> Iterator[SSE]:
    sse = SSE()
    sse.scripts = list(scripts)
    server = _Server(_Handler)
    server.sse = sse
    with running(server) as sse.base_url:
        try:
            yield sse
        finally:
            sse.released.set()
