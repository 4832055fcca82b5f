"""Fixtures shared by the network tests."""

import os
from collections.abc import Callable

import pytest


def _require_peer(name: str, variable: str, start: str) -> str:
    """The address of a real peer, from `variable`: skip when it is not set, but fail in CI."""
    value = os.environ.get(variable, "")
    if not value:
        message = f"{name} peer not running: run `{start}` first (CI does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture(scope="session")
def require_peer() -> Callable[[str, str, str], str]:
    """require_peer("Bluesky", "PORCH_TEST_BLUESKY_PDS", "eval $(...)") -> the peer's URL."""
    return _require_peer
