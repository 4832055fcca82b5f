"""BlueskyClient's like, repost and follow against a scripted PDS (no server).

test_engage_peer.py checks them on Bluesky's own PDS and AppView; these cover what the
dev network cannot show on demand: a like made moments ago that the AppView has not
indexed yet, and what is sent where.
"""

from typing import Any

import pytest

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.bluesky.client import LIKE_COLLECTION
from porch.networks.bluesky.posts import record_key
from porch.networks.registry import descriptor

from .fakes import jwt
from .test_client import ScriptedPds, client_on, error, ok

URI = "at://did:plc:patbakes/app.bsky.feed.post/3kabcdefghij2"
CID = "bafyreib2rxk3rh6kzwqpatbakes"
LIKED = "at://did:plc:bakery/app.bsky.feed.like/3jvncfaxr3dw2"
PAT = "did:plc:patbakes"


def post_view(**viewer: str) -> dict[str, Any]:
    """app.bsky.feed.getPosts's answer: one post, with the account's viewer state."""
    post = {
        "uri": URI,
        "cid": CID,
        "author": {"did": PAT, "handle": "pat.bsky.social"},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Rye?",
            "createdAt": "2026-05-01T09:00:00Z",
        },
        "indexedAt": "2026-05-01T09:00:01Z",
        "viewer": viewer,
    }
    return {"posts": [post]}


def profile(**viewer: str) -> dict[str, Any]:
    return {"did": PAT, "handle": "pat.bsky.social", "viewer": viewer}


def created(collection: str) -> dict[str, Any]:
    return {"uri": f"at://did:plc:bakery/{collection}/3jvncfaxr3dw2", "cid": "bafyreilike"}


def test_bluesky_says_it_can_engage() -> None:
    assert descriptor("bluesky").can.engage


def test_a_like_is_a_record_on_the_posts_strong_ref_under_a_key_of_its_own() -> None:
    pds = ScriptedPds(
        {
            "app.bsky.feed.getPosts": [ok(post_view())],
            "com.atproto.repo.createRecord": [ok(created(LIKE_COLLECTION))],
        }
    )
    client, _ = client_on(pds, jwt(3600))
    client.like(URI)
    sent = pds.bodies["com.atproto.repo.createRecord"]
    assert (sent["repo"], sent["collection"]) == ("did:plc:bakery", LIKE_COLLECTION)
    assert sent["rkey"] == record_key(f"{LIKE_COLLECTION} {URI}")
    subject = sent["record"]["subject"]
    assert (sent["record"]["$type"], subject["uri"], subject["cid"]) == (LIKE_COLLECTION, URI, CID)
    assert client.usage.extra["like"] == 1


def test_a_post_liked_already_is_left_alone() -> None:
    pds = ScriptedPds({"app.bsky.feed.getPosts": [ok(post_view(like=LIKED, repost=LIKED))]})
    client, _ = client_on(pds, jwt(3600))
    client.like(URI)
    client.repost(URI)
    assert pds.methods() == ["app.bsky.feed.getPosts"] * 2


def test_a_like_the_appview_has_not_indexed_yet_is_found_under_its_key() -> None:
    """The PDS refuses a second record under a taken key (500): the like is there."""
    record = {"uri": LIKED, "cid": "bafyreilike", "value": {"$type": LIKE_COLLECTION}}
    pds = ScriptedPds(
        {
            "app.bsky.feed.getPosts": [ok(post_view())],
            "com.atproto.repo.createRecord": [error(500, "InternalServerError")],
            "com.atproto.repo.getRecord": [ok(record)],
        }
    )
    client, _ = client_on(pds, jwt(3600))
    client.like(URI)
    assert pds.methods()[-2:] == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]
    assert "like" not in client.usage.extra


def test_a_failed_repost_that_left_no_record_says_why() -> None:
    pds = ScriptedPds(
        {
            "app.bsky.feed.getPosts": [ok(post_view())],
            "com.atproto.repo.createRecord": [error(500, "InternalServerError")],
            "com.atproto.repo.getRecord": [error(400, "RecordNotFound")],
        }
    )
    client, _ = client_on(pds, jwt(3600))
    with pytest.raises(NetworkError) as raised:
        client.repost(URI)
    assert not raised.value.permanent and not raised.value.outcome_unknown


def test_a_post_that_is_gone_cannot_be_liked() -> None:
    pds = ScriptedPds({"app.bsky.feed.getPosts": [ok({"posts": []})]})
    client, _ = client_on(pds, jwt(3600))
    with pytest.raises(NetworkError) as raised:
        client.like(URI)
    assert raised.value.code == ErrorCode.NOT_FOUND
    assert raised.value.message.startswith("The post to like is not on Bluesky")


def test_follow_by_handle_follows_the_did_once() -> None:
    pds = ScriptedPds(
        {
            "app.bsky.actor.getProfile": [ok(profile()), ok(profile(following=LIKED))],
            "com.atproto.repo.createRecord": [ok(created("app.bsky.graph.follow"))],
        }
    )
    client, _ = client_on(pds, jwt(3600))
    client.follow("@pat.bsky.social")
    client.follow(PAT)
    assert pds.methods() == [
        "app.bsky.actor.getProfile",
        "com.atproto.repo.createRecord",
        "app.bsky.actor.getProfile",
    ]
    assert pds.bodies["com.atproto.repo.createRecord"]["record"]["subject"] == PAT
