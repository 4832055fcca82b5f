"""Messages the Page starts (an offer's code) through the Send API, against the fake Graph
on loopback: Messenger sends them only to someone who wrote to the Page in the last 24
hours, and says why it will not otherwise, in Graph's own error shapes."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from porch.networks import registry
from porch.networks.base import AccountRef, DirectOut, ErrorCode, NetworkError
from porch.networks.facebook.client import FacebookClient

from .fake_graph import EXPIRED, PAGE_ID, PAT, SAM, TOKEN, FakeGraph, Person

HOUR = 3600
# Messenger's 24 hours are counted from this instant (the fake Graph reads the same clock): a
# Sunday just after 00:05 UTC, on the day London's clocks go forward.
pytestmark = pytest.mark.time_machine(datetime(2026, 3, 29, 0, 5, tzinfo=UTC), tick=True)


def code_for(person: Person, code: str = "K7QF-29MX", key: str = "code-1") -> DirectOut:
    text = f"Thanks for writing to us! Your code for 10% off: {code}"
    return DirectOut(person.id, person.name, text, key, marker=code)


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def test_facebook_says_only_those_who_wrote_lately_can_be_sent_a_code() -> None:
    can = registry.descriptor("facebook").can

    assert (can.send_direct, can.send_direct_hours) == ("wrote_first", 24)
    assert "24 hours" in can.send_direct_note and "messaged the Page" in can.send_direct_note


def test_someone_who_wrote_within_24_hours_gets_the_code_by_messenger(
    graph: FakeGraph, page: FacebookClient
) -> None:
    graph.add_message(PAT, "Do you do gluten-free?", at=time.time() - 23 * HOUR)

    sent = page.send_direct(code_for(PAT))

    [conversation] = graph.conversations
    newest = conversation["messages"][0]
    [request] = [r for r in graph.requests if r.path == f"/{PAGE_ID}/messages"]
    assert (newest["id"], newest["from"]["id"], newest["sent_with"]) == (
        sent.external_id,
        PAGE_ID,
        "RESPONSE",
    )
    assert "K7QF-29MX" in newest["message"]
    assert request.form["json"]["recipient"] == {"id": PAT.id}
    assert sent.external_id.startswith("m_") and sent.url == ""
    assert (page.usage.writes, page.usage.extra["dm_sent"]) == (0, 1)


def test_outside_the_24_hours_messenger_refuses_and_the_owner_is_told_why(
    graph: FakeGraph, page: FacebookClient
) -> None:
    graph.add_message(PAT, "Thanks for the cake!", at=time.time() - 25 * HOUR)

    with pytest.raises(NetworkError) as raised:
        page.send_direct(code_for(PAT))

    assert raised.value.permanent and not raised.value.outcome_unknown
    assert raised.value.code == ErrorCode.FORBIDDEN and not raised.value.reconnect
    assert "24 hours" in raised.value.message and "write again" in raised.value.message
    assert len(graph.conversations[0]["messages"]) == 1  # nothing was sent


def test_someone_who_never_wrote_or_cannot_be_reached_is_a_permanent_refusal(
    graph: FakeGraph, page: FacebookClient
) -> None:
    graph.add_message(SAM, "Hello?")
    graph.unavailable.add(SAM.id)

    with pytest.raises(NetworkError) as never_wrote:
        page.send_direct(code_for(PAT))
    with pytest.raises(NetworkError) as unavailable:
        page.send_direct(code_for(SAM))

    assert never_wrote.value.permanent and never_wrote.value.code == ErrorCode.NOT_FOUND
    assert "has not messaged the Page" in never_wrote.value.message
    assert unavailable.value.permanent and "isn't available" in unavailable.value.message


def test_a_server_error_leaves_the_message_unknown_and_an_expired_token_asks_to_reconnect(
    graph: FakeGraph, page: FacebookClient
) -> None:
    graph.add_message(PAT, "Hi")
    graph.fail_next("POST", f"/{PAGE_ID}/messages", 500, "<html>Internal error</html>")
    graph.fail_next("POST", f"/{PAGE_ID}/messages", 400, EXPIRED)

    with pytest.raises(NetworkError) as unknown:
        page.send_direct(code_for(PAT))
    with pytest.raises(NetworkError) as expired:
        page.send_direct(code_for(PAT))

    assert unknown.value.outcome_unknown and not unknown.value.permanent
    assert expired.value.reconnect and expired.value.permanent


def test_a_timeout_leaves_the_message_unknown(graph: FakeGraph, page_account: AccountRef) -> None:
    graph.add_message(PAT, "Hi")
    slow = FacebookClient(page_account, {"page_token": TOKEN}, timeout=0.2)
    graph.fail_next("POST", f"/{PAGE_ID}/messages", 200, {"message_id": "m_x"}, delay=0.5)

    with pytest.raises(NetworkError) as raised:
        slow.send_direct(code_for(PAT))
    slow.close()

    assert raised.value.outcome_unknown and not raised.value.permanent


def test_find_direct_knows_the_pages_message_by_its_code(
    graph: FakeGraph, page: FacebookClient
) -> None:
    since = a_minute_ago()
    graph.add_message(PAT, "Is K7QF-29MX the code you sent?")  # the person's, not the Page's
    graph.add_message(SAM, "Hi")
    sent = page.send_direct(code_for(PAT))
    page.send_direct(code_for(SAM, code="ZZZZ-2222", key="code-2"))

    assert page.find_direct(code_for(PAT, key="another-key"), since) == sent
    assert page.find_direct(code_for(PAT, code="ZZZZ-2222"), since) is None
    assert page.find_direct(code_for(SAM), since) is None
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert page.find_direct(code_for(PAT), later) is None


def test_find_direct_without_a_marker_matches_the_whole_text(
    graph: FakeGraph, page: FacebookClient
) -> None:
    graph.add_message(PAT, "Hi")
    message = DirectOut(PAT.id, PAT.name, "Your code:  ABCD-2345", "k")
    sent = page.send_direct(message)

    assert page.find_direct(message, a_minute_ago()) == sent
    assert page.find_direct(DirectOut(PAT.id, "", "Your code", "k"), a_minute_ago()) is None
