"""Listening to a Mastodon account: its notification stream (stream.py), started by the
workers' Streams (porch/networks/streams.py) while PORCH_MASTODON_STREAMING is on."""

from collections.abc import Callable
from typing import Any

from django.conf import settings

from porch.networks.base import NetworkError
from porch.networks.mastodon.stream import NotificationStream
from porch.workspaces.models import ConnectedAccount


def enabled() -> bool:
    return bool(settings.MASTODON_STREAMING)


def listen(
    account: ConnectedAccount,
    credentials: Callable[[], dict[str, Any]],
    on_mention: Callable[[], None],
    on_revoked: Callable[[NetworkError], None],
) -> NotificationStream | None:
    """The account's stream, not yet started; None without the address of its server.
    `credentials` reads them (NetworkError when they cannot be read)."""
    if not account.server_url:
        return None
    return NotificationStream(
        account.server_url,
        str(credentials().get("access_token", "")),
        on_mention=on_mention,
        on_revoked=on_revoked,
        name=f"mastodon-stream-{account.pk}",
    )
