"""XClient against X's recorded replies: connecting, tokens, fetching, publishing, errors."""

import base64
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from porch.networks.base import AccountRef, ErrorCode, Media, NetworkError, Outgoing, Published
from porch.networks.query import parse
from porch.networks.registry import client_class
from porch.networks.x import auth
from porch.networks.x.client import XClient, search_text
from porch.networks.x.costs import estimated_cost
from porch.networks.x.cursor import IncomingCursor, SearchCursor
from porch.networks.x.errors import DUPLICATE_MESSAGE

from .replay import ME, NOW, Replay, recorded, token_http

MakeClient = Callable[..., tuple[XClient, list[dict[str, Any]]]]

M0, M1, M2, M3 = (
    "2123687789983669249",
    "2123706672741351553",
    "2123710611193856263",
    "2123715543692304385",
)
D0, D3 = "2123687789985202176", "2123712976781967360"
P0, S0, S1, S2 = (
    "2123446198072647505",
    "2123672690488324096",
    "2123704286183149568",
    "2123714767747153920",
)
B1, B2, B3 = "2123717653429026816", "2123710699271380992", "2123691040571654144"
T1, T2, OLD, GONE = (
    "2123717993167257600",
    "2123718571980357632",
    "2123023412232060928",
    "2122661024364691456",
)
SINCE = "2026-11-20T08:00:00Z"
ANNOUNCEMENT = (
    "Fresh sourdough is out of the oven 🍞 Get it while it's warm: https://cornerbakery.co.uk/today"
)
PNG = base64.b64decode(recorded("media_upload")["request"]["json"]["media"])


def post(text: str = ANNOUNCEMENT, **fields: Any) -> Outgoing:
    return Outgoing(text=text, idempotency_key="post-1", **fields)


def fetch_cursor(mentions: str = M0, dm: str = D0, since: str = SINCE) -> str:
    return IncomingCursor(mentions=mentions, dm=dm, since=since).dump()


# Connecting


def test_registry_finds_the_x_client() -> None:
    assert client_class("x") is XClient


def test_authorize_url_asks_for_the_scopes_with_a_pkce_challenge() -> None:
    url, verifier = auth.authorize_url("client-1", "https://porch.example/cb", "state-1")
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    digest = hashlib.sha256(verifier.encode()).digest()
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/i/oauth2/authorize"
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == "state-1" and query["client_id"] == "client-1"
    assert query["redirect_uri"] == "https://porch.example/cb"
    wanted = "tweet.read tweet.write users.read offline.access dm.read like.write follows.write"
    assert set(wanted.split()) <= set(query["scope"].split())
    assert 43 <= len(verifier) <= 128


def test_connecting_trades_the_code_for_tokens_and_names_the_account(tokens: Replay) -> None:
    tokens.add("oauth2_token", "users_me")
    with token_http(tokens) as http:
        account, creds = auth.exchange_code(
            "client-1", "secret-1", "https://porch.example/cb", "code-1", "verifier-1", http=http
        )
    assert account == AccountRef(network="x", handle="cornerbakery", external_id=ME)
    token = recorded("oauth2_token")["response"]["body"]
    assert creds["access_token"] == token["access_token"]
    assert creds["refresh_token"] == token["refresh_token"]
    assert creds["client_id"] == "client-1" and creds["client_secret"] == "secret-1"
    method, url, headers, body = tokens.requests[0]
    form = parse_qs((body or b"").decode())
    assert url == "https://api.x.com/2/oauth2/token" and method == "POST"
    assert form["grant_type"] == ["authorization_code"] and form["code_verifier"] == ["verifier-1"]
    assert headers["authorization"] == "Basic " + base64.b64encode(b"client-1:secret-1").decode()
    assert tokens.requests[1][2]["authorization"] == f"Bearer {token['access_token']}"


def test_connecting_with_a_stale_code_is_refused_plainly(tokens: Replay) -> None:
    tokens.add("oauth2_token_invalid")
    with token_http(tokens) as http, pytest.raises(NetworkError) as refused:
        auth.exchange_code("client-1", "", "https://porch.example/cb", "old", "v", http=http)
    assert refused.value.permanent and not refused.value.reconnect
    assert "Value passed for the token was invalid" in refused.value.message


def test_connecting_sets_expiry_from_now(tokens: Replay) -> None:
    tokens.add("oauth2_token", "users_me")
    with token_http(tokens) as http:
        _, creds = auth.exchange_code(
            "c", "", "https://p.example/cb", "code", "v", http=http, now=NOW
        )
    assert creds["expires_at"] == NOW + 7200
    assert "authorization" not in tokens.requests[0][2]  # a public client sends no secret


# Tokens


def test_a_401_refreshes_the_token_once_and_the_call_succeeds(
    make_client: MakeClient, x: Replay, tokens: Replay
) -> None:
    client, saved = make_client()
    x.add("error_401", "users_me")
    tokens.add("oauth2_token_refreshed")
    assert client.verify().handle == "cornerbakery"
    fresh = recorded("oauth2_token_refreshed")["response"]["body"]
    assert saved == [client.credentials]
    assert saved[0]["refresh_token"] == fresh["refresh_token"]  # X rotated it: stored at once
    assert saved[0]["expires_at"] == NOW + 7200
    assert x.bearer(0) == "Bearer old-access-token"
    assert x.bearer(1) == f"Bearer {fresh['access_token']}"
    form = parse_qs((tokens.requests[0][3] or b"").decode())
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == [
        "old-refresh-token"
    ]


def test_a_token_about_to_expire_is_refreshed_before_the_call(
    make_client: MakeClient, x: Replay, tokens: Replay
) -> None:
    client, saved = make_client(expires_at=NOW + 30)
    tokens.add("oauth2_token_refreshed")
    x.add("users_me")
    client.verify()
    assert len(x.requests) == 1 and len(saved) == 1


def test_a_refused_refresh_asks_the_owner_to_reconnect(
    make_client: MakeClient, x: Replay, tokens: Replay
) -> None:
    client, saved = make_client()
    x.add("error_401")
    tokens.add("oauth2_token_invalid")
    with pytest.raises(NetworkError) as failed:
        client.verify()
    assert failed.value.reconnect and failed.value.permanent
    assert saved == []


def test_a_401_after_refreshing_asks_the_owner_to_reconnect(
    make_client: MakeClient, x: Replay, tokens: Replay
) -> None:
    client, saved = make_client()
    x.add("error_401", "error_401")
    tokens.add("oauth2_token_refreshed")
    with pytest.raises(NetworkError) as failed:
        client.verify()
    assert failed.value.reconnect
    assert len(saved) == 1  # the rotated refresh token was kept all the same


def test_no_refresh_token_means_reconnect(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client(refresh_token="")
    x.add("error_401")
    with pytest.raises(NetworkError) as failed:
        client.verify()
    assert failed.value.reconnect


# Fetching


def test_fetch_returns_mentions_replies_and_messages_oldest_first(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("mentions_page1", "mentions_page2", "dm_events")
    page = client.fetch_incoming(fetch_cursor())
    assert [item.external_id for item in page.items] == [M1, M2, D3, M3]
    assert [item.kind for item in page.items] == ["reply", "mention", "direct", "mention"]
    complaint = page.items[0]
    assert complaint.text == (
        "@cornerbakery The croissants were stale today & the coffee was cold 😞"
    )
    assert complaint.author_handle == "maria_eats" and complaint.author_name == "María Fernández"
    assert complaint.in_reply_to == P0 and complaint.root_id == P0
    assert complaint.url == f"https://x.com/maria_eats/status/{M1}"
    assert complaint.sent_at == datetime(2026, 11, 20, 9, 15, 2, tzinfo=UTC)
    message = page.items[2]
    assert message.author_handle == "maria_eats" and message.root_id == f"1203948576102938475-{ME}"
    assert page.items[3].root_id == "" and page.items[3].author_name == "Tom Baker"
    after = IncomingCursor.parse(page.cursor)
    assert (after.mentions, after.dm, after.since) == (M3, D3, SINCE)
    assert not page.more


def test_a_second_fetch_after_a_restart_returns_nothing(make_client: MakeClient, x: Replay) -> None:
    first, _ = make_client()
    x.add("mentions_page1", "mentions_page2", "dm_events")
    cursor = first.fetch_incoming(fetch_cursor()).cursor
    restarted, _ = make_client()
    x.add("mentions_none_newer", "dm_events")  # X sends the same DM page again
    page = restarted.fetch_incoming(cursor)
    assert page.items == [] and page.cursor == cursor


def test_the_first_fetch_reads_one_page_and_starts_the_clock(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("mentions_first", "dm_events")
    page = client.fetch_incoming("")
    assert [item.external_id for item in page.items] == [D0, D3, M3]  # not our own DM
    after = IncomingCursor.parse(page.cursor)
    assert (after.mentions, after.dm, after.since) == (M3, D3, "2026-11-20T10:00:00Z")
    assert client.usage.reads == 1


def test_a_quiet_start_reads_from_its_start_time_not_the_latest_page(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("mentions_none_yet", "dm_events")
    quiet = IncomingCursor.parse(client.fetch_incoming("").cursor)
    assert quiet.mentions == "" and quiet.since == "2026-11-20T10:00:00Z"
    x.add("mentions_since_start", "dm_events")
    page = client.fetch_incoming(IncomingCursor(dm=D3, since="2026-11-20T09:45:00Z").dump())
    assert [item.external_id for item in page.items] == [M3]


def test_without_the_dm_scope_only_mentions_are_fetched(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client(scope="tweet.read tweet.write users.read offline.access")
    x.add("mentions_page1", "mentions_page2")
    page = client.fetch_incoming(fetch_cursor())
    assert [item.kind for item in page.items] == ["reply", "mention", "mention"]
    assert IncomingCursor.parse(page.cursor).dm == D0


def test_fetching_counts_posts_and_messages_read(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("mentions_page1", "mentions_page2", "dm_events")
    client.fetch_incoming(fetch_cursor())
    assert client.usage.reads == 3 and client.usage.writes == 0
    assert client.usage.extra["dm_events_read"] == 3
    assert estimated_cost(client.usage.reads, client.usage.writes) == Decimal("0.015")


@pytest.mark.parametrize(
    "cursor", ["2123687789983669249", '{"mentions": 5}', '{"dm": "abc"}', '{"since": "today"}']
)
def test_a_bad_cursor_is_refused(make_client: MakeClient, cursor: str) -> None:
    client, _ = make_client()
    with pytest.raises(ValueError, match="not an X cursor"):
        client.fetch_incoming(cursor)


# Search


def test_search_reads_newer_posts_with_the_app_token(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client(app_bearer_token="app-bearer-token")
    x.add("search_recent")
    query = parse("sourdough OR bakery")
    page = client.search(query, SearchCursor(newest=S0, since=SINCE).dump())
    assert [item.external_id for item in page.items] == [S1, S2]
    assert page.items[1].text == "Does anyone know a bakery near Mill St that does rye & spelt?"
    assert SearchCursor.parse(page.cursor).newest == S2 and not page.more
    assert x.bearer() == "Bearer app-bearer-token"
    assert client.usage.reads == 2


def test_search_checks_every_post_it_reads_and_keeps_its_language_and_quote(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("search_lang_quote")  # X ignored the language and the -vegan: Porch does not
    page = client.search(parse('"corner bakery" -vegan lang:en'), SearchCursor(S0, SINCE).dump())
    assert [item.external_id for item in page.items] == ["2123709841267863552"]
    assert (page.items[0].lang, page.items[0].quote_of) == ("en", "2123680000000000000")
    assert SearchCursor.parse(page.cursor).newest == "2123716004512182272"
    assert client.usage.reads == 3  # all three were read, and billed


def test_search_says_or_in_parentheses_before_the_rest() -> None:
    assert search_text(parse("a OR b c lang:fr")) == "(a OR (b c)) lang:fr -is:retweet"
    assert search_text(parse('-(x OR "y z") w')) == '-(x OR "y z") w -is:retweet'


def test_a_busy_search_stops_then_resumes_without_gaps(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    client.search_pages = 1
    x.add("search_busy_page1")
    first = client.search(parse("sourdough"), SearchCursor(newest=S0, since=SINCE).dump())
    assert [item.external_id for item in first.items] == [B2, B1] and first.more
    assert SearchCursor.parse(first.cursor) == SearchCursor(S0, SINCE, until=B2, top=B1)
    x.add("search_busy_page2")  # since_id=S0, until_id=B2: the stretch not read yet
    second = client.search(parse("sourdough"), first.cursor)
    assert [item.external_id for item in second.items] == [B3] and not second.more
    assert SearchCursor.parse(second.cursor) == SearchCursor(B1, SINCE)
    assert client.usage.reads == 3


def test_a_search_with_a_budget_asks_for_no_more_than_is_left(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()  # five pages a call, unless the budget says fewer
    x.add("search_busy_page1")  # it has a next page: a call without a budget would go on
    first = client.search(parse("sourdough"), SearchCursor(newest=S0, since=SINCE).dump(), 30)
    assert parse_qs(urlsplit(x.requests[-1][1]).query)["max_results"] == ["30"]
    assert len(x.requests) == 1 and first.more  # the rest waits for the next budget
    x.add("search_busy_page2")
    client.search(parse("sourdough"), first.cursor, 3)
    assert parse_qs(urlsplit(x.requests[-1][1]).query)["max_results"] == ["10"]  # X's least


def test_a_search_idle_for_over_a_week_restarts_at_the_window(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("search_window_start")  # start_time: seven days back, less ten minutes
    stale = SearchCursor(newest="2120000000000000000", since="2026-11-09T00:00:00Z")
    page = client.search(parse("sourdough"), stale.dump())
    assert page.items == [] and SearchCursor.parse(page.cursor).newest == stale.newest


def test_search_on_an_unenrolled_app_says_why(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client(app_bearer_token="app-bearer-token")
    x.add("error_403_not_enrolled")
    with pytest.raises(NetworkError) as refused:
        client.search(parse("sourdough"), SearchCursor(newest=S0, since=SINCE).dump())
    assert refused.value.permanent and refused.value.code == ErrorCode.FORBIDDEN
    assert refused.value.detail == "client-not-enrolled"
    assert "attached to a Project" in refused.value.message


# Publishing


def test_publish_returns_the_post_and_counts_a_write(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("create_tweet")
    assert client.publish(post()) == Published(T1, f"https://x.com/cornerbakery/status/{T1}")
    assert client.usage.writes == 1
    assert estimated_cost(0, client.usage.writes) == Decimal("0.01")


def test_a_reply_goes_into_the_thread(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("create_reply")
    text = "@maria_eats We're so sorry, María. Please DM us and we'll make it right."
    assert client.publish(post(text, reply_to=M1)).external_id == T2


def test_an_image_is_uploaded_with_its_alt_text(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("media_upload", "media_metadata", "create_tweet_media")
    image = Media(PNG, "image/png", alt_text="A loaf of sourdough on a cooling rack")
    assert client.publish(post("Today's bake", media=[image])).external_id == T1
    assert [urlsplit(request[1]).path for request in x.requests] == [
        "/2/media/upload",
        "/2/media/metadata",
        "/2/tweets",
    ]


def test_a_timeout_while_posting_is_an_unknown_outcome_then_found(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    text = "Sourdough & rye are out of the oven 🍞 https://cornerbakery.co.uk/today"
    x.fail("POST", "/2/tweets", requests.ReadTimeout("read timed out"))
    with pytest.raises(NetworkError) as unsure:
        client.publish(post(text))
    assert unsure.value.outcome_unknown and not unsure.value.permanent
    x.add("users_tweets")  # X echoes "&amp;" and a t.co link: still the same post
    found = client.find_published(post(text), datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    assert found == Published(T1, f"https://x.com/cornerbakery/status/{T1}")
    assert client.usage.writes == 1 and client.usage.reads == 2


def test_find_published_says_none_when_the_post_never_went_out(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("users_tweets_empty")
    assert client.find_published(post(), datetime(2026, 11, 20, 10, 0, tzinfo=UTC)) is None


def test_a_503_while_posting_is_an_unknown_outcome(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("error_503")
    with pytest.raises(NetworkError) as unsure:
        client.publish(post())
    assert unsure.value.outcome_unknown and not unsure.value.permanent
    assert client.usage.writes == 0


def test_a_connect_timeout_while_posting_is_known_not_to_have_posted(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.fail("POST", "/2/tweets", requests.ConnectTimeout("connect timed out"))
    with pytest.raises(NetworkError) as failed:
        client.publish(post())
    assert not failed.value.outcome_unknown and not failed.value.permanent


def test_a_duplicate_post_is_refused_for_good_in_plain_words(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    x.add("error_403_duplicate")
    with pytest.raises(NetworkError) as refused:
        client.publish(post())
    assert refused.value.permanent and refused.value.code == "duplicate"
    assert refused.value.message == DUPLICATE_MESSAGE
    assert refused.value.message == (
        "X refused this post because it repeats one you already posted: change the text"
    )


@pytest.mark.parametrize(
    ("outgoing", "code", "detail"),
    [
        (post(visibility="followers"), ErrorCode.INVALID, "visibility"),
        (post("x" * 281), ErrorCode.TOO_LONG, "too_long"),
        (post(media=[Media(PNG, "image/png")] * 5), ErrorCode.TOO_MANY_MEDIA, "too_many_images"),
        (post(media=[Media(b"GIF89a", "video/mp4")]), ErrorCode.MEDIA, "media"),
        (post(""), ErrorCode.INVALID, "empty"),
    ],
)
def test_what_x_cannot_take_is_refused_before_any_call(
    make_client: MakeClient, x: Replay, outgoing: Outgoing, code: ErrorCode, detail: str
) -> None:
    client, _ = make_client()
    with pytest.raises(NetworkError) as refused:
        client.publish(outgoing)
    assert refused.value.permanent and refused.value.code == code
    assert refused.value.detail == detail
    assert x.requests == []


def test_delete_removes_the_post(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("delete_tweet")
    client.delete(T1)
    assert x.requests[0][0] == "DELETE"


# Errors


def test_a_rate_limit_says_when_to_try_again(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("error_429")
    with pytest.raises(NetworkError) as limited:
        client.fetch_incoming(fetch_cursor())
    assert not limited.value.permanent and limited.value.retry_after == 600
    assert limited.value.code == "rate_limited"


def test_the_usage_cap_is_not_a_rate_limit(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("error_429_usage_cap")
    with pytest.raises(NetworkError) as capped:
        client.fetch_incoming(fetch_cursor())
    assert capped.value.permanent and capped.value.code == "usage_cap"
    assert "Monthly product cap" in capped.value.message


def test_a_read_timeout_on_a_read_is_only_temporary(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.fail("GET", f"/2/users/{ME}/mentions", requests.ReadTimeout("read timed out"))
    with pytest.raises(NetworkError) as failed:
        client.fetch_incoming(fetch_cursor())
    assert not failed.value.permanent and not failed.value.outcome_unknown


# Metrics


def test_post_metrics_skip_deleted_posts(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("tweets_metrics")
    first, second = client.post_metrics([T1, OLD, GONE])
    assert (first.external_id, first.likes, first.reposts) == (T1, 41, 4)
    assert (first.replies, first.quotes, first.impressions) == (3, 1, 1893)
    assert second.external_id == OLD and second.impressions == 760
    assert client.usage.reads == 2


def test_account_metrics(make_client: MakeClient, x: Replay) -> None:
    client, _ = make_client()
    x.add("users_me_metrics")
    metrics = client.account_metrics()
    assert (metrics.followers, metrics.following, metrics.posts) == (1873, 412, 2291)


def test_rules_are_xs(make_client: MakeClient) -> None:
    client, _ = make_client()
    rules = client.rules()
    assert (rules.max_length, rules.max_images, rules.url_length) == (280, 4, 23)
    assert rules.fits("x" * 280) and not rules.fits("x" * 281)


# Secrets


def test_tokens_stay_out_of_reprs_and_logs(
    make_client: MakeClient, x: Replay, tokens: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_client(access_token="very-secret-access-token")
    x.add("error_401", "users_me")
    tokens.add("oauth2_token_refreshed")
    with caplog.at_level(logging.DEBUG):
        client.verify()
    fresh = recorded("oauth2_token_refreshed")["response"]["body"]
    secrets = ["very-secret-access-token", fresh["access_token"], fresh["refresh_token"]]
    shown = caplog.text + repr(client)
    assert "Making API request" in caplog.text
    assert not any(secret in shown for secret in secrets)
