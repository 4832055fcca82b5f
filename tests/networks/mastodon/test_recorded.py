"""MastodonClient against replies recorded from real Mastodon instances (sanitised).

What mastodon-mock does not reproduce: h-card mention HTML, shortened links, a remote
customer's acct, real rate-limit headers (an ISO time in X-RateLimit-Reset) and real
error bodies.
"""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from porch.networks.base import AccountRef, NetworkError, Outgoing
from porch.networks.mastodon.client import MastodonClient

from .replay import ReplayServer, Reply, recorded, replaying

ROOT = "113540000123456789"


def client_for(replay: ReplayServer) -> MastodonClient:
    account = AccountRef(
        "mastodon",
        "cornerbakery@mastodon.social",
        external_id="112908843920114582",
        server_url=replay.base_url,
    )
    return MastodonClient(account, {"access_token": "recorded-token"})


def test_real_mentions_become_plain_text_with_kinds_and_threads() -> None:
    routes = {
        "GET /api/v1/notifications": Reply(body=recorded("notifications_mentions.json")),
        "GET /api/v1/statuses/113545001918273645/context": Reply(
            body=recorded("status_context.json")
        ),
    }
    with replaying(routes) as replay:
        page = client_for(replay).fetch_incoming("")

    mention, reply, direct = page.items
    assert mention.text == (
        "Best croissants in town, thanks @cornerbakery! 🥐\n\n"
        "Their autumn menu: https://cornerbakery.example/menu/autumn-2026?ref=mastodon"
    )
    assert (mention.kind, mention.author_handle, mention.author_name) == (
        "mention",
        "pat@fosstodon.org",
        "Pat 🌻",
    )
    assert mention.url == "https://fosstodon.org/@pat/113544990511003472"
    assert reply.text == (
        "@cornerbakery the sourdough was gone by 10 again 😩\n"
        "any chance you could bake more on Saturdays? #sourdough"
    )
    assert (reply.kind, reply.author_handle, reply.in_reply_to, reply.root_id) == (
        "reply",
        "sam@mastodon.social",
        ROOT,
        ROOT,
    )
    assert direct.kind == "direct"
    assert direct.text.endswith("🎂 It's for 12 people & one is vegan")
    assert direct.sent_at == datetime(2026, 11, 20, 9, 14, 3, tzinfo=UTC)
    assert page.cursor == "421907"


def test_the_notifications_request_asks_for_mentions_after_the_cursor() -> None:
    routes = {"GET /api/v1/notifications": Reply(body=[])}
    with replaying(routes) as replay:
        page = client_for(replay).fetch_incoming("421907")

    [request] = replay.requests
    assert request.query["min_id"] == ["421907"] and request.query["types[]"] == ["mention"]
    assert request.query["include_filtered"] == ["true"]
    assert request.headers["Authorization"] == "Bearer recorded-token"
    assert page.items == [] and page.cursor == "421907"


def test_a_real_rate_limit_reply_gives_the_seconds_until_reset() -> None:
    now = datetime.now(UTC)
    headers = {
        "Date": format_datetime(now, usegmt=True),
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": (now + timedelta(seconds=120)).isoformat(timespec="milliseconds"),
    }
    routes = {
        "GET /api/v1/notifications": Reply(429, {"error": "Too many requests"}, headers),
    }
    with replaying(routes) as replay, pytest.raises(NetworkError) as raised:
        client_for(replay).fetch_incoming("")

    assert not raised.value.permanent
    assert raised.value.retry_after is not None and 115 <= raised.value.retry_after <= 121


def test_a_real_revoked_token_reply_asks_to_reconnect() -> None:
    body = {"error": "The access token was revoked"}
    routes = {"GET /api/v1/accounts/verify_credentials": Reply(401, body)}
    with replaying(routes) as replay, pytest.raises(NetworkError) as raised:
        client_for(replay).account_metrics()

    assert raised.value.reconnect and raised.value.permanent


def test_a_real_validation_error_is_permanent_and_the_key_was_sent() -> None:
    body = {"error": "Validation failed: Text character limit of 500 exceeded"}
    routes = {
        "GET /api/v2/instance": Reply(body=recorded("instance_v2.json")),
        "POST /api/v1/statuses": Reply(422, body),
    }
    with replaying(routes) as replay, pytest.raises(NetworkError) as raised:
        client_for(replay).publish(Outgoing("x" * 501, idempotency_key="post-7"))

    assert raised.value.permanent
    assert raised.value.message == "Validation failed: Text character limit of 500 exceeded"
    assert replay.requests[-1].headers["Idempotency-Key"] == "post-7"


def test_a_proxy_error_page_is_temporary() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    routes = {"GET /api/v1/notifications": Reply(502, page)}
    with replaying(routes) as replay, pytest.raises(NetworkError) as raised:
        client_for(replay).fetch_incoming("")

    assert not raised.value.permanent and not raised.value.reconnect


def test_rules_fall_back_to_the_v1_instance_of_older_servers() -> None:
    routes = {
        "GET /api/v2/instance": Reply(404, {"error": "Record not found"}),
        "GET /api/v1/instance": Reply(body=recorded("instance_v1_pleroma.json")),
    }
    with replaying(routes) as replay:
        rules = client_for(replay).rules()

    assert (rules.max_length, rules.url_length) == (5000, 23)
