"""BlueskyClient's session handling and failures, against a scripted PDS (no server).

The real behaviour of every call is checked against Bluesky's own PDS in test_peer.py;
these cover what a dev network cannot produce on demand: expiring tokens, timeouts.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from atproto_client import Client  # type: ignore[import-untyped, unused-ignore]
from atproto_client.request import Request  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import AccountRef, ErrorCode, NetworkError, Outgoing
from porch.networks.bluesky.client import BlueskyClient
from porch.networks.query import parse
from tests.networks.mastodon.replay import Reply, replaying

from .fakes import jwt, session_string

ACCOUNT = AccountRef("bluesky", "corner.bsky.social", "did:plc:bakery", "http://pds.test")
Handler = Callable[[httpx.Request], httpx.Response]


class ScriptedPds:
    """Answers XRPC calls from a dict of method -> list of answers (the last one repeats)."""

    def __init__(self, answers: dict[str, list[httpx.Response | Exception]] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[tuple[str, str]] = []  # (method, Authorization header)
        self.bodies: dict[str, Any] = {}  # method -> the last JSON body sent

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.removeprefix("/xrpc/")
        self.calls.append((method, request.headers.get("Authorization", "")))
        if request.headers.get("Content-Type") == "application/json":
            self.bodies[method] = json.loads(request.content)
        queue = self.answers.get(method) or [error(501, "MethodNotImplemented")]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def error(status: int, name: str, message: str = "") -> httpx.Response:
    return httpx.Response(status, json={"error": name, "message": message or name})


SESSION = {"handle": "corner.bsky.social", "did": "did:plc:bakery"}


class ScriptedClient(BlueskyClient):
    pds: ScriptedPds

    def _new_sdk(self) -> Client:
        return Client(
            self.account.server_url, request=Request(transport=httpx.MockTransport(self.pds))
        )


def client_on(
    pds: ScriptedPds, access: str, refresh: str = ""
) -> tuple[ScriptedClient, list[dict[str, Any]]]:
    saved: list[dict[str, Any]] = []
    credentials = {
        "session": session_string(access, refresh or jwt(90 * 86400, "com.atproto.refresh"))
    }
    client = ScriptedClient(ACCOUNT, credentials, saved.append)
    client.pds = pds
    return client, saved


def test_the_stored_session_is_used_without_logging_in() -> None:
    access = jwt(3600)
    pds = ScriptedPds({"com.atproto.server.getSession": [ok(SESSION)]})
    client, saved = client_on(pds, access)
    assert pds.calls == []  # building a client asks nothing
    assert client.verify() == ACCOUNT
    assert pds.calls == [("com.atproto.server.getSession", f"Bearer {access}")]
    assert saved == []


def test_a_token_about_to_expire_is_refreshed_and_the_new_session_saved() -> None:
    old_refresh, new_access, new_refresh = (
        jwt(86400, "com.atproto.refresh"),
        jwt(7200),
        jwt(90 * 86400, "x"),
    )
    pds = ScriptedPds(
        {
            "com.atproto.server.refreshSession": [
                ok({**SESSION, "accessJwt": new_access, "refreshJwt": new_refresh})
            ],
            "com.atproto.server.getSession": [ok(SESSION)],
        }
    )
    client, saved = client_on(pds, jwt(300), old_refresh)  # expires in 5 minutes
    client.verify()
    assert pds.calls == [
        ("com.atproto.server.refreshSession", f"Bearer {old_refresh}"),
        ("com.atproto.server.getSession", f"Bearer {new_access}"),
    ]
    assert [s["session"].split(":::")[2:4] for s in saved] == [[new_access, new_refresh]]
    assert client.credentials == saved[-1]


def test_a_revoked_session_asks_to_reconnect_and_never_sends_a_password() -> None:
    pds = ScriptedPds(
        {
            "com.atproto.server.refreshSession": [
                error(400, "ExpiredToken", "Token has been revoked")
            ]
        }
    )
    client, saved = client_on(pds, jwt(-60))
    with pytest.raises(NetworkError) as raised:
        client.fetch_incoming("")
    assert raised.value.reconnect and raised.value.permanent
    assert raised.value.message == (
        "Bluesky no longer accepts Porch's session for @corner.bsky.social: reconnect the account"
    )
    assert "com.atproto.server.createSession" not in pds.methods()
    assert saved == []


def test_a_token_the_pds_calls_expired_is_refreshed_once() -> None:
    new_access = jwt(7200)
    pds = ScriptedPds(
        {
            "com.atproto.server.getSession": [
                error(400, "ExpiredToken", "Token has expired"),
                ok(SESSION),
            ],
            "com.atproto.server.refreshSession": [
                ok({**SESSION, "accessJwt": new_access, "refreshJwt": jwt(1000, "x")})
            ],
        }
    )
    client, saved = client_on(pds, jwt(3600))  # fine by this machine's clock
    assert client.verify().handle == "corner.bsky.social"
    assert pds.methods() == [
        "com.atproto.server.getSession",
        "com.atproto.server.refreshSession",
        "com.atproto.server.getSession",
    ]
    assert len(saved) == 1


@pytest.mark.parametrize("credentials", [{}, {"session": "garbage"}, {"password": "hunter2"}])
def test_unusable_credentials_ask_to_reconnect(credentials: dict[str, Any]) -> None:
    client = BlueskyClient(ACCOUNT, credentials)
    with pytest.raises(NetworkError) as raised:
        client.account_metrics()
    assert raised.value.reconnect


def test_a_rate_limited_fetch_says_when_to_come_back() -> None:
    reset = str(int(datetime.now(UTC).timestamp()) + 300)
    limited = httpx.Response(
        429, json={"error": "RateLimitExceeded"}, headers={"RateLimit-Reset": reset}
    )
    client, _ = client_on(
        ScriptedPds({"app.bsky.notification.listNotifications": [limited]}), jwt(3600)
    )
    with pytest.raises(NetworkError) as raised:
        client.fetch_incoming("")
    assert raised.value.retry_after is not None and 290 <= raised.value.retry_after <= 300


def test_a_publish_that_timed_out_is_found_by_its_key() -> None:
    record = {
        "uri": "at://did:plc:bakery/app.bsky.feed.post/3juxuj4blz6k7",
        "cid": "bafyreib2rxk3rh6kzwq",
        "value": {
            "$type": "app.bsky.feed.post",
            "text": "Fresh bread",
            "createdAt": "2026-05-01T09:00:00Z",
        },
    }
    pds = ScriptedPds(
        {
            "com.atproto.repo.createRecord": [httpx.ReadTimeout("timed out")],
            "com.atproto.repo.getRecord": [error(400, "RecordNotFound"), ok(record)],
        }
    )
    client, _ = client_on(pds, jwt(3600))
    post = Outgoing("Fresh bread", idempotency_key="x")
    with pytest.raises(NetworkError) as raised:
        client.publish(post)
    assert raised.value.outcome_unknown and not raised.value.permanent
    found = client.find_published(post, datetime(2026, 5, 1, tzinfo=UTC))
    assert found is not None and found.external_id == record["uri"]
    assert found.url == "https://bsky.app/profile/corner.bsky.social/post/3juxuj4blz6k7"
    sent = pds.bodies["com.atproto.repo.createRecord"]
    assert (sent["rkey"], sent["repo"], sent["record"]["text"]) == (
        "3juxuj4blz6k7",  # record_key("x")
        "did:plc:bakery",
        "Fresh bread",
    )
    assert client.usage.writes == 0


def test_a_post_bluesky_cannot_take_is_refused_before_any_request() -> None:
    pds = ScriptedPds()
    client, _ = client_on(pds, jwt(3600))
    with pytest.raises(NetworkError) as raised:
        client.publish(Outgoing("For our VIPs", "k", visibility="followers"))
    assert raised.value.permanent and "followers-only" in raised.value.message
    assert pds.calls == []


def test_no_secret_shows_in_reprs_or_errors() -> None:
    access, refresh = jwt(-60), jwt(-60, "com.atproto.refresh")
    pds = ScriptedPds({"com.atproto.server.refreshSession": [error(400, "InvalidToken")]})
    client, _ = client_on(pds, access, refresh)
    with pytest.raises(NetworkError) as raised:
        client.verify()
    shown = repr(client) + repr(raised.value) + str(raised.value) + json.dumps(vars(raised.value))
    for secret in (access, refresh, access.split(".")[1], refresh.split(".")[1]):
        assert secret not in shown


def test_search_on_a_server_without_it_says_so() -> None:
    client, _ = client_on(ScriptedPds(), jwt(3600))  # answers 501 MethodNotImplemented
    with pytest.raises(NetworkError) as raised:
        client.search(parse("croissant"), "")
    assert raised.value.permanent
    assert raised.value.message == (
        "Search is not available on this Bluesky server (MethodNotImplemented)"
    )


def test_a_sync_with_a_pds_on_a_private_network_is_refused_before_porch_talks_to_it(
    settings: Any,
) -> None:
    settings.FETCH_ALLOW_PRIVATE = False  # the suite allows it for the dev network
    routes = {"GET /xrpc/com.atproto.server.getSession": Reply(200, SESSION)}
    with replaying(routes) as pds:
        account = AccountRef("bluesky", "corner.bsky.social", "did:plc:bakery", pds.base_url)
        session = session_string(jwt(3600), jwt(90 * 86400, "com.atproto.refresh"), pds.base_url)
        client = BlueskyClient(account, {"session": session})
        with pytest.raises(NetworkError) as raised:
            client.verify()
    assert raised.value.permanent and raised.value.code == ErrorCode.UNREACHABLE
    assert raised.value.detail == "PrivateAddress"
    assert "on a private network" in raised.value.message and pds.requests == []
