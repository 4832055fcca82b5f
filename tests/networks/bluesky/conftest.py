"""Bluesky's own PDS, AppView and PLC on loopback (@atproto/dev-env), for the peer tests.

Started by `eval $(scripts/peers-bluesky.sh start)`, which sets PORCH_TEST_BLUESKY_PDS and
PORCH_TEST_BLUESKY_CONTROL. Accounts are made on the dev PDS as the tests need them.
"""

import secrets
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from atproto_client import Client, models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import AccountRef
from porch.networks.bluesky.auth import login

START = "eval $(scripts/peers-bluesky.sh start)"


@dataclass
class Person:
    """An account on the dev network, used directly through the atproto SDK."""

    handle: str
    did: str
    password: str  # the main password, as the person's own app would use it
    sdk: Client

    def app_password(self, name: str = "porch") -> str:
        data = models.ComAtprotoServerCreateAppPassword.Data(name=name)
        password: str = self.sdk.com.atproto.server.create_app_password(data).password
        return password


@dataclass
class DevNetwork:
    pds: str
    control: str

    def settle(self) -> None:
        """Wait until the AppView has indexed everything written so far."""
        with urllib.request.urlopen(f"{self.control}/process", timeout=30) as answer:
            answer.read()

    def people(self, *names: str) -> list[Person]:
        """New accounts (handles end in .test on the dev network), logged in."""
        created = [self._create(name) for name in names]
        self.settle()  # the AppView must know a profile before the login reads it
        for person in created:
            person.sdk.login(person.handle, person.password)
        return created

    def _create(self, name: str) -> Person:
        handle, password = f"{name}{secrets.token_hex(3)}.test", secrets.token_urlsafe(12)
        data = models.ComAtprotoServerCreateAccount.Data(
            handle=handle, email=f"{handle}@example.com", password=password
        )
        sdk = Client(base_url=self.pds)
        did: str = sdk.com.atproto.server.create_account(data).did
        return Person(handle, did, password, sdk)

    def connect(self, person: Person) -> tuple[AccountRef, dict[str, Any]]:
        """What the owner does in Porch: log in with a new app password."""
        return login(person.handle, person.app_password(), self.pds)


@pytest.fixture(scope="module")
def network(require_peer: Callable[[str, str, str], str]) -> DevNetwork:
    pds = require_peer("Bluesky", "PORCH_TEST_BLUESKY_PDS", START)
    control = require_peer("Bluesky", "PORCH_TEST_BLUESKY_CONTROL", START)
    return DevNetwork(pds.rstrip("/"), control.rstrip("/"))
