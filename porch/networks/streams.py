"""Listening, from each worker, to the networks that stream notifications.

A network that streams (`can.stream`) names its stream module in its descriptor
(`NetworkDescriptor.stream`): `enabled()` says whether this install listens to it, and
`listen(account, credentials, on_mention, on_revoked)` gives one account's listener, a
thread. `Streams` keeps one listener per connected account of those networks that is
syncing, and looks again every REFRESH seconds: a new account gets one, a disconnected
or reconnected one (new token) loses its old one, and a dropped one is started again. A
mention on a stream wakes the account (`poller.wake`): it is synced at once, through the
same claim and cursor as a polled sync, so two workers listening to one account still
sync it once. The other networks poll.
"""

import logging
import threading
from collections.abc import Callable
from importlib import import_module
from typing import Any, Protocol, cast

from django.db import DatabaseError, close_old_connections, connection

from porch.networks import registry
from porch.networks.base import NetworkError
from porch.networks.poller import wake
from porch.networks.sync import credentials_of, mark_reconnect
from porch.workspaces.models import AccountStatus, ConnectedAccount

log = logging.getLogger(__name__)

REFRESH = 30.0  # seconds between looks at which accounts to listen to


class Listener(Protocol):
    """One account's stream: a thread that calls back on a mention or a revoked token."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def is_alive(self) -> bool: ...
    def join(self, timeout: float | None = None) -> None: ...


class StreamModule(Protocol):
    """What a network's stream module (NetworkDescriptor.stream) offers."""

    def enabled(self) -> bool: ...

    def listen(
        self,
        account: ConnectedAccount,
        credentials: Callable[[], dict[str, Any]],
        on_mention: Callable[[], None],
        on_revoked: Callable[[NetworkError], None],
    ) -> Listener | None: ...


def stream_modules() -> dict[str, StreamModule]:
    """network name: stream module, of the installed networks that stream on this install."""
    found = {}
    for network in registry.descriptors():
        if network.can.stream and network.stream:
            module = cast(StreamModule, import_module(network.stream))
            if module.enabled():
                found[network.name] = module
    return found


def _in_thread(work: Callable[[], object]) -> None:
    """Database work from a listener's thread, with its own connection closed after."""
    close_old_connections()
    try:
        work()
    except (DatabaseError, NetworkError) as exc:  # the next poll picks it up all the same
        log.warning("waking from a stream failed: %r", exc)
    finally:
        connection.close()


def _revoked(account_id: int, exc: NetworkError) -> None:
    account = ConnectedAccount.objects.filter(pk=account_id).first()
    if account is not None:
        mark_reconnect(account, exc)


class Streams(threading.Thread):
    def __init__(self, refresh: float = REFRESH) -> None:
        super().__init__(name="porch-streams", daemon=True)
        self.refresh = refresh
        self.stopped = threading.Event()
        self.listening: dict[int, tuple[str, Listener]] = {}  # account id: (key, listener)
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self.stopped.is_set():
            close_old_connections()
            try:
                self.update()
            except DatabaseError as exc:  # a locked or restarting database: look next time
                log.warning("streams not updated: %s", exc)
            self.stopped.wait(self.refresh)
        self._stop_all()
        connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self._stop_all()

    def update(self) -> None:
        """Listen to exactly the accounts of streaming networks that are syncing now."""
        modules = stream_modules()
        wanted = {account.pk: account for account in _streaming_accounts(list(modules))}
        with self._lock:
            self._follow(wanted, modules)

    def _follow(
        self, wanted: dict[int, ConnectedAccount], modules: dict[str, StreamModule]
    ) -> None:
        for account_id, (key, stream) in list(self.listening.items()):
            account = wanted.get(account_id)
            if account is None or _key(account) != key or not stream.is_alive():
                stream.stop()
                del self.listening[account_id]
        for account_id, account in wanted.items():
            if account_id not in self.listening and not self.stopped.is_set():
                try:
                    listener = _listen(modules[account.network], account)
                except NetworkError as exc:  # unreadable credentials: marked, not listened to
                    log.warning("not listening to account %s: %s", account_id, exc.message)
                    continue
                if listener is not None:
                    self.listening[account_id] = (_key(account), listener)
                    listener.start()

    def _stop_all(self) -> None:
        with self._lock:
            streams = [stream for _, stream in self.listening.values()]
            self.listening.clear()
        for stream in streams:
            stream.stop()
        for stream in streams:
            stream.join(timeout=5)


def _listen(module: StreamModule, account: ConnectedAccount) -> Listener | None:
    account_id = account.pk
    return module.listen(
        account,
        lambda: credentials_of(account),
        lambda: _in_thread(lambda: wake(account_id)),
        lambda exc: _in_thread(lambda: _revoked(account_id, exc)),
    )


def _streaming_accounts(networks: list[str]) -> list[ConnectedAccount]:
    syncing = [AccountStatus.OK, AccountStatus.RATE_LIMITED]
    found = ConnectedAccount.objects.filter(network__in=networks, status__in=syncing)
    return list(found.filter(is_demo=False))


def _key(account: ConnectedAccount) -> str:
    """What a listener depends on: a new token or address means a new listener."""
    return f"{account.server_url} {account.credentials_encrypted}"


def start_streams() -> Streams | None:
    """Start listening (unless no installed network streams here); stop() the result."""
    if not stream_modules():
        return None
    streams = Streams()
    streams.start()
    return streams
