"""A tiny HTTP server on loopback that answers with recorded Mastodon replies.

For what mastodon-mock does not reproduce (real h-card HTML, real rate-limit headers,
error bodies of a real instance): Mastodon.py talks to it over real HTTP, and every
request it made is kept for assertions.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..loopback import LoopbackServer, running

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON, or a str sent as HTML
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class ReplayServer:
    def __init__(self, routes: dict[str, Reply]) -> None:
        self.routes = routes  # "GET /api/v1/notifications" -> Reply
        self.requests: list[Request] = []
        self.base_url = ""

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        self.requests.append(
            Request(
                method=handler.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers=dict(handler.headers.items()),
                body=handler.rfile.read(length),
            )
        )
        path = parts.path.rstrip("/") or "/"  # Rails, like Mastodon, ignores a trailing slash
        reply = self.routes.get(f"{handler.command} {path}", Reply(404, {"error": "Not found"}))
        _send(handler, reply)


def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    is_html = isinstance(reply.body, str)
    payload = reply.body.encode() if is_html else json.dumps(reply.body).encode()
    handler.send_response(reply.status)
    content_type = "text/html; charset=utf-8" if is_html else "application/json; charset=utf-8"
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        self.server.replay.answer(self)

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(LoopbackServer):
    replay: ReplayServer


@contextmanager
def replaying(routes: dict[str, Reply]) -> Iterator[ReplayServer]:
    replay = ReplayServer(routes)
    server = _Server(_Handler)
    server.replay = replay
    with running(server) as replay.base_url:
        yield replay
