"""A real HTTP server for the Mastodon tests: mastodon-mock on loopback, reset per test.

mastodon-mock is a stateful fake of Mastodon's REST API (a third party's, not Mastodon):
Mastodon.py talks to it over real HTTP. The seed is a bakery and two of its customers.
"""

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from mastodon import Mastodon
from mastodon_mock.config import SeedAccount, SeedConfig, SeedFollow
from mastodon_mock.testing import MockServer

from porch.networks.base import AccountRef
from porch.networks.mastodon.client import MastodonClient

SEED = SeedConfig(
    accounts=[
        SeedAccount(username="cornerbakery", display_name="Corner Bakery", access_token="bakery"),
        SeedAccount(username="pat", display_name="Pat Customer", access_token="pat"),
        SeedAccount(username="sam", display_name="Sam", access_token="sam"),
    ],
    follows=[SeedFollow(follower="pat", following="cornerbakery")],
)
DOMAIN = "mock.local"  # the mock's domain in handles and URLs


class Mock:
    """The running mock, with its control endpoints (/api/v1/_mock/*)."""

    def __init__(self, server: MockServer) -> None:
        self.base_url = server.base_url

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/api/v1/_mock/reset").raise_for_status()

    def fault(self, path: str, effect: dict[str, Any], methods: list[str] | None = None) -> None:
        """The next request to `path` fails as `effect` says (once)."""
        rule = {"match": {"path": path, "methods": methods}, "effect": effect, "count": 1}
        httpx.post(f"{self.base_url}/api/v1/_mock/faults", json=rule).raise_for_status()
        if effect.get("type") == "ratelimit":
            self.settle_date()

    def settle_date(self) -> None:
        """Waits (a second at most) until the server's Date header agrees with this clock.

        Mastodon.py moves a rate limit's reset by the server's Date. The server (uvicorn, in
        this process) refreshes that header once a second from time.time(), so just after a
        test that froze the clock elsewhere it can still say the frozen date, which would put
        the reset in the past.
        """
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            date = httpx.get(f"{self.base_url}/api/v1/instance").headers.get("date")
            if date and abs(parsedate_to_datetime(date).timestamp() - time.time()) < 2:
                return
            time.sleep(0.1)

    def as_user(self, token: str) -> Mastodon:
        """A customer on the same instance, using Mastodon.py directly."""
        return Mastodon(access_token=token, api_base_url=self.base_url, ratelimit_method="throw")


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockServer]:
    with MockServer(seed=SEED) as server:
        yield server


@pytest.fixture
def mock(mock_server: MockServer) -> Mock:
    running = Mock(mock_server)
    running.reset()
    return running


@pytest.fixture
def bakery_account(mock: Mock) -> AccountRef:
    return AccountRef("mastodon", f"cornerbakery@{DOMAIN}", server_url=mock.base_url)


@pytest.fixture
def bakery(bakery_account: AccountRef) -> MastodonClient:
    return MastodonClient(bakery_account, {"access_token": "bakery"})


@pytest.fixture
def pat(mock: Mock) -> Mastodon:
    return mock.as_user("pat")


@pytest.fixture
def sam(mock: Mock) -> Mastodon:
    return mock.as_user("sam")
