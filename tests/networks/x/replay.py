"""Replaying X's recorded replies at the HTTP level, under tweepy and httpx.

Each file in recorded/ is one exchange: the request that gets it (method, path, the
query parameters that tell it apart, where null means "absent", and the JSON body when
it matters) and X's reply (status, headers, body) in the shape X's API sends. Tests
queue replies by name; a request takes the first queued reply it matches, and a request
that matches none fails the test. Nothing of Porch is mocked: XClient and tweepy run as
they do against X, only the transport below them is replaced.

No X server can be reached from here, so the replies were written, not captured: from
X's documentation and OpenAPI document and from real replies quoted in public bug
reports (the 403 duplicate and the UsageCapExceeded bodies), with made-up ids and
tokens. test_contract.py checks them against X's OpenAPI document.
"""

import io
import json
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from porch.networks.base import AccountRef

RECORDED = Path(__file__).parent / "recorded"
NOW = 1795168800.0  # 2026-11-20T10:00:00Z, the recordings' "now"
ME = "1587246011236417536"
ACCOUNT = AccountRef(network="x", handle="cornerbakery", external_id=ME)


def recorded(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return loaded


def credentials(**changes: Any) -> dict[str, Any]:
    base = {
        "access_token": "old-access-token",
        "refresh_token": "old-refresh-token",
        "expires_at": NOW + 3600,
        "scope": "tweet.read tweet.write users.read offline.access dm.read media.write "
        "like.write follows.write",
        "client_id": "cG9yY2gtdGVzdDoxOmNp",
        "client_secret": "porch-test-client-secret",
    }
    return base | changes


def _matches(exchange: dict[str, Any], method: str, url: str, body: bytes | None) -> bool:
    wanted = exchange["request"]
    parts = urlsplit(url)
    if wanted["method"] != method or wanted["path"] != parts.path:
        return False
    query = dict(parse_qsl(parts.query))
    if any(query.get(key) != value for key, value in wanted.get("query", {}).items()):
        return False
    return "json" not in wanted or json.loads(body or b"null") == wanted["json"]


class Replay:
    """The queue of recorded replies, and every request made."""

    def __init__(self) -> None:
        self.queue: list[dict[str, Any] | tuple[str, str, Exception]] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def add(self, *names: str) -> None:
        self.queue += [recorded(name) for name in names]

    def fail(self, method: str, path: str, error: Exception) -> None:
        """The next `method path` request raises `error` (a timeout, a reset)."""
        self.queue.append((method, path, error))

    def take(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Any:
        self.requests.append((method, url, headers, body))
        for index, entry in enumerate(self.queue):
            if isinstance(entry, tuple):
                if entry[:2] == (method, urlsplit(url).path):
                    del self.queue[index]
                    raise entry[2]
            elif _matches(entry, method, url, body):
                del self.queue[index]
                return entry["response"]
        raise AssertionError(f"no recorded reply for {method} {url} {body!r}")

    def bearer(self, index: int = -1) -> str:
        return self.requests[index][2].get("Authorization", "")


class ReplayAdapter(BaseAdapter):
    """A requests transport that answers from a Replay (mounted on XClient.session)."""

    def __init__(self, replay: Replay) -> None:
        super().__init__()
        self.replay = replay

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        assert timeout is not None, "XClient must give every request a timeout"
        body = request.body.encode() if isinstance(request.body, str) else request.body
        headers = dict(request.headers)
        reply = self.replay.take(request.method or "", request.url or "", headers, body)
        response = requests.Response()
        response.status_code = reply["status"]
        response.reason = HTTPStatus(reply["status"]).phrase
        response.headers = CaseInsensitiveDict(reply["headers"])
        content = json.dumps(reply["body"]).encode()
        response.raw, response._content = io.BytesIO(content), content
        response.encoding, response.url, response.request = "utf-8", request.url or "", request
        return response

    def close(self) -> None:
        return None


def token_http(replay: Replay) -> httpx.Client:
    """An httpx client whose transport answers from `replay` (X's token endpoint)."""

    def handle(request: httpx.Request) -> httpx.Response:
        headers = dict(request.headers)
        reply = replay.take(request.method, str(request.url), headers, request.content)
        return httpx.Response(reply["status"], headers=reply["headers"], json=reply["body"])

    return httpx.Client(transport=httpx.MockTransport(handle))
