"""Like, repost and follow from Porch on the real AT Protocol stack (PDS, AppView, PLC).

What the shop does shows where the customer looks: the post's counts, the customer's
notifications, the shop's own repository. Doing it again changes nothing, both before
the AppView has indexed the first one and after.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.bluesky.client import BlueskyClient

from .conftest import DevNetwork, Person

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def people(network: DevNetwork) -> list[Person]:
    return network.people("cafe", "kim")


@pytest.fixture(scope="module")
def shop(people: list[Person]) -> Person:
    return people[0]


@pytest.fixture(scope="module")
def customer(people: list[Person]) -> Person:
    return people[1]


@pytest.fixture(scope="module")
def connection(network: DevNetwork, shop: Person) -> tuple[AccountRef, dict[str, Any]]:
    return network.connect(shop)


@pytest.fixture
def client(connection: tuple[AccountRef, dict[str, Any]]) -> Iterator[BlueskyClient]:
    with BlueskyClient(*connection) as client:
        yield client


def records(person: Person, collection: str) -> list[Any]:
    params = models.ComAtprotoRepoListRecords.Params(
        repo=person.did, collection=collection, limit=100
    )
    found: list[Any] = person.sdk.com.atproto.repo.list_records(params).records
    return found


def notified(network: DevNetwork, person: Person, by: Person) -> list[tuple[str, str]]:
    """(reason, subject) of `person`'s notifications from `by`."""
    network.settle()
    notes: list[Any] = person.sdk.app.bsky.notification.list_notifications().notifications
    return sorted((n.reason, n.reason_subject or "") for n in notes if n.author.did == by.did)


def test_liking_and_reposting_twice_makes_one_of_each(
    network: DevNetwork, shop: Person, customer: Person, client: BlueskyClient
) -> None:
    uri: str = customer.sdk.send_post("Anyone know where to get proper rye bread?").uri
    network.settle()  # Porch likes what it has read
    for _ in range(2):  # the second time right away: the AppView may not have the first
        client.like(uri)
        client.repost(uri)
    network.settle()
    client.like(uri)  # once the AppView shows it: the viewer state says so
    client.repost(uri)
    network.settle()

    [post] = customer.sdk.get_posts([uri]).posts
    assert (post.like_count, post.repost_count) == (1, 1)
    assert notified(network, customer, shop) == [("like", uri), ("repost", uri)]
    likes = records(shop, "app.bsky.feed.like")
    assert [(r.value.subject.uri, r.value.subject.cid) for r in likes] == [(uri, post.cid)]
    assert [r.value.subject.uri for r in records(shop, "app.bsky.feed.repost")] == [uri]
    [view] = client._posts([uri])
    assert (view.viewer.like, view.viewer.repost) == (
        likes[0].uri,
        records(shop, "app.bsky.feed.repost")[0].uri,
    )


def test_following_by_handle_then_by_did_makes_one_follow(
    network: DevNetwork, shop: Person, customer: Person, client: BlueskyClient
) -> None:
    client.follow(f"@{customer.handle}")
    client.follow(customer.did)  # right away
    network.settle()
    client.follow(customer.handle)  # once the AppView shows it
    network.settle()

    assert customer.sdk.get_profile(customer.did).followers_count == 1
    follows = [note for note in notified(network, customer, shop) if note[0] == "follow"]
    assert follows == [("follow", "")]
    assert [r.value.subject for r in records(shop, "app.bsky.graph.follow")] == [customer.did]


def test_what_is_not_there_cannot_be_liked_or_followed(
    network: DevNetwork, customer: Person, client: BlueskyClient
) -> None:
    uri: str = customer.sdk.send_post("Deleting this in a moment").uri
    customer.sdk.delete_post(uri)
    network.settle()
    with pytest.raises(NetworkError) as gone:
        client.like(uri)
    assert gone.value.permanent and gone.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(NetworkError) as nobody:
        client.follow("nobody-here.test")
    assert nobody.value.permanent and nobody.value.code == ErrorCode.NOT_FOUND
