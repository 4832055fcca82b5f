"""A Mastodon account's notifications stream, used as a wake-up signal only.

    NotificationStream(thread)   GET /api/v1/streaming/user/notification (Server-Sent
                                 Events) on the instance's streaming server; each
                                 `event: notification` of type "mention" calls `on_mention`

The stream carries no messages into Porch: `on_mention` wakes the account and the normal
cursor sync fetches what arrived. So a dropped stream, a missed event or a restart loses
nothing and stores nothing twice; polling on the adaptive interval goes on regardless.

A dropped or refused connection is retried with growing waits (BACKOFF); a 401 (token
revoked) calls `on_revoked` and ends the thread; an instance with streaming switched
off (404) ends it quietly, leaving the account to polling. `stop()` returns at once: it
shuts the socket the thread is reading from.

Every connection goes through the guarded fetcher's transport (porch/core/fetch.py): the
instance chooses the streaming address, so one on a private network is refused, and the
stream ends as with a 404.
"""

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx

from porch.core.fetch import AddressRefused, GuardedTransport, Network
from porch.networks.base import ErrorCode, NetworkError
from porch.networks.mastodon.auth import USER_AGENT
from porch.networks.mastodon.errors import RECONNECT

log = logging.getLogger(__name__)

PATH = "/api/v1/streaming/user/notification"
BACKOFF = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0)  # seconds before each retry after a failure
# Mastodon sends a heartbeat comment every few seconds; this long without a byte: reconnect.
READ_TIMEOUT = 90.0


def sse_events(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(event name, data) for each Server-Sent Event in `lines`; comments are skipped."""
    name, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)


def is_mention(data: str) -> bool:
    """Whether a notification event's payload is a mention (unreadable: assume it is)."""
    try:
        payload = json.loads(data)
    except ValueError:
        return True
    return not isinstance(payload, dict) or payload.get("type", "mention") == "mention"


def streaming_base(http: httpx.Client, server_url: str) -> str:
    """The instance's streaming server (it may be a host of its own), as http(s)."""
    try:
        answer = http.get(f"{server_url}/api/v2/instance")
        found: Any = (
            answer.json()["configuration"]["urls"]["streaming"] if answer.is_success else ""
        )
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        found = ""
    if not isinstance(found, str) or not found.startswith(
        ("wss://", "ws://", "https://", "http://")
    ):
        return server_url
    return found.replace("wss://", "https://", 1).replace("ws://", "http://", 1).rstrip("/")


class _Ended(Exception):
    """The stream ended or failed: connect again after a wait."""


class NotificationStream(threading.Thread):
    def __init__(
        self,
        server_url: str,
        access_token: str,
        on_mention: Callable[[], None],
        on_revoked: Callable[[NetworkError], None],
        *,
        name: str = "mastodon-stream",
        backoff: tuple[float, ...] = BACKOFF,
        read_timeout: float = READ_TIMEOUT,
        network: Network | None = None,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.server_url = server_url.rstrip("/")
        self._token = access_token
        self.on_mention, self.on_revoked = on_mention, on_revoked
        self.backoff, self.read_timeout = backoff, read_timeout
        self.network = network  # how names are found and dialled (tests give a fake one)
        self.stopped = threading.Event()
        self.connected = threading.Event()  # set while the stream is open
        self.connections = 0  # how many times it connected (for the health of the stream)
        self._socket: socket.socket | None = None

    def __repr__(self) -> str:
        return f"NotificationStream({self.server_url!r})"

    def run(self) -> None:
        failures = 0
        while not self.stopped.is_set():
            try:
                self._listen()
                failures = 0
            except NetworkError as exc:
                if exc.reconnect:
                    self.on_revoked(exc)
                log.info("stream of %s ends: %s", self.server_url, exc.message)
                return
            except AddressRefused as exc:
                log.info("stream of %s refused: %s", self.server_url, exc)
                return
            except (_Ended, httpx.HTTPError, OSError) as exc:
                log.info("stream of %s dropped (%s): reconnecting", self.server_url, exc)
                failures += 1
            finally:
                self.connected.clear()
            self.stopped.wait(self.backoff[min(failures, len(self.backoff) - 1)])

    def stop(self) -> None:
        """Stop listening; a read in progress is cut short."""
        self.stopped.set()
        sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def _listen(self) -> None:
        timeout = httpx.Timeout(10.0, read=self.read_timeout)
        headers = {"Authorization": f"Bearer {self._token}", "User-Agent": USER_AGENT}
        transport = GuardedTransport(self.network)
        with httpx.Client(
            timeout=timeout, headers=headers, transport=transport, trust_env=False
        ) as http:
            url = streaming_base(http, self.server_url) + PATH
            with http.stream("GET", url) as response:
                self._check(response)
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self.connections += 1
                self.connected.set()
                try:
                    self._read(response)
                finally:
                    self._socket = None
        if not self.stopped.is_set():
            raise _Ended("the server closed the stream")

    def _read(self, response: httpx.Response) -> None:
        for name, data in sse_events(response.iter_lines()):
            if self.stopped.is_set():
                return
            if name == "notification" and is_mention(data):
                self.on_mention()

    def _check(self, response: httpx.Response) -> None:
        if response.status_code == 401:
            raise NetworkError(
                RECONNECT, permanent=True, reconnect=True, code=ErrorCode.UNAUTHORIZED
            )
        if response.status_code == 404:
            raise NetworkError(
                "the instance does not stream", permanent=True, code=ErrorCode.NOT_SUPPORTED
            )
        if response.status_code != 200:
            raise _Ended(f"HTTP {response.status_code}")
