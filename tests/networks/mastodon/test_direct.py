"""Direct messages from the shop (an offer's code to a follower), and followers-only posts,
against mastodon-mock over real HTTP: pat follows the bakery, sam does not."""

from datetime import UTC, datetime, timedelta

import pytest
from mastodon import Mastodon

from porch.networks import registry
from porch.networks.base import DirectOut, ErrorCode, NetworkError, Outgoing
from porch.networks.mastodon.client import MastodonClient

from .conftest import DOMAIN, Mock


def code_for(handle: str, code: str = "K7QF-29MX", key: str = "code-1", **more: str) -> DirectOut:
    text = f"Thanks for following! Your code for 10% off: {code}"
    return DirectOut(
        recipient_id=more.get("recipient_id", ""),
        recipient_handle=handle,
        text=text,
        idempotency_key=key,
        marker=code,
        recipient_local_id=more.get("recipient_local_id", ""),
    )


def bakery_id(customer: Mastodon) -> str:
    return str(customer.account_lookup("cornerbakery")["id"])


def test_mastodon_says_it_can_message_every_follower() -> None:
    can = registry.descriptor("mastodon").can

    assert can.send_direct == "followers" and can.send_direct_hours == 0
    assert "direct message" in can.send_direct_note and can.followers_only


def test_a_code_goes_to_the_follower_as_a_private_mention(
    bakery: MastodonClient, pat: Mastodon, sam: Mastodon
) -> None:
    sent = bakery.send_direct(code_for(f"pat@{DOMAIN}"))

    status = pat.status(sent.external_id)
    [conversation] = pat.conversations()
    [notification] = pat.notifications(types=["mention"])
    assert status["visibility"] == "direct"
    assert [m["acct"] for m in status["mentions"]] == ["pat"]
    assert "K7QF-29MX" in status["content"] and status["content"].count("@pat") == 1
    assert str(conversation["last_status"]["id"]) == sent.external_id
    assert str(notification["status"]["id"]) == sent.external_id
    assert sam.conversations() == [] and sam.notifications() == []
    assert (bakery.usage.writes, bakery.usage.extra["dm_sent"]) == (0, 1)


def test_the_same_idempotency_key_twice_sends_one_message(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    first = bakery.send_direct(code_for("pat", key="offer-3-person-9"))
    second = bakery.send_direct(code_for("pat", key="offer-3-person-9"))

    assert first == second
    assert len(pat.account_statuses(bakery_id(pat))) == 1
    assert len(pat.notifications(types=["mention"])) == 1


def test_a_text_that_names_the_person_already_mentions_them_once(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    message = DirectOut("", "@pat", "@pat your code: K7QF-29MX", "k", marker="K7QF-29MX")

    sent = bakery.send_direct(message)

    status = pat.status(sent.external_id)
    assert [m["acct"] for m in status["mentions"]] == ["pat"]


def test_someone_else_the_offer_names_gets_no_ones_code(
    bakery: MastodonClient, pat: Mastodon, sam: Mastodon
) -> None:
    """A direct status reaches everyone it mentions: the terms naming @sam (the miller
    who supplies the flour) must not send Sam each follower's code."""
    text = "Flour from @sam, thanks to info@mill.example! Your code: K7QF-29MX"
    message = DirectOut("", f"pat@{DOMAIN}", text, "k2", marker="K7QF-29MX")

    sent = bakery.send_direct(message)

    status = pat.status(sent.external_id)
    assert [m["acct"] for m in status["mentions"]] == ["pat"]
    assert "info@mill.example" in status["content"]
    assert sam.conversations() == [] and sam.notifications() == []


def test_without_a_handle_the_person_is_found_by_their_account_uri(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    uri = str(pat.account_verify_credentials()["uri"])

    sent = bakery.send_direct(code_for("", recipient_id=uri))

    assert [m["acct"] for m in pat.status(sent.external_id)["mentions"]] == ["pat"]


def test_someone_mastodon_cannot_find_gets_nothing_and_the_owner_is_told(
    bakery: MastodonClient, pat: Mastodon
) -> None:
    with pytest.raises(NetworkError) as raised:
        bakery.send_direct(code_for("nobody"))

    assert raised.value.permanent and raised.value.code == ErrorCode.NOT_FOUND
    assert "@nobody" in raised.value.message
    assert pat.account_statuses(bakery_id(pat)) == []  # the status that reached no one is gone


def test_a_refusal_names_the_person_and_a_server_error_leaves_the_message_unknown(
    mock: Mock, bakery: MastodonClient
) -> None:
    body = {"error": "Validation failed: Text character limit of 500 exceeded"}
    mock.fault("/api/v1/statuses", {"type": "status", "status": 422, "body": body}, ["POST"])
    mock.fault("/api/v1/statuses", {"type": "status", "status": 502}, ["POST"])

    with pytest.raises(NetworkError) as refused:
        bakery.send_direct(code_for("pat"))
    with pytest.raises(NetworkError) as unknown:
        bakery.send_direct(code_for("pat"))

    assert refused.value.permanent and not refused.value.outcome_unknown
    assert "@pat" in refused.value.message and "character limit" in refused.value.message
    assert refused.value.code == ErrorCode.TOO_LONG
    assert unknown.value.outcome_unknown and not unknown.value.permanent


def test_find_direct_knows_the_message_by_its_code(bakery: MastodonClient, pat: Mastodon) -> None:
    # mastodon-mock is another process and dates statuses by the real clock, so `since` is
    # taken from it too (a minute's margin; any instant of the day works the same).
    since = datetime.now(UTC) - timedelta(minutes=1)
    bakery.publish(Outgoing("Fresh rye today, code K7QF-29MX is not in this one", "p-1"))
    sent = bakery.send_direct(code_for("pat"))
    bakery.publish(Outgoing("Open till 6", "p-2"))

    assert bakery.find_direct(code_for(f"pat@{DOMAIN}", key="other-key"), since) == sent
    assert bakery.find_direct(code_for("pat", code="ZZZZ-2222"), since) is None
    assert bakery.find_direct(code_for("sam"), since) is None  # a code sent to someone else
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert bakery.find_direct(code_for("pat"), later) is None


def test_followers_only_posts_reach_followers_and_no_one_else(
    bakery: MastodonClient, pat: Mastodon, sam: Mastodon
) -> None:
    """Mastodon shows a private post to followers only. The mock enforces that in its
    timelines (a real server also refuses the status itself to others; the mock's
    GET /statuses/:id does not, so this test reads the timelines)."""
    published = bakery.publish(
        Outgoing("Followers: 2 for 1 on buns today", "post-9", visibility="followers")
    )

    def sees(customer: Mastodon) -> dict[str, bool]:
        timelines = {
            "profile": customer.account_statuses(bakery_id(customer)),
            "home": customer.timeline_home(),
            "public": customer.timeline_public(),
        }
        ids = {name: [str(s["id"]) for s in found] for name, found in timelines.items()}
        return {name: published.external_id in found for name, found in ids.items()}

    assert pat.status(published.external_id)["visibility"] == "private"
    assert sees(pat) == {"profile": True, "home": True, "public": False}
    assert sees(sam) == {"profile": False, "home": False, "public": False}
