"""Fixtures for the X tests: X's API and token endpoint, replayed (see replay.py)."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from porch.networks.x.client import XClient

from .replay import ACCOUNT, NOW, Replay, ReplayAdapter, credentials, token_http


@pytest.fixture
def x() -> Iterator[Replay]:
    """X's API, replayed; every queued reply must have been asked for by the end."""
    replay = Replay()
    yield replay
    assert replay.queue == [], "recorded replies left unused"


@pytest.fixture
def tokens() -> Iterator[Replay]:
    """X's OAuth 2.0 token endpoint (and /2/users/me for connecting), through httpx."""
    replay = Replay()
    yield replay
    assert replay.queue == [], "recorded token replies left unused"


@pytest.fixture
def make_client(
    x: Replay, tokens: Replay
) -> Iterator[Callable[..., tuple[XClient, list[dict[str, Any]]]]]:
    """make_client(**credential changes) -> (XClient on the replay, credentials it saved)."""
    opened: list[httpx.Client] = []

    def make(**changes: Any) -> tuple[XClient, list[dict[str, Any]]]:
        saved: list[dict[str, Any]] = []
        http = token_http(tokens)
        opened.append(http)
        client = XClient(
            ACCOUNT, credentials(**changes), saved.append, oauth_http=http, clock=lambda: NOW
        )
        client.session.mount("https://", ReplayAdapter(x))
        client.session.mount("http://", ReplayAdapter(x))
        return client, saved

    yield make
    for http in opened:
        http.close()
