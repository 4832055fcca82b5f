"""MastodonClient against mastodon-mock over real HTTP: the bakery and its customers."""

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import pytest
from mastodon import Mastodon

from porch.networks.base import AccountRef, Media, NetworkError, Outgoing
from porch.networks.mastodon.client import PAGE_SIZE, MastodonClient
from porch.networks.query import parse

from .conftest import DOMAIN, Mock

# A 1x1 PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b3a1"
    "a80000000049454e44ae426082"
)


def post(
    text: str,
    key: str = "key-1",
    *,
    reply_to: str = "",
    media: Sequence[Media] = (),
    visibility: Literal["public", "followers"] = "public",
) -> Outgoing:
    return Outgoing(text, key, media=media, reply_to=reply_to, visibility=visibility)


def test_a_mention_arrives_once_and_the_cursor_moves_past_it(
    bakery: MastodonClient, bakery_account: AccountRef, pat: Mastodon
) -> None:
    pat.status_post("@cornerbakery do you have gluten-free bread today?")

    first = bakery.fetch_incoming("")
    again = bakery.fetch_incoming(first.cursor)
    after_restart = MastodonClient(bakery_account, {"access_token": "bakery"})

    [item] = first.items
    assert (item.kind, item.author_handle, item.author_name) == (
        "mention",
        f"pat@{DOMAIN}",
        "Pat Customer",
    )
    assert item.text == "@cornerbakery do you have gluten-free bread today?"
    assert item.root_id == "" and item.in_reply_to == ""
    assert again.items == [] and again.cursor == first.cursor
    assert after_restart.fetch_incoming(first.cursor).items == []
    assert bakery.usage.reads == 1


def test_only_what_came_after_the_cursor_is_returned(bakery: MastodonClient, pat: Mastodon) -> None:
    pat.status_post("@cornerbakery first")
    cursor = bakery.fetch_incoming("").cursor
    pat.status_post("@cornerbakery second")
    pat.status_post("@cornerbakery third")

    page = bakery.fetch_incoming(cursor)

    assert [item.text for item in page.items] == ["@cornerbakery second", "@cornerbakery third"]


def test_paging_forward_from_a_quiet_start_has_no_gaps(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    start = bakery.fetch_incoming("")
    for number in range(PAGE_SIZE + 3):
        pat.status_post(f"@cornerbakery order {number}")

    first = bakery.fetch_incoming(start.cursor)
    second = bakery.fetch_incoming(first.cursor)

    texts = [item.text for item in first.items + second.items]
    assert start.items == [] and first.more and not second.more
    assert texts == [f"@cornerbakery order {number}" for number in range(PAGE_SIZE + 3)]


def test_replies_carry_their_parent_and_the_thread_root(
    bakery: MastodonClient, pat: Mastodon, sam: Mastodon
) -> None:
    ours = bakery.publish(post("Fresh sourdough at 7!"))
    pats = pat.status_post("@cornerbakery sold out by 9 again", in_reply_to_id=ours.external_id)
    sams = sam.status_post("@pat @cornerbakery same here", in_reply_to_id=pats["id"])

    items = bakery.fetch_incoming("").items

    assert [(item.kind, item.in_reply_to, item.root_id) for item in items] == [
        ("reply", ours.external_id, ours.external_id),
        ("reply", str(pats["id"]), ours.external_id),
    ]
    assert items[1].external_id == str(sams["id"])


def test_a_direct_message_is_direct_even_when_the_instance_filters_it(
    mock: Mock, bakery: MastodonClient, sam: Mastodon
) -> None:
    # Mastodon 4.3+ files private mentions from strangers under notification requests.
    policy = {"for_private_mentions": "filter", "for_not_following": "filter"}
    httpx.patch(
        f"{mock.base_url}/api/v2/notifications/policy",
        json=policy,
        headers={"Authorization": "Bearer bakery"},
    ).raise_for_status()
    sam.status_post("@cornerbakery can I order a cake for Saturday?", visibility="direct")

    [item] = bakery.fetch_incoming("").items

    assert item.kind == "direct" and item.author_handle == f"sam@{DOMAIN}"


def test_a_reply_goes_into_the_thread_and_names_the_customer(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    question = pat.status_post("@cornerbakery are you open on Sunday?")

    answer = bakery.publish(post("Yes, 8 till 2!", reply_to=str(question["id"])))

    thread = pat.status_context(question["id"])
    [reply] = thread["descendants"]
    assert str(reply["id"]) == answer.external_id
    assert "@pat" in reply["content"] and "Yes, 8 till 2!" in reply["content"]
    assert pat.notifications(types=["mention"])[0]["status"]["id"] == reply["id"]


def test_a_reply_to_a_direct_message_stays_direct(bakery: MastodonClient, pat: Mastodon) -> None:
    question = pat.status_post("@cornerbakery my order number is 1234", visibility="direct")

    answer = bakery.publish(post("@pat thanks, it is ready", reply_to=str(question["id"])))

    sent = pat.status(answer.external_id)
    assert sent["visibility"] == "direct" and sent["content"].count("@pat") == 1


def test_a_reply_to_a_deleted_post_says_so(bakery: MastodonClient, pat: Mastodon) -> None:
    question = pat.status_post("@cornerbakery never mind")
    pat.status_delete(question["id"])

    with pytest.raises(NetworkError) as raised:
        bakery.publish(post("Sure!", reply_to=str(question["id"])))

    assert raised.value.permanent and "deleted" in raised.value.message


def test_the_same_idempotency_key_twice_makes_one_post(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    first = bakery.publish(post("Croissants are back!", key="post-41"))
    second = bakery.publish(post("Croissants are back!", key="post-41"))

    bakery_id = pat.account_lookup("cornerbakery")["id"]
    assert first == second
    assert len(pat.account_statuses(bakery_id)) == 1
    assert bakery.usage.writes == 2


def test_followers_only_posts_are_private_and_images_keep_their_alt_text(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    image = Media(PIXEL, "image/png", alt_text="A tray of croissants")
    published = bakery.publish(
        post("Followers get 10% off today", media=[image], visibility="followers")
    )

    status = pat.status(published.external_id)
    assert status["visibility"] == "private"
    assert status["media_attachments"][0]["description"] == "A tray of croissants"


def test_more_images_than_the_instance_takes_is_refused_before_posting(
    bakery: MastodonClient,
) -> None:
    images = [Media(PIXEL, "image/png")] * 5

    with pytest.raises(NetworkError) as raised:
        bakery.publish(post("Our cakes", media=images))

    assert raised.value.permanent and "at most 4 images" in raised.value.message


def test_metrics_count_likes_boosts_and_replies_then_delete(
    bakery: MastodonClient, pat: Mastodon, sam: Mastodon
) -> None:
    published = bakery.publish(post("New: cardamom buns"))
    pat.status_favourite(published.external_id)
    sam.status_reblog(published.external_id)
    sam.status_post("@cornerbakery yum", in_reply_to_id=published.external_id)

    [metrics] = bakery.post_metrics([published.external_id])
    account = bakery.account_metrics()
    bakery.delete(published.external_id)
    bakery.delete(published.external_id)  # already gone: still fine

    assert (metrics.likes, metrics.reposts, metrics.replies) == (1, 1, 1)
    assert metrics.impressions is None
    assert (account.followers, account.posts) == (1, 1)
    assert bakery.post_metrics([published.external_id]) == []


def test_after_a_timeout_the_post_is_looked_for_before_trying_again(
    mock: Mock, bakery_account: AccountRef
) -> None:
    slow = MastodonClient(bakery_account, {"access_token": "bakery"}, timeout=0.3)
    since = datetime.now(UTC) - timedelta(seconds=5)
    mock.fault("/api/v1/statuses", {"type": "latency", "delay_ms": 1000}, methods=["POST"])

    with pytest.raises(NetworkError) as raised:
        slow.publish(post("Pumpkin pie season"))
    time.sleep(0.8)  # let the mock finish the slowed request
    missing = slow.find_published(post("Pumpkin pie season"), since)
    retried = slow.publish(post("Pumpkin pie season"))

    assert raised.value.outcome_unknown and not raised.value.permanent
    assert missing is None  # the mock dropped the request when the client gave up
    assert slow.find_published(post("Pumpkin pie season"), since) == retried


def test_find_published_knows_a_reply_by_its_text_after_the_added_mention(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    question = pat.status_post("@cornerbakery vegan options?")
    reply = post("Yes: the oat scones", reply_to=str(question["id"]))
    published = bakery.publish(reply)

    assert bakery.find_published(reply, since) == published
    assert bakery.find_published(post("Yes"), since) is None


def test_a_rate_limit_says_when_to_try_again(mock: Mock, bakery: MastodonClient) -> None:
    mock.fault("/api/v1/notifications", {"type": "ratelimit"})

    with pytest.raises(NetworkError) as raised:
        bakery.fetch_incoming("")

    assert not raised.value.permanent and raised.value.code == "rate_limited"
    assert raised.value.retry_after is not None and 280 <= raised.value.retry_after <= 301


def test_a_server_error_is_temporary_and_leaves_a_post_unknown(
    mock: Mock, bakery: MastodonClient
) -> None:
    mock.fault("/api/v1/notifications", {"type": "status", "status": 500})
    mock.fault("/api/v1/statuses", {"type": "status", "status": 502}, methods=["POST"])

    with pytest.raises(NetworkError) as reading:
        bakery.fetch_incoming("")
    with pytest.raises(NetworkError) as posting:
        bakery.publish(post("Open late on Friday"))

    assert not reading.value.permanent and not reading.value.outcome_unknown
    assert not posting.value.permanent and posting.value.outcome_unknown


@pytest.mark.parametrize("token", ["bakery", "revoked-token"])
def test_a_revoked_token_asks_to_reconnect(
    mock: Mock, bakery_account: AccountRef, token: str
) -> None:
    body = {"error": "The access token was revoked"}
    mock.fault("/api/v1/notifications", {"type": "status", "status": 401, "body": body})
    client = MastodonClient(bakery_account, {"access_token": token})

    with pytest.raises(NetworkError) as raised:
        client.fetch_incoming("")

    assert raised.value.reconnect and raised.value.permanent
    assert "reconnect" in raised.value.message


def test_a_post_over_the_limit_is_refused_with_the_servers_words(bakery: MastodonClient) -> None:
    with pytest.raises(NetworkError) as raised:
        bakery.publish(post("x" * 501))

    assert raised.value.permanent and not raised.value.outcome_unknown
    assert raised.value.message.startswith("Validation failed")


def test_rules_come_from_the_instance(bakery: MastodonClient) -> None:
    rules = bakery.rules()

    assert (rules.max_length, rules.url_length, rules.max_images) == (500, 23, 4)
    assert rules.length("menu: https://cornerbakery.co.uk/" + "a" * 100) == len("menu: ") + 23


def test_verify_and_account_metrics(bakery: MastodonClient) -> None:
    account = bakery.verify()

    assert account.handle == f"cornerbakery@{DOMAIN}" and account.external_id
    assert bakery.account_metrics().followers == 1


def test_search_reads_a_hashtag_from_its_cursor(bakery: MastodonClient, pat: Mastodon) -> None:
    pat.status_post("Best #sourdough in the neighbourhood")
    first = bakery.search(parse("#sourdough"), "")
    pat.status_post("More #sourdough please")

    later = bakery.search(parse("#sourdough"), first.cursor)

    assert [item.text for item in first.items] == ["Best #sourdough in the neighbourhood"]
    assert [item.text for item in later.items] == ["More #sourdough please"]
