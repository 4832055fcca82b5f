"""XClient's like, repost and follow against X's recorded replies (see replay.py)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.registry import descriptor
from porch.networks.x.client import XClient

from .replay import ME, Replay

MakeClient = Callable[..., tuple[XClient, list[dict[str, Any]]]]
HIT, TOM, LI = "2123714767747153920", "987654321098765432", "1456789012345678901"


def sent(x: Replay) -> list[tuple[str, str, Any]]:
    """Each request made: method, path, JSON body (None when it had none)."""
    return [
        (method, url.removeprefix("https://api.x.com"), json.loads(body) if body else None)
        for method, url, _, body in x.requests
    ]


def test_x_says_it_can_engage() -> None:
    assert descriptor("x").can.engage


def test_liking_twice_is_what_x_answers_both_times(make_client: MakeClient, x: Replay) -> None:
    x.add("like", "like")  # X answers liked: true for a post liked already
    client, _ = make_client()
    client.like(HIT)
    client.like(HIT)
    assert sent(x) == [("POST", f"/2/users/{ME}/likes", {"tweet_id": HIT})] * 2
    assert client.usage.extra["like"] == 2
    assert (client.usage.reads, client.usage.writes) == (0, 0)  # no post read or created


def test_repost(make_client: MakeClient, x: Replay) -> None:
    x.add("retweet")
    client, _ = make_client()
    client.repost(HIT)
    assert sent(x) == [("POST", f"/2/users/{ME}/retweets", {"tweet_id": HIT})]


def test_follow_by_user_id(make_client: MakeClient, x: Replay) -> None:
    x.add("follow")
    client, _ = make_client()
    client.follow(TOM)
    assert sent(x) == [("POST", f"/2/users/{ME}/following", {"target_user_id": TOM})]


def test_follow_by_username_looks_it_up_first(make_client: MakeClient, x: Replay) -> None:
    x.add("users_by_username", "follow")
    client, _ = make_client()
    client.follow("@tomcooks")
    assert [(method, path) for method, path, _ in sent(x)] == [
        ("GET", "/2/users/by/username/tomcooks"),
        ("POST", f"/2/users/{ME}/following"),
    ]
    assert client.usage.extra["users_read"] == 1


def test_following_a_protected_account_asks_to_follow(make_client: MakeClient, x: Replay) -> None:
    x.add("follow_protected")  # following: false, pending_follow: true
    client, _ = make_client()
    client.follow(LI)


def test_an_unknown_username_is_not_found(make_client: MakeClient, x: Replay) -> None:
    x.add("users_by_username_not_found")  # X says so with a 200 and `errors`
    client, _ = make_client()
    with pytest.raises(NetworkError) as missing:
        client.follow("nosuchbaker")
    assert missing.value.permanent and missing.value.code == ErrorCode.NOT_FOUND
    assert "Could not find user with username: [nosuchbaker]" in missing.value.message


@pytest.mark.parametrize("action", ["like", "repost", "follow"])
def test_an_account_connected_without_the_scope_is_asked_to_reconnect(
    make_client: MakeClient, x: Replay, action: str
) -> None:
    client, _ = make_client(scope="tweet.read users.read offline.access")
    with pytest.raises(NetworkError) as refused:
        getattr(client, action)(TOM if action == "follow" else HIT)
    assert refused.value.permanent and refused.value.code == ErrorCode.FORBIDDEN
    assert refused.value.message == f"Connect this X account again to let Porch {action} from it"
    assert x.requests == []


def test_what_is_not_an_x_id_or_username_is_refused_before_any_call(
    make_client: MakeClient, x: Replay
) -> None:
    client, _ = make_client()
    with pytest.raises(NetworkError) as post:
        client.like("at://did:plc:someone/app.bsky.feed.post/3k")
    with pytest.raises(NetworkError) as user:
        client.follow("someone.bsky.social")
    assert post.value.code == user.value.code == ErrorCode.INVALID
    assert x.requests == []


def test_a_timeout_is_only_temporary_as_trying_again_is_safe(
    make_client: MakeClient, x: Replay
) -> None:
    x.fail("POST", f"/2/users/{ME}/likes", requests.ReadTimeout("read timed out"))
    client, _ = make_client()
    with pytest.raises(NetworkError) as raised:
        client.like(HIT)
    assert not raised.value.permanent and not raised.value.outcome_unknown
