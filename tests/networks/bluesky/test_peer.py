"""BlueskyClient against the real AT Protocol stack: Bluesky's PDS, AppView and PLC.

A shop connects with an app password; its customers mention it, reply and quote; the
shop answers from Porch. `network.settle()` waits for the AppView to index instead of
sleeping.
"""

import random
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import AccountRef, ErrorCode, Media, NetworkError, Outgoing, PostMetrics
from porch.networks.bluesky.auth import login
from porch.networks.bluesky.client import BlueskyClient
from porch.networks.bluesky.posts import rkey_of
from porch.networks.query import parse

from .conftest import DevNetwork, Person
from .fakes import jwt

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def shop_and_customer(network: DevNetwork) -> list[Person]:
    return network.people("shop", "pat")


@pytest.fixture(scope="module")
def shop(shop_and_customer: list[Person]) -> Person:
    return shop_and_customer[0]


@pytest.fixture(scope="module")
def customer(shop_and_customer: list[Person]) -> Person:
    return shop_and_customer[1]


@pytest.fixture(scope="module")
def connection(network: DevNetwork, shop: Person) -> tuple[AccountRef, dict[str, Any]]:
    return network.connect(shop)


@pytest.fixture
def client(connection: tuple[AccountRef, dict[str, Any]]) -> Iterator[BlueskyClient]:
    yield BlueskyClient(*connection)


def mention(person: Person, of: Person, text: str, created_at: str = "") -> str:
    """`person` posts "@of text" with a mention facet; returns the post's URI."""
    prefix = f"@{of.handle}"
    facet = models.AppBskyRichtextFacet.Main(
        features=[models.AppBskyRichtextFacet.Mention(did=of.did)],
        index=models.AppBskyRichtextFacet.ByteSlice(byte_start=0, byte_end=len(prefix.encode())),
    )
    record = models.AppBskyFeedPost.Record(
        text=f"{prefix} {text}",
        facets=[facet],
        created_at=created_at or person.sdk.get_current_time_iso(),
    )
    uri: str = person.sdk.app.bsky.feed.post.create(person.did, record).uri
    return uri


def strong_ref(post: Any) -> Any:
    return models.ComAtprotoRepoStrongRef.Main(uri=post.uri, cid=post.cid)


def reply_to(network: DevNetwork, person: Person, uri: str, text: str) -> str:
    """`person` replies to the post at `uri` (once the AppView has it)."""
    network.settle()
    post: Any = person.sdk.get_posts([uri]).posts[0]  # views are unions of many types
    ref = strong_ref(post)
    root = post.record.reply.root if post.record.reply else ref
    reply = models.AppBskyFeedPost.ReplyRef(parent=ref, root=root)
    created: str = person.sdk.send_post(text, reply_to=reply).uri
    return created


def png(side: int, seed: int) -> bytes:
    """A valid RGB PNG of random pixels (so it does not compress: about 3 bytes a pixel)."""
    rows = random.Random(seed).randbytes((side * 3 + 1) * side)
    raw = b"".join(
        b"\0" + rows[i + 1 : i + 1 + side * 3] for i in range(0, len(rows), side * 3 + 1)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )


def test_connecting_takes_an_app_password_and_keeps_only_the_session(
    network: DevNetwork, shop: Person, connection: tuple[AccountRef, dict[str, Any]]
) -> None:
    ref, credentials = connection
    assert ref == AccountRef("bluesky", shop.handle, shop.did, network.pds)
    assert list(credentials) == ["session"]
    assert shop.password not in credentials["session"]
    assert BlueskyClient(ref, credentials).verify() == ref


def test_connecting_refuses_the_main_password_and_a_wrong_one(
    network: DevNetwork, shop: Person
) -> None:
    with pytest.raises(NetworkError) as main:
        login(shop.handle, shop.password, network.pds)
    assert main.value.permanent and "app password" in main.value.message
    with pytest.raises(NetworkError) as wrong:
        login(f"@{shop.handle}", "abcd-efgh-ijkl-mnop", network.pds)
    assert wrong.value.permanent and "did not accept" in wrong.value.message


def test_a_mention_comes_exactly_once_and_the_stored_session_keeps_working(
    network: DevNetwork,
) -> None:
    cafe, pat = network.people("cafe", "pat")
    saved: list[dict[str, Any]] = []
    ref, credentials = network.connect(cafe)
    client = BlueskyClient(ref, credentials, saved.append)
    uri = mention(pat, cafe, "are you open on Sunday? 🥐")
    network.settle()

    page = client.fetch_incoming("")
    assert [(m.external_id, m.kind, m.author_handle, m.author_id) for m in page.items] == [
        (uri, "mention", pat.handle, pat.did)
    ]
    item = page.items[0]
    assert item.text == f"@{cafe.handle} are you open on Sunday? 🥐"
    assert item.url == f"https://bsky.app/profile/{pat.handle}/post/{rkey_of(uri)}"
    assert (item.in_reply_to, item.root_id) == ("", "")
    assert item.sent_at.tzinfo is not None
    assert abs(item.sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert client.fetch_incoming(page.cursor).items == []

    answer = client.publish(Outgoing("Yes, 8 to 2!", "sunday-answer", reply_to=uri))
    follow_up = reply_to(network, pat, answer.external_id, "Great, see you then")
    network.settle()
    again = BlueskyClient(ref, credentials).fetch_incoming(page.cursor)  # no password
    assert [(m.external_id, m.kind, m.in_reply_to, m.root_id) for m in again.items] == [
        (follow_up, "reply", answer.external_id, uri)
    ]
    assert BlueskyClient(ref, credentials).fetch_incoming(again.cursor).items == []
    assert saved == []  # the session was reused, not replaced


def test_a_mention_indexed_below_the_newest_one_is_not_lost(
    network: DevNetwork, shop: Person, customer: Person, client: BlueskyClient
) -> None:
    cursor = client.fetch_incoming("").cursor
    first = mention(customer, shop, "first")
    network.settle()
    page = client.fetch_incoming(cursor)
    assert [m.external_id for m in page.items] == [first]
    # Written (by its createdAt) ten minutes before the one already fetched:
    earlier = (datetime.now(UTC) - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    late = mention(customer, shop, "sent from a phone with a slow clock", created_at=earlier)
    network.settle()
    page = client.fetch_incoming(page.cursor)
    assert [m.external_id for m in page.items] == [late]
    assert client.fetch_incoming(page.cursor).items == []


def test_a_reply_from_porch_lands_in_the_thread_with_clickable_links(
    network: DevNetwork, shop: Person, customer: Person, client: BlueskyClient
) -> None:
    original = shop.sdk.send_post("New sourdough every Friday").uri
    question = reply_to(network, customer, original, "What time does it come out?")
    network.settle()  # Porch replies to what it has read, so the AppView has it
    links = "https://cornerbakery.com/friday and cornerbakery.com/hours"
    text = f"@{customer.handle} 7am 🍞 menu: {links}"
    published = client.publish(Outgoing(text, "friday-answer", reply_to=question))
    network.settle()

    assert (
        published.url
        == f"https://bsky.app/profile/{shop.handle}/post/{rkey_of(published.external_id)}"
    )
    thread: Any = customer.sdk.get_post_thread(original).thread
    [question_view] = thread.replies
    [answer_view] = question_view.replies
    record = answer_view.post.record
    assert answer_view.post.uri == published.external_id
    assert (record.reply.root.uri, record.reply.parent.uri) == (original, question)
    data = text.encode()
    covered = {
        data[f.index.byte_start : f.index.byte_end].decode(): f.features[0] for f in record.facets
    }
    assert covered[f"@{customer.handle}"].did == customer.did
    assert covered["https://cornerbakery.com/friday"].uri == "https://cornerbakery.com/friday"
    assert covered["cornerbakery.com/hours"].uri == "https://cornerbakery.com/hours"


def own_posts_with(person: Person, text: str) -> list[str]:
    params = models.ComAtprotoRepoListRecords.Params(
        repo=person.did, collection="app.bsky.feed.post", limit=100
    )
    records: list[Any] = person.sdk.com.atproto.repo.list_records(params).records
    return [r.uri for r in records if r.value.text == text]


def test_publishing_twice_with_one_idempotency_key_makes_one_post(
    shop: Person, client: BlueskyClient
) -> None:
    post = Outgoing("Two-for-one croissants until noon", "promo-2026-05-01")
    first = client.publish(post)
    retried = BlueskyClient(client.account, client.credentials).publish(post)
    assert retried == first
    assert own_posts_with(shop, post.text) == [first.external_id]
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert client.find_published(post, since) == first
    assert client.find_published(Outgoing(post.text, "promo-never-sent"), since) is None
    with pytest.raises(NetworkError) as reused:
        client.publish(Outgoing("Something else", "promo-2026-05-01"))
    assert reused.value.permanent and reused.value.code == ErrorCode.DUPLICATE
    assert reused.value.detail == "KeyInUse"


def test_images_go_out_with_their_alt_text(
    network: DevNetwork, shop: Person, client: BlueskyClient
) -> None:
    big = png(700, seed=1)  # about 1.5 MB: over the old 1 MB limit, under today's 2 MB
    assert 1_000_000 < len(big) < client.rules().max_image_bytes
    media = [Media(big, "image/png", "A tray of croissants"), Media(png(8, 2), "image/png", "Logo")]
    published = client.publish(Outgoing("Fresh this morning", "photos-1", media=media))
    network.settle()
    views: list[Any] = shop.sdk.get_posts([published.external_id]).posts
    [view] = views
    assert [image.alt for image in view.embed.images] == ["A tray of croissants", "Logo"]


def test_metrics_count_likes_reposts_replies_quotes_and_followers(
    network: DevNetwork, customer: Person, client: BlueskyClient
) -> None:
    published = client.publish(Outgoing("Our new oat latte", "latte-launch"))
    network.settle()
    post: Any = customer.sdk.get_posts([published.external_id]).posts[0]
    customer.sdk.like(post.uri, post.cid)
    customer.sdk.repost(post.uri, post.cid)
    reply_to(network, customer, post.uri, "Delicious!")
    quote = models.AppBskyEmbedRecord.Main(record=strong_ref(post))
    customer.sdk.send_post("Try this", embed=quote)
    customer.sdk.follow(client.account.external_id)
    network.settle()
    assert client.post_metrics([published.external_id]) == [
        PostMetrics(published.external_id, likes=1, reposts=1, replies=1, quotes=1)
    ]
    metrics = client.account_metrics()
    assert (metrics.followers, metrics.following) == (1, 0)
    assert metrics.posts >= 1


def test_a_deleted_post_is_gone(network: DevNetwork, shop: Person, client: BlueskyClient) -> None:
    post = Outgoing("Closed today, sorry", "closed-notice")
    published = client.publish(post)
    client.delete(published.external_id)
    client.delete(published.external_id)  # already gone: nothing to do
    network.settle()
    assert shop.sdk.get_posts([published.external_id]).posts == []
    assert client.find_published(post, datetime.now(UTC)) is None
    assert client.post_metrics([published.external_id]) == []


def test_search_returns_each_new_post_once(
    network: DevNetwork, customer: Person, client: BlueskyClient
) -> None:
    word = f"kouign{random.Random().randrange(10**6)}"
    first = customer.sdk.send_post(f"Best {word} in town").uri
    network.settle()
    page = client.search(parse(word), "")
    assert [m.external_id for m in page.items] == [first]
    assert client.search(parse(word), page.cursor).items == []
    second = customer.sdk.send_post(f"Another {word} please").uri
    network.settle()
    assert [m.external_id for m in client.search(parse(word), page.cursor).items] == [second]


def with_expired_access_token(credentials: dict[str, Any]) -> dict[str, Any]:
    """The same session, its access token made to look expired (the SDK reads `exp` only)."""
    handle, did, _, refresh, pds = credentials["session"].split(":::")
    return {"session": ":::".join([handle, did, jwt(-60, sub=did), refresh, pds])}


def test_a_refreshed_session_is_saved_and_a_revoked_one_asks_to_reconnect(
    network: DevNetwork,
) -> None:
    [deli] = network.people("deli")
    ref, credentials = login(deli.handle, deli.app_password("porch-deli"), network.pds)
    saved: list[dict[str, Any]] = []
    BlueskyClient(ref, with_expired_access_token(credentials), saved.append).verify()
    assert len(saved) == 1 and saved[0] != credentials  # refreshed, and handed back to store
    assert BlueskyClient(ref, saved[0]).verify() == ref

    data = models.ComAtprotoServerRevokeAppPassword.Data(name="porch-deli")
    deli.sdk.com.atproto.server.revoke_app_password(data)
    with pytest.raises(NetworkError) as revoked:
        BlueskyClient(ref, with_expired_access_token(saved[0])).fetch_incoming("")
    assert revoked.value.reconnect and revoked.value.permanent
    assert revoked.value.message == (
        f"Bluesky no longer accepts Porch's session for @{deli.handle}: reconnect the account"
    )
