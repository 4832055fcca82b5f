"""The fake network's direct messages from the shop: sent once per key, found again by the
code they carry, refused or lost on demand, as a real network's may be."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from porch.networks import registry
from porch.networks.base import AccountRef, DirectOut, ErrorCode, NetworkError, Outgoing
from porch.networks.fake import store
from porch.networks.fake.client import FakeClient
from porch.networks.fake.store import Fault
from porch.networks.query import parse

SHOP = AccountRef("fake", "cornerbakery")
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def code_for(handle: str, code: str = "K7QF-29MX", key: str = "code-1") -> DirectOut:
    text = f"Thanks for following! Your code for 10% off: {code}"
    return DirectOut(f"fake:{handle}", handle, text, key, marker=code)


def test_the_fake_says_it_can_message_every_follower() -> None:
    can = registry.descriptor("fake").can

    assert can.send_direct == "followers" and can.send_direct_note


@time_machine.travel(NOW, tick=False)
def test_a_code_reaches_the_person_once_per_key() -> None:
    store.follow("maya", "cornerbakery")
    with FakeClient(SHOP, {}) as shop:
        first = shop.send_direct(code_for("maya", key="offer-1-maya"))
        again = shop.send_direct(code_for("maya", key="offer-1-maya"))
        posts = shop.account_metrics().posts

    [message] = store.direct_messages_to("maya")
    assert first == again and message.external_id == first.external_id
    assert (message.author, message.direct, message.visibility) == ("cornerbakery", True, "direct")
    assert "K7QF-29MX" in message.text and message.attempts == 2
    assert message.created_at == NOW and posts == 0  # a message is not a post


def test_the_person_reads_it_as_a_direct_message_and_no_search_finds_it() -> None:
    with FakeClient(SHOP, {}) as shop:
        sent = shop.send_direct(code_for("maya"))
        found = shop.search(parse("K7QF"), "")
        own = shop.fetch_incoming("")
    with FakeClient(AccountRef("fake", "maya"), {}) as maya:
        [item] = maya.fetch_incoming("").items

    assert (item.external_id, item.kind, item.author_handle) == (
        sent.external_id,
        "direct",
        "cornerbakery",
    )
    assert found.items == [] and own.items == []


def test_without_a_handle_the_fake_id_names_the_person() -> None:
    message = DirectOut("fake:dan.walks", "", "Your code: ABCD-2345", "k", marker="ABCD-2345")
    with FakeClient(SHOP, {}) as shop:
        shop.send_direct(message)

    assert [m.text for m in store.direct_messages_to("dan.walks")] == ["Your code: ABCD-2345"]


@pytest.mark.time_machine(datetime(2026, 3, 29, 0, 5, tzinfo=UTC), tick=True)
def test_a_lost_answer_is_unknown_and_find_direct_finds_the_message_by_its_code() -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    store.inject(Fault.LOST_ANSWER, operation="send_direct")
    with FakeClient(SHOP, {}) as shop:
        shop.publish(Outgoing("Our code K7QF-29MX is in a post too", "post-1"))
        with pytest.raises(NetworkError) as lost:
            shop.send_direct(code_for("maya"))
        by_code = shop.find_direct(code_for("maya", key="another-key"), since)
        by_key = shop.find_direct(code_for("someone-else"), since)
        other_code = shop.find_direct(code_for("maya", "ZZZZ-2222", "k2"), since)
        too_late = shop.find_direct(code_for("maya", key="k3"), since + timedelta(hours=1))

    [message] = store.direct_messages_to("maya")
    assert lost.value.outcome_unknown and not lost.value.permanent
    assert by_code is not None and by_code.external_id == message.external_id
    assert by_key == by_code  # the same idempotency key: the one message
    assert other_code is None and too_late is None


def test_a_person_who_refuses_messages_is_a_permanent_refusal() -> None:
    store.inject(Fault.REFUSED, handle="cornerbakery", operation="send_direct")
    with FakeClient(SHOP, {}) as shop:
        with pytest.raises(NetworkError) as refused:
            shop.send_direct(code_for("maya"))
        sent = shop.send_direct(code_for("dan"))  # the next person is fine

    assert refused.value.permanent and refused.value.code == ErrorCode.FORBIDDEN
    assert "direct messages" in refused.value.message
    assert store.direct_messages_to("maya") == [] and sent.external_id


def test_a_timeout_sends_nothing_and_a_text_over_the_limit_is_refused() -> None:
    store.inject(Fault.TIMEOUT, operation="send_direct")
    with FakeClient(SHOP, {}) as shop, pytest.raises(NetworkError) as timed_out:
        shop.send_direct(code_for("maya"))
    with FakeClient(SHOP, {"max_length": "40"}) as shop:
        with pytest.raises(NetworkError) as too_long:
            shop.send_direct(code_for("maya"))
        with pytest.raises(NetworkError) as nobody:
            shop.send_direct(DirectOut("", "", "hi", "k"))

    assert timed_out.value.outcome_unknown and not timed_out.value.permanent
    assert too_long.value.permanent and too_long.value.code == ErrorCode.TOO_LONG
    assert nobody.value.permanent and nobody.value.code == ErrorCode.INVALID
    assert store.direct_messages_to("maya") == []
