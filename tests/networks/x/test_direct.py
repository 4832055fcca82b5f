"""XClient's direct messages from the business (an offer's code), against X's recorded
replies (see replay.py; test_contract.py checks them against X's OpenAPI document).

The refusals' bodies were written, not captured: the bare 403 "Forbidden" of a token
without dm.write is the one quoted in plhery/node-twitter-api-v2#434; the one for a person
whose settings refuse the shop follows X's about:blank problems with its v1.1 wording
(error 349, "You cannot send messages to this user.").
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from porch.networks.base import DirectOut, ErrorCode, NetworkError
from porch.networks.registry import descriptor
from porch.networks.x import auth, costs
from porch.networks.x.client import DM_RECONNECT, XClient

from .replay import ME, Replay, recorded

MakeClient = Callable[..., tuple[XClient, list[dict[str, Any]]]]
GUEST = "1203948576102938475"
CODE = "7KQ2-MB9X"
TEXT = recorded("dm_send")["request"]["json"]["text"]
WITH_DM = "tweet.read tweet.write users.read offline.access dm.read dm.write media.write"
SINCE = datetime(2026, 11, 20, 9, 50, tzinfo=UTC)  # the recordings' now is 10:00


def message(marker: str = CODE, to: str = GUEST) -> DirectOut:
    return DirectOut(to, "maria_eats", TEXT, "offer-3-code-41", marker=marker)


def sent(x: Replay) -> list[tuple[str, str, Any]]:
    return [
        (
            method,
            url.removeprefix("https://api.x.com").split("?")[0],
            json.loads(body) if body else None,
        )
        for method, url, _, body in x.requests
    ]


def test_a_code_goes_by_dm_and_is_counted_for_the_bill(make_client: MakeClient, x: Replay) -> None:
    x.add("dm_send")
    client, _ = make_client(scope=WITH_DM)
    published = client.send_direct(message())
    assert sent(x) == [("POST", f"/2/dm_conversations/with/{GUEST}/messages", {"text": TEXT})]
    assert published.external_id == "2123717294391808000"
    assert published.url == f"https://x.com/messages/{GUEST}-{ME}"
    assert client.usage.extra["dm_sent"] == 1
    assert (client.usage.reads, client.usage.writes) == (0, 0)


def test_a_dm_costs_xs_price() -> None:
    assert costs.estimated_cost(0, 0, 0, 1) == Decimal("0.015")
    assert costs.estimated_cost(0, 0, 0, 2) == Decimal("0.030")
    assert costs.estimated_cost(10, 1, 1) == Decimal("0.070")  # callers without DMs unchanged


def test_porch_asks_x_for_dm_write() -> None:
    assert "dm.write" in auth.SCOPES
    url, _ = auth.authorize_url("client-1", "https://porch.example/cb", "state-1")
    assert "dm.write" in url


def test_an_account_connected_before_is_told_to_reconnect_without_a_call(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()  # scope without dm.write, as stored before offers
    with pytest.raises(NetworkError) as caught:
        client.send_direct(message())
    assert caught.value.message == DM_RECONNECT and caught.value.permanent
    assert "send direct messages" in DM_RECONNECT and "Connect this X account again" in DM_RECONNECT
    assert x.requests == []


def test_a_bare_forbidden_from_x_is_the_missing_scope(make_client: MakeClient, x: Replay) -> None:
    x.add("dm_send_without_scope")
    client, _ = make_client(scope=WITH_DM)  # the stored scope says yes; X says no
    with pytest.raises(NetworkError) as caught:
        client.send_direct(message())
    assert caught.value.message == DM_RECONNECT
    assert caught.value.permanent and not caught.value.reconnect  # posting still works
    assert "dm_sent" not in client.usage.extra


def test_a_person_who_does_not_accept_messages_is_a_permanent_refusal(
    make_client: MakeClient, x: Replay
) -> None:
    x.add("dm_send_refused")
    client, _ = make_client(scope=WITH_DM)
    with pytest.raises(NetworkError) as caught:
        client.send_direct(message())
    error = caught.value
    assert error.permanent and not error.outcome_unknown and error.code == ErrorCode.FORBIDDEN
    assert "settings do not accept messages" in error.message
    assert "You cannot send messages to this user" in error.message


def test_a_rate_limit_is_temporary_until_xs_reset(make_client: MakeClient, x: Replay) -> None:
    x.add("dm_send_429")
    client, _ = make_client(scope=WITH_DM)
    with pytest.raises(NetworkError) as caught:
        client.send_direct(message())
    assert not caught.value.permanent and caught.value.code == ErrorCode.RATE_LIMITED
    assert caught.value.retry_after == 900.0  # x-rate-limit-reset is 10:15, now 10:00


def test_a_timeout_after_sending_is_an_unknown_outcome(make_client: MakeClient, x: Replay) -> None:
    x.fail("POST", f"/2/dm_conversations/with/{GUEST}/messages", requests.ReadTimeout("slow"))
    client, _ = make_client(scope=WITH_DM)
    with pytest.raises(NetworkError) as caught:
        client.send_direct(message())
    assert caught.value.outcome_unknown and not caught.value.permanent


def test_a_recipient_that_is_not_an_x_user_id_is_refused_before_any_call(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client(scope=WITH_DM)
    with pytest.raises(NetworkError) as caught:
        client.send_direct(message(to="maria_eats"))
    assert caught.value.code == ErrorCode.INVALID and x.requests == []


def test_find_direct_finds_the_shops_dm_holding_the_code(
    make_client: MakeClient, x: Replay
) -> None:
    x.add("dm_events_with")
    client, _ = make_client(scope=WITH_DM)
    found = client.find_direct(message(), SINCE)
    assert found is not None and found.external_id == "2123717294391808000"
    assert sent(x) == [("GET", f"/2/dm_conversations/with/{GUEST}/dm_events", None)]
    assert client.usage.extra["dm_events_read"] == 4
    assert client.usage.extra["dm_sent"] == 1  # it went out after all, and X billed it


@pytest.mark.parametrize(
    ("marker", "since"),
    [
        ("ZZZZ-ZZZZ", SINCE),  # another code
        ("Is it valid on Sunday", SINCE),  # the person's own words
        ("ZZ3K-P7QR", SINCE),  # the shop's, but older than `since` (less X's clock margin)
        (CODE, datetime(2026, 11, 20, 10, 5, tzinfo=UTC)),  # sent before `since`
    ],
)
def test_find_direct_matches_only_the_shops_dm_since_then(
    make_client: MakeClient, x: Replay, marker: str, since: datetime
) -> None:
    x.add("dm_events_with")
    client, _ = make_client(scope=WITH_DM)
    assert client.find_direct(message(marker), since) is None
    assert "dm_sent" not in client.usage.extra


def test_the_descriptor_says_who_can_be_written_to_and_the_price() -> None:
    can = descriptor("x").can
    assert can.send_direct == "if_they_allow"
    assert "$0.015 each" in can.send_direct_note
    assert "reconnected once" in can.send_direct_note
