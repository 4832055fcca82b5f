"""Connecting: the PDS address the owner types, and a server that is not there."""

import socket
from typing import Any

import pytest

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.bluesky.auth import login, normalize_pds
from tests.networks.mastodon.replay import Reply, replaying


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


def test_a_pds_on_a_private_network_is_refused_before_porch_talks_to_it(settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE = False  # the suite allows it for the dev network
    refusal = {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    routes = {"POST /xrpc/com.atproto.server.createSession": Reply(401, refusal)}
    with replaying(routes) as pds, pytest.raises(NetworkError) as raised:
        login("corner.bsky.social", "abcd-efgh-ijkl-mnop", pds.base_url)

    assert raised.value.permanent and raised.value.code == ErrorCode.UNREACHABLE
    assert raised.value.detail == "PrivateAddress"
    assert "on a private network" in raised.value.message
    assert pds.requests == []
