"""Connecting a Mastodon account: the OAuth authorization-code flow against mastodon-mock."""

import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.mastodon.auth import (
    authorize_url,
    exchange_code,
    normalize_instance_url,
    register_app,
)
from porch.networks.mastodon.client import MastodonClient

from .conftest import DOMAIN, Mock
from .replay import Reply, replaying

REDIRECT = "https://porch.example/connect/mastodon/done"


def owner_allows(url: str, username: str) -> dict[str, list[str]]:
    """What the owner's browser does: open the page, choose the account, follow the redirect.

    The mock does not check passwords: its /oauth/authorize page lists the accounts, and
    choosing one redirects with a code.
    """
    asked = parse_qs(urlsplit(url).query)
    page = httpx.get(url)
    choice = {name: asked[name][0] for name in ("client_id", "redirect_uri", "scope", "state")}
    answer = httpx.post(
        url.split("?")[0], data={**choice, "username": username}, follow_redirects=False
    )
    assert page.status_code == 200 and answer.status_code == 302
    return parse_qs(urlsplit(answer.headers["location"]).query)


def test_the_owner_connects_the_bakery_with_the_code_flow(mock: Mock) -> None:
    app = register_app(mock.base_url, REDIRECT)
    url = authorize_url(mock.base_url, app, REDIRECT, state="s-123")
    returned = owner_allows(url, "cornerbakery")

    account, credentials = exchange_code(mock.base_url, app, returned["code"][0], REDIRECT)

    assert returned["state"] == ["s-123"]
    assert parse_qs(urlsplit(url).query)["scope"] == ["read write"]
    assert (account.network, account.handle, account.server_url) == (
        "mastodon",
        f"cornerbakery@{DOMAIN}",
        mock.base_url,
    )
    assert credentials["app"] == app and credentials["access_token"]
    assert MastodonClient(account, credentials).verify() == account


def test_a_code_that_was_not_issued_is_refused_plainly(mock: Mock) -> None:
    app = register_app(mock.base_url, REDIRECT)

    with pytest.raises(NetworkError) as raised:
        exchange_code(mock.base_url, app, "made-up", REDIRECT)

    assert raised.value.permanent and "connect again" in raised.value.message


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("  https://Mastodon.Social/  ", "https://mastodon.social"),
        ("@shop@fosstodon.org", "https://fosstodon.org"),
        ("mastodon.social/@shop", "https://mastodon.social"),
        ("https://mastodon.social/@shop", "https://mastodon.social"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
    ],
)
def test_the_instance_can_be_typed_as_people_type_it(typed: str, expected: str) -> None:
    assert normalize_instance_url(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "mastodon", "ftp://mastodon.social", "https://user:pw@m.social", "a b.social"]
)
def test_an_invalid_instance_address_says_how_to_type_it(typed: str) -> None:
    with pytest.raises(NetworkError) as raised:
        register_app(typed, REDIRECT)

    assert raised.value.permanent and "like mastodon.social" in raised.value.message


def test_plain_http_is_only_for_this_machine() -> None:
    with pytest.raises(NetworkError) as raised:
        register_app("http://mastodon.social", REDIRECT)

    assert raised.value.permanent and "https://" in raised.value.message


def test_an_unreachable_server_is_worth_another_try() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens there

    with pytest.raises(NetworkError) as raised:
        register_app(closed, REDIRECT)

    assert not raised.value.permanent and "Could not reach" in raised.value.message


def test_a_web_page_that_is_not_mastodon_is_named_as_such() -> None:
    routes = {"POST /api/v1/apps": Reply(200, "<html><body>My blog</body></html>")}
    with replaying(routes) as site, pytest.raises(NetworkError) as raised:
        register_app(site.base_url, REDIRECT)

    assert raised.value.permanent and "does not answer like a Mastodon server" in str(raised.value)


def test_a_server_on_a_private_network_is_refused_before_porch_talks_to_it(
    settings: Any,
) -> None:
    settings.FETCH_ALLOW_PRIVATE = False  # the suite allows it for mastodon-mock
    app = {"id": "1", "name": "Porch", "client_id": "cid", "client_secret": "secret"}
    app_keys = {"client_id": "cid", "client_secret": "secret"}
    with replaying({"POST /api/v1/apps": Reply(200, app)}) as site:
        with pytest.raises(NetworkError) as registering:
            register_app(site.base_url, REDIRECT)
        with pytest.raises(NetworkError) as exchanging:
            exchange_code(site.base_url, app_keys, "a-code", REDIRECT)

    for raised in (registering, exchanging):
        assert raised.value.permanent and raised.value.code == ErrorCode.UNREACHABLE
        assert raised.value.detail == "private_address"
        assert "on a private network" in raised.value.message
    assert site.requests == []
