"""Connecting: the PDS address the owner types, and a server that is not there."""

import socket

import pytest

from porch.networks.base import NetworkError
from porch.networks.bluesky.auth import login, normalize_pds


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("", "https://bsky.social"),
        ("pds.cornerbakery.com", "https://pds.cornerbakery.com"),
        ("https://pds.cornerbakery.com/", "https://pds.cornerbakery.com"),
        ("https://pds.cornerbakery.com/xrpc", "https://pds.cornerbakery.com"),
        (" http://localhost:2583 ", "http://localhost:2583"),
    ],
)
def test_the_pds_address_is_normalized(typed: str, url: str) -> None:
    assert normalize_pds(typed) == url


def test_a_server_that_is_not_there_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError) as raised:
        login("corner.bsky.social", "abcd-efgh-ijkl-mnop", f"http://127.0.0.1:{port}")
    assert raised.value.message == (
        f"No Bluesky server (PDS) answered at http://127.0.0.1:{port}: check the server address"
    )
    assert not raised.value.permanent  # it may be down for a moment
