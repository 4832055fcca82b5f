"""FacebookClient against a fake Graph API on loopback: the bakery's Page and its customers."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from porch.networks.base import AccountRef, ErrorCode, Media, NetworkError, Outgoing
from porch.networks.facebook.auth import NOT_ACCEPTED, verify_page_token
from porch.networks.facebook.client import FacebookClient
from porch.networks.query import parse

from .fake_graph import EXPIRED, PAGE_ID, PAT, SAM, TOKEN, FakeGraph, error_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def an_hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


# Connecting ---------------------------------------------------------------------------


def test_a_page_token_connects_the_page(graph: FakeGraph) -> None:
    account, credentials = verify_page_token(f" {TOKEN} ", graph.base_url)

    assert account == AccountRef("facebook", "Corner Bakery", PAGE_ID, graph.base_url)
    assert credentials == {"page_token": TOKEN, "expires_at": None}
    assert all("access_token" not in seen.query for seen in graph.requests)


def test_an_expiring_token_records_when(graph: FakeGraph) -> None:
    graph.token_expires_at = 1_800_000_000

    _, credentials = verify_page_token(TOKEN, graph.base_url)

    assert credentials["expires_at"] == "2027-01-15T08:00:00+00:00"


def test_a_user_token_is_refused_with_what_to_paste_instead(graph: FakeGraph) -> None:
    graph.token_type = "USER"

    with pytest.raises(NetworkError) as raised:
        verify_page_token(TOKEN, graph.base_url)

    assert raised.value.permanent and "token of the Page" in raised.value.message


def test_an_expired_token_is_refused_with_what_to_do(graph: FakeGraph) -> None:
    graph.expired = True

    with pytest.raises(NetworkError) as raised:
        verify_page_token(TOKEN, graph.base_url)

    assert raised.value.permanent and raised.value.code == ErrorCode.UNAUTHORIZED
    assert raised.value.detail == "190"
    assert raised.value.message.startswith(NOT_ACCEPTED)
    assert "it has expired" in raised.value.message and "make a new one" in raised.value.message


# Incoming -----------------------------------------------------------------------------


def test_a_comment_arrives_once_and_a_restart_does_not_repeat_it(
    graph: FakeGraph, page: FacebookClient, page_account: AccountRef
) -> None:
    post = graph.add_post("Fresh sourdough at 7!")
    comment = graph.add_comment(post, "Sold out by 9 again 😩", PAT)

    first = page.fetch_incoming("")
    again = page.fetch_incoming(first.cursor)
    restarted = FacebookClient(page_account, {"page_token": TOKEN})

    [item] = first.items
    assert (item.external_id, item.kind, item.author_name, item.author_id) == (
        comment,
        "reply",
        "Pat Customer",
        PAT.id,
    )
    assert (item.text, item.in_reply_to, item.root_id) == ("Sold out by 9 again 😩", post, post)
    assert item.url.endswith(f"comment_id={comment}")
    assert again.items == [] and restarted.fetch_incoming(again.cursor).items == []
    restarted.close()


def test_replies_to_comments_name_their_parent(graph: FakeGraph, page: FacebookClient) -> None:
    post = graph.add_post("New: cardamom buns")
    cursor = page.fetch_incoming("").cursor
    question = graph.add_comment(post, "Are they vegan?", PAT)
    graph.add_comment(question, "Asking too!", SAM)
    graph.add_comment(question, "Not yet, sorry", PAT.__class__(PAGE_ID, "Corner Bakery"))

    items = page.fetch_incoming(cursor).items

    assert [(i.text, i.in_reply_to, i.root_id) for i in items] == [
        ("Are they vegan?", post, post),
        ("Asking too!", question, post),
    ]


def test_comments_in_the_same_second_and_late_ones_come_through_once(
    graph: FakeGraph, page: FacebookClient
) -> None:
    now = time.time() - 60
    post = graph.add_post("Pumpkin pie is back", at=now - 100)
    graph.add_comment(post, "first", PAT, at=now)
    cursor = page.fetch_incoming("").cursor
    graph.add_comment(post, "same second", SAM, at=now)
    graph.add_comment(post, "shows up late", SAM, at=now - 30)
    graph.add_comment(post, "long ago", SAM, at=now - 3600)

    first_look = page.fetch_incoming(cursor)
    second_look = page.fetch_incoming(first_look.cursor)

    assert [item.text for item in first_look.items] == ["shows up late", "same second"]
    assert second_look.items == []


def test_many_new_comments_are_read_across_pages_without_the_token_in_urls(
    graph: FakeGraph, page: FacebookClient
) -> None:
    post = graph.add_post("Free coffee Friday!")
    cursor = page.fetch_incoming("").cursor
    start = time.time() - 120
    for number in range(120):
        graph.add_comment(post, f"comment {number}", PAT, at=start + number)

    items = page.fetch_incoming(cursor).items

    assert [item.text for item in items] == [f"comment {number}" for number in range(120)]
    followed = [seen for seen in graph.requests if seen.path.endswith("/comments")]
    assert len(followed) == 2 and all("access_token" not in seen.query for seen in followed)


def test_tags_are_mentions_and_messages_are_direct(graph: FakeGraph, page: FacebookClient) -> None:
    tag = graph.add_tag("Brunch at @Corner Bakery, so good", SAM)
    graph.add_post("Do you deliver to Elm Street?", by=PAT)  # a visitor post on the Page
    graph.add_message(PAT, "Hi! Can I order a cake for Saturday?")
    graph.add_message(PAT, "For 12 people")

    page_of_items = page.fetch_incoming("")

    by_kind = {(item.kind, item.text) for item in page_of_items.items}
    assert by_kind == {
        ("mention", "Brunch at @Corner Bakery, so good"),
        ("mention", "Do you deliver to Elm Street?"),
        ("direct", "Hi! Can I order a cake for Saturday?"),
        ("direct", "For 12 people"),
    }
    [mention] = [item for item in page_of_items.items if item.external_id == tag]
    [conversation] = graph.conversations
    assert mention.root_id == "" and mention.author_name == "Sam Okafor"
    assert {item.root_id for item in page_of_items.items if item.kind == "direct"} == {
        conversation["id"]
    }
    assert page.fetch_incoming(page_of_items.cursor).items == []


def test_search_is_not_offered(page: FacebookClient) -> None:
    with pytest.raises(NetworkError) as raised:
        page.search(parse("sourdough"), "")

    assert raised.value.permanent and raised.value.code == ErrorCode.NOT_SUPPORTED
    assert raised.value.message == "Facebook does not offer search of public posts"


# Publishing ---------------------------------------------------------------------------


def test_a_post_with_a_link_is_published_and_found_again(
    graph: FakeGraph, page: FacebookClient
) -> None:
    post = Outgoing("Autumn menu: https://cornerbakery.example/menu", "key-1")

    published = page.publish(post)

    assert graph.post(published.external_id)["link"] == "https://cornerbakery.example/menu"
    assert published.url == f"https://www.facebook.com/{published.external_id}"
    assert page.find_published(post, an_hour_ago()) == published
    assert page.find_published(Outgoing("Something else", "key-2"), an_hour_ago()) is None
    assert page.usage.writes == 1


def test_a_reply_to_a_comment_goes_into_its_thread(graph: FakeGraph, page: FacebookClient) -> None:
    post = graph.add_post("Open on Sunday?")
    question = graph.add_comment(post, "What time?", PAT)
    reply = Outgoing("8 till 2!", "key-3", reply_to=question)

    published = page.publish(reply)

    assert graph.comments[published.external_id]["parent"] == {"id": question}
    assert page.find_published(reply, an_hour_ago()) == published


def test_a_reply_to_a_message_goes_back_by_messenger(
    graph: FakeGraph, page: FacebookClient
) -> None:
    question = graph.add_message(PAT, "Is my order ready?")
    reply = Outgoing("Yes, come by any time", "key-4", reply_to=question)

    published = page.publish(reply)

    [conversation] = graph.conversations
    sent = conversation["messages"][0]
    assert (sent["id"], sent["message"], sent["sent_with"]) == (
        published.external_id,
        "Yes, come by any time",
        "RESPONSE",
    )
    assert page.find_published(reply, an_hour_ago()) == published


def test_photos_post_as_one_photo_or_attached_unpublished_photos(
    graph: FakeGraph, page: FacebookClient
) -> None:
    one = page.publish(Outgoing("Croissants", "k1", media=[Media(PNG, "image/png", "tray")]))
    three = page.publish(Outgoing("Cakes", "k2", media=[Media(PNG, "image/png")] * 3))

    assert [photo["published"] for photo in graph.post(one.external_id)["photos"]] == ["true"]
    assert graph.post(one.external_id)["photos"][0]["image"] == PNG
    assert [photo["published"] for photo in graph.post(three.external_id)["photos"]] == [
        "false"
    ] * 3


def test_what_facebook_cannot_take_is_refused_before_sending(page: FacebookClient) -> None:
    for post in [
        Outgoing("x", "k", media=[Media(PNG, "image/png")] * 11),
        Outgoing("x", "k", media=[Media(b"x" * (4 * 1024 * 1024 + 1), "image/jpeg")]),
        Outgoing("Followers only: 10% off", "k", visibility="followers"),
    ]:
        with pytest.raises(NetworkError) as raised:
            page.publish(post)
        assert raised.value.permanent


# Metrics ------------------------------------------------------------------------------


def test_metrics_count_reactions_comments_shares_and_impressions(
    graph: FakeGraph, page: FacebookClient
) -> None:
    post = graph.add_post("Cardamom buns")
    comment = graph.add_comment(post, "Yum", PAT)
    graph.post(post).update(reactions=14, shares=3)
    graph.insights[post] = 912
    gone = graph.add_post("Deleted later")
    page.delete(gone)
    page.delete(gone)  # already gone: still fine

    metrics = page.post_metrics([post, comment, gone])

    assert [(m.external_id, m.likes, m.reposts, m.replies, m.impressions) for m in metrics] == [
        (post, 14, 3, 1, 912),
        (comment, 0, 0, 0, None),
    ]
    assert page.account_metrics().followers == 812


def test_impressions_are_none_where_insights_do_not_tell(
    graph: FakeGraph, page: FacebookClient
) -> None:
    post = graph.add_post("No insights yet")

    [metrics] = page.post_metrics([post])

    assert metrics.impressions is None


# Errors -------------------------------------------------------------------------------


def test_an_expired_token_while_fetching_asks_to_reconnect(
    graph: FakeGraph, page: FacebookClient
) -> None:
    graph.fail_next("GET", f"/{PAGE_ID}/feed", 400, EXPIRED)

    with pytest.raises(NetworkError) as raised:
        page.fetch_incoming("")

    assert raised.value.reconnect and raised.value.code == ErrorCode.UNAUTHORIZED
    assert raised.value.detail == "190"


def test_a_rate_limit_waits_as_long_as_the_usage_headers_say(
    graph: FakeGraph, page: FacebookClient
) -> None:
    usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 31,
                "total_time": 45,
                "estimated_time_to_regain_access": 17,
            }
        ]
    }
    body = error_body(
        "(#613) Calls to this api have exceeded the rate limit.", "OAuthException", 613
    )
    headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
    graph.fail_next("GET", f"/{PAGE_ID}/feed", 400, body, headers=headers)

    with pytest.raises(NetworkError) as raised:
        page.fetch_incoming("")

    assert not raised.value.permanent and raised.value.retry_after == 17 * 60
    assert page.usage.extra["business_call_count"] == 100
    assert page.usage.extra["usage_percent"] == 100


def test_a_policy_block_and_a_duplicate_are_permanent(
    graph: FakeGraph, page: FacebookClient
) -> None:
    blocked = error_body(
        "It looks like you were misusing this feature by going too fast.",
        "OAuthException",
        368,
        1390008,
    )
    duplicate = error_body("Duplicate status message", "OAuthException", 506, 1455006)
    graph.fail_next("POST", f"/{PAGE_ID}/feed", 400, blocked)
    graph.fail_next("POST", f"/{PAGE_ID}/feed", 400, duplicate)

    with pytest.raises(NetworkError) as first:
        page.publish(Outgoing("Buy now!!!", "k"))
    with pytest.raises(NetworkError) as second:
        page.publish(Outgoing("Buy now!!!", "k"))

    assert first.value.permanent and "policies" in first.value.message
    assert second.value.permanent and "duplicate" in second.value.message


def test_a_timeout_while_posting_leaves_the_outcome_unknown(
    graph: FakeGraph, page_account: AccountRef
) -> None:
    slow = FacebookClient(page_account, {"page_token": TOKEN}, timeout=0.2)
    graph.fail_next("POST", f"/{PAGE_ID}/feed", 200, {"id": "never"}, delay=0.5)
    graph.fail_next("GET", f"/{PAGE_ID}/feed", 500, "<html>Internal error</html>")

    with pytest.raises(NetworkError) as posting:
        slow.publish(Outgoing("Open late", "k"))
    with pytest.raises(NetworkError) as reading:
        slow.fetch_incoming("")
    slow.close()

    assert posting.value.outcome_unknown and not posting.value.permanent
    assert not reading.value.permanent and not reading.value.outcome_unknown


def test_rules(page: FacebookClient) -> None:
    rules = page.rules()

    assert (rules.max_length, rules.max_images, rules.max_image_bytes) == (63_206, 10, 4 << 20)
    assert rules.max_alt_text == 0 and rules.fits("x" * 63_206)
