"""The fake network keeps the NetworkClient contract, as every real client must."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from porch.networks import registry
from porch.networks.base import AccountRef, ErrorCode, Media, NetworkError, Outgoing
from porch.networks.fake import store
from porch.networks.fake.client import PAGE_SIZE, FakeClient
from porch.networks.fake.store import Fault
from porch.networks.query import parse

SHOP = AccountRef("fake", "cornerbakery")
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # every test here states its "now"


def client(credentials: dict[str, str] | None = None) -> FakeClient:
    return FakeClient(SHOP, credentials or {})


def test_it_is_installed_like_any_network() -> None:
    network = registry.descriptor("fake")
    assert registry.client_class("fake") is FakeClient
    assert network.can.search and network.can.direct_messages and network.can.followers_only
    assert ("fake", network.label) in registry.choices()


def test_what_a_customer_posts_arrives_once_in_order() -> None:
    first = store.customer_post("maya", "@cornerbakery any rye left?", to="cornerbakery")
    store.customer_post("dan", "@someoneelse hello", to="someoneelse")
    dm = store.customer_post("leah", "can I order 30 buns?", to="cornerbakery", direct=True)
    with client() as shop:
        page = shop.fetch_incoming("")
        assert [(i.external_id, i.kind, i.author_handle) for i in page.items] == [
            (first, "mention", "maya"),
            (dm, "direct", "leah"),
        ]
        assert not page.more and shop.usage.reads == 2
        assert shop.fetch_incoming(page.cursor).items == []  # no repeats
        later = store.customer_post("olly", "@cornerbakery thanks!", to="cornerbakery")
        again = shop.fetch_incoming(page.cursor)
        assert [item.external_id for item in again.items] == [later]  # no gaps


def test_a_long_backlog_comes_in_pages_without_gaps() -> None:
    sent = [store.customer_post("c", f"@cornerbakery {n}", to="cornerbakery") for n in range(120)]
    seen, cursor, more = [], "", True
    with client() as shop:
        while more:
            page = shop.fetch_incoming(cursor)
            assert len(page.items) <= PAGE_SIZE
            seen += [item.external_id for item in page.items]
            cursor, more = page.cursor, page.more
    assert seen == sent


def test_replies_to_the_shop_join_its_thread() -> None:
    asked = store.customer_post("maya", "@cornerbakery open Sunday?", to="cornerbakery")
    with client() as shop:
        answer = shop.publish(Outgoing("Yes, 8 till 2!", "key-1", reply_to=asked))
        thanks = store.customer_post("maya", "great, thanks", reply_to=answer.external_id)
        items = shop.fetch_incoming("").items
    reply = next(item for item in items if item.external_id == thanks)
    assert (reply.kind, reply.in_reply_to, reply.root_id) == ("reply", answer.external_id, asked)
    assert answer.external_id not in {item.external_id for item in items}  # not its own post


def test_the_same_idempotency_key_is_the_same_post() -> None:
    with client() as shop:
        first = shop.publish(Outgoing("Rye at 9", "key-1"))
        again = shop.publish(Outgoing("Rye at 9", "key-1"))
        other = shop.publish(Outgoing("Rye at 9", "key-2"))
    assert first == again and other != first
    posts = store.posts_by("cornerbakery")
    assert [(p.idempotency_key, p.attempts) for p in posts] == [("key-1", 2), ("key-2", 1)]
    assert first.url.startswith("https://fake.invalid/")


@time_machine.travel(NOW, tick=False)
def test_find_published_by_key_or_by_text_since() -> None:
    since = NOW - timedelta(minutes=1)
    with client() as shop:
        assert shop.find_published(Outgoing("Rye at 9", "key-1"), since) is None
        sent = shop.publish(Outgoing("Rye at 9", "key-1"))
        assert shop.find_published(Outgoing("Other text", "key-1"), since) == sent
        assert shop.find_published(Outgoing("Rye at 9", "key-9"), since) == sent
        later = NOW + timedelta(minutes=1)
        assert shop.find_published(Outgoing("Rye at 9", "key-9"), later) is None
        in_new_york = later.astimezone(ZoneInfo("America/New_York"))  # the same instant
        assert shop.find_published(Outgoing("Rye at 9", "key-9"), in_new_york) is None


@time_machine.travel(NOW, tick=False)
def test_a_lost_answer_is_unknown_then_found_and_not_sent_twice() -> None:
    store.inject(Fault.LOST_ANSWER, handle="cornerbakery", operation="publish")
    post = Outgoing("Rye at 9", "key-1")
    since = NOW - timedelta(seconds=1)
    with client() as shop:
        with pytest.raises(NetworkError) as lost:
            shop.publish(post)
        assert lost.value.outcome_unknown and not lost.value.permanent
        assert lost.value.code == ErrorCode.TIMEOUT
        found = shop.find_published(post, since)
        assert found is not None and shop.publish(post) == found
    assert len(store.posts_by("cornerbakery")) == 1


@time_machine.travel(NOW, tick=False)
def test_a_timeout_before_sending_leaves_nothing_and_is_unknown() -> None:
    store.inject(Fault.TIMEOUT, operation="publish")
    with client() as shop:
        with pytest.raises(NetworkError) as timed_out:
            shop.publish(Outgoing("Rye at 9", "key-1"))
        assert timed_out.value.outcome_unknown
        assert shop.find_published(Outgoing("Rye at 9", "key-1"), NOW) is None


def test_a_rate_limit_says_how_long_to_wait_then_passes() -> None:
    store.inject(Fault.RATE_LIMITED, handle="cornerbakery", retry_after=600, times=2)
    with client() as shop:
        for _ in range(2):
            with pytest.raises(NetworkError) as limited:
                shop.fetch_incoming("")
            error = limited.value
            assert (error.permanent, error.retry_after, error.code) == (
                False,
                600,
                ErrorCode.RATE_LIMITED,
            )
            assert not error.outcome_unknown  # a read
        assert shop.fetch_incoming("").items == []


def test_an_expired_token_asks_for_reconnecting() -> None:
    store.inject(Fault.EXPIRED, operation="verify")
    with client() as shop, pytest.raises(NetworkError) as expired:
        shop.verify()
    error = expired.value
    assert error.permanent and error.reconnect and error.code == ErrorCode.UNAUTHORIZED


def test_a_fault_for_one_account_spares_the_others() -> None:
    store.inject(Fault.SERVER_ERROR, handle="someoneelse")
    with client() as shop:
        assert shop.verify().external_id == "fake:cornerbakery"


def test_search_finds_public_posts_after_the_cursor() -> None:
    hit = store.customer_post("maya", "Best SOURDOUGH in town")
    store.customer_post("dan", "sourdough secret", to="cornerbakery", direct=True)
    store.customer_post("olly", "croissants")
    with client() as shop:
        page = shop.search(parse("sourdough town"), "")
        assert [item.external_id for item in page.items] == [hit]
        assert shop.search(parse("sourdough"), page.cursor).items == []
        assert shop.search(parse("100%"), "").items == []  # LIKE's wildcards are plain text


def test_search_understands_or_not_and_phrases() -> None:
    bakery = store.customer_post("maya", "The corner bakery has great sourdough")
    scattered = store.customer_post("dan", "a bakery on the corner")
    vegan = store.customer_post("olly", "vegan croissant at the corner bakery")
    brioche = store.customer_post("sam", "Brioche is back!")
    store.customer_post("kim", "breadcrumbs and briochettes")  # not whole words
    with client() as shop:
        found = shop.search(parse('"corner bakery" -vegan OR brioche'), "")
        assert [item.external_id for item in found.items] == [bakery, brioche]
        assert shop.search(parse("corner bakery"), "").items[1].external_id == scattered
        assert [i.external_id for i in shop.search(parse("vegan"), "").items] == [vegan]
        assert shop.search(parse("bread OR brioche"), found.cursor).items == []


def test_search_pages_over_posts_that_only_look_like_hits() -> None:
    for n in range(5):
        store.customer_post("maya", f"breadcrumbs {n}")  # LIKE '%bread%' finds them
    wanted = [store.customer_post("dan", f"fresh bread {n}") for n in range(3)]
    with client({"page_size": "2"}) as shop:
        first = shop.search(parse("bread"), "")
        assert ([i.external_id for i in first.items], first.more) == (wanted[:2], True)
        rest = shop.search(parse("bread"), first.cursor)
        assert ([i.external_id for i in rest.items], rest.more) == (wanted[2:], False)


def test_rules_are_checked_when_publishing() -> None:
    with client({"max_length": "10"}) as shop:
        assert shop.rules().max_length == 10
        with pytest.raises(NetworkError) as long:
            shop.publish(Outgoing("far too long for ten", "k"))
        assert long.value.permanent and long.value.code == ErrorCode.TOO_LONG
        images = [Media(b"gif", "image/gif")] * 5
        with pytest.raises(NetworkError) as many:
            shop.publish(Outgoing("five", "k", media=images))
        assert many.value.code == ErrorCode.TOO_MANY_MEDIA
        with pytest.raises(NetworkError) as gone:
            shop.publish(Outgoing("hi", "k", reply_to="fake-999"))
        assert gone.value.code == ErrorCode.NOT_FOUND
    assert store.posts_by("cornerbakery") == []


def test_an_account_can_imitate_another_networks_rules() -> None:
    for network in registry.descriptors():
        with client({"imitate": network.name}) as shop:
            assert shop.rules() is registry.client_class(network.name).stock_rules


def test_metrics_are_plausible_and_the_same_every_time() -> None:
    with client() as shop:
        post = shop.publish(Outgoing("Rye at 9", "key-1"))
        store.customer_post("maya", "yum", reply_to=post.external_id)
        first = shop.post_metrics([post.external_id, "fake-999"])
        assert first == shop.post_metrics([post.external_id])
        assert first[0].replies == 1 and first[0].impressions is not None
        assert first[0].impressions >= first[0].likes >= 0
        followers = shop.account_metrics()
        assert followers == shop.account_metrics()
        assert followers.followers > 100 and followers.posts == 1


def test_a_deleted_post_is_gone() -> None:
    with client() as shop:
        post = shop.publish(Outgoing("Rye at 9", "key-1"))
        shop.delete(post.external_id)
        assert shop.post_metrics([post.external_id]) == []
        with pytest.raises(NetworkError) as again:
            shop.delete(post.external_id)
        assert again.value.code == ErrorCode.NOT_FOUND


def test_times_come_from_porchs_clock() -> None:
    with time_machine.travel(datetime(2026, 11, 18, 12, tzinfo=UTC), tick=False):
        store.customer_post("maya", "@cornerbakery hi", to="cornerbakery")
    with client() as shop:
        assert shop.fetch_incoming("").items[0].sent_at == datetime(2026, 11, 18, 12, tzinfo=UTC)


def test_a_cursor_it_did_not_give_is_refused() -> None:
    with client() as shop, pytest.raises(NetworkError) as refused:
        shop.fetch_incoming("not-a-cursor")
    assert refused.value.permanent and refused.value.code == ErrorCode.INVALID


def test_pages_have_the_size_the_credentials_ask_for() -> None:
    sent = [store.customer_post("c", f"@cornerbakery {n}", to="cornerbakery") for n in range(3)]
    with client({"page_size": "2"}) as shop:
        first = shop.fetch_incoming("")
        second = shop.fetch_incoming(first.cursor)
    assert [len(first.items), first.more, len(second.items), second.more] == [2, True, 1, False]
    assert [item.external_id for item in first.items + second.items] == sent


def test_a_repeat_gives_the_last_item_again_once() -> None:
    sent = [store.customer_post("c", f"@cornerbakery {n}", to="cornerbakery") for n in range(3)]
    store.inject(Fault.REPEAT, operation="fetch_incoming", skip=1)
    with client({"page_size": "2"}) as shop:
        first = shop.fetch_incoming("")
        second = shop.fetch_incoming(first.cursor)
        third = shop.fetch_incoming(second.cursor)
    assert [item.external_id for item in second.items] == sent[1:]
    assert third.items == [] and third.cursor == second.cursor


def test_posts_and_profiles_have_addresses_that_never_resolve() -> None:
    with client() as shop:
        sent = shop.publish(Outgoing("Rye at 9", "key-1"))
    assert registry.post_url("fake", "cornerbakery", sent.external_id) == sent.url
    assert registry.profile_url(SHOP) == "https://fake.invalid/cornerbakery"
    assert registry.post_url("fake", "cornerbakery", "not-ours") == ""
