"""Listening, from each worker, to the networks that stream notifications (Mastodon).

`Streams` keeps one NotificationStream per connected Mastodon account that is syncing,
and looks again every REFRESH seconds: a new account gets one, a disconnected or
reconnected one (new token) loses its old one, and a dropped one is started again. A
mention on a stream wakes the account (`sync.wake`): it is synced at once, through the
same claim and cursor as a polled sync, so two workers listening to one account still
sync it once. X has no stream for mentions short of enterprise webhooks, Facebook's
webhooks need a public address, and Bluesky's firehose is the whole network: those poll.
"""

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from porch.networks.base import NetworkError
from porch.networks.mastodon.stream import NotificationStream
from porch.networks.sync import credentials_of, mark_reconnect, wake
from porch.workspaces.models import AccountStatus, ConnectedAccount

log = logging.getLogger(__name__)

REFRESH = 30.0  # seconds between looks at which accounts to listen to


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
        self.listening: dict[int, tuple[str, NotificationStream]] = {}  # account id: (key, ...)
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
        """Listen to exactly the Mastodon accounts that are syncing now."""
        wanted = {account.pk: account for account in _streaming_accounts()}
        with self._lock:
            self._follow(wanted)

    def _follow(self, wanted: dict[int, ConnectedAccount]) -> None:
        for account_id, (key, stream) in list(self.listening.items()):
            account = wanted.get(account_id)
            if account is None or _key(account) != key or not stream.is_alive():
                stream.stop()
                del self.listening[account_id]
        for account_id, account in wanted.items():
            if account_id not in self.listening and not self.stopped.is_set():
                try:
                    stream = self._listen(account)
                except NetworkError as exc:  # unreadable credentials: marked, not listened to
                    log.warning("not listening to account %s: %s", account_id, exc.message)
                    continue
                self.listening[account_id] = (_key(account), stream)
                stream.start()

    def _listen(self, account: ConnectedAccount) -> NotificationStream:
        account_id = account.pk
        return NotificationStream(
            account.server_url,
            str(credentials_of(account).get("access_token", "")),
            on_mention=lambda: _in_thread(lambda: wake(account_id)),
            on_revoked=lambda exc: _in_thread(lambda: _revoked(account_id, exc)),
            name=f"mastodon-stream-{account_id}",
        )

    def _stop_all(self) -> None:
        with self._lock:
            streams = [stream for _, stream in self.listening.values()]
            self.listening.clear()
        for stream in streams:
            stream.stop()
        for stream in streams:
            stream.join(timeout=5)


def _streaming_accounts() -> list[ConnectedAccount]:
    syncing = [AccountStatus.OK, AccountStatus.RATE_LIMITED]
    found = ConnectedAccount.objects.filter(network="mastodon", is_demo=False, status__in=syncing)
    return list(found.exclude(server_url=""))


def _key(account: ConnectedAccount) -> str:
    """What a listener depends on: a new token or address means a new listener."""
    return f"{account.server_url} {account.credentials_encrypted}"


def start_streams() -> Streams | None:
    """Start listening (unless PORCH_MASTODON_STREAMING is off); stop() the result."""
    if not settings.MASTODON_STREAMING:
        return None
    streams = Streams()
    streams.start()
    return streams
