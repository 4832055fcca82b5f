"""Followers, follows, profiles and suggestions on the real AT Protocol stack (PDS, AppView).

Each test makes its own accounts (handles end in .test); `network.settle()` waits for the
AppView to index what they did. Paging is shown with a small page size
(people.LIST_LIMIT, PROFILES_LIMIT) instead of a hundred accounts.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import NetworkError, Profile
from porch.networks.bluesky import people
from porch.networks.bluesky.client import BlueskyClient

from .conftest import DevNetwork, Person

pytestmark = pytest.mark.peers

UNKNOWN_DID = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.fixture
def open_client(network: DevNetwork) -> Iterator[Any]:
    """open_client(person) -> a BlueskyClient connected as `person`; all closed at the end."""
    clients: list[BlueskyClient] = []

    def connect(person: Person) -> BlueskyClient:
        clients.append(BlueskyClient(*network.connect(person)))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


def follow(person: Person, *others: Person) -> None:
    """`person` follows each of `others`, in that order."""
    for other in others:
        person.sdk.follow(other.did)


def put_profile(person: Person, name: str, bio: str, website: str) -> None:
    """What the person's own app does when they edit their profile."""
    record = models.AppBskyActorProfile.Record(display_name=name, description=bio, website=website)
    data = models.ComAtprotoRepoPutRecord.Data(
        repo=person.did, collection="app.bsky.actor.profile", rkey="self", record=record
    )
    person.sdk.com.atproto.repo.put_record(data)


def all_pages(read: Any) -> list[list[Profile]]:
    """Each page of a list read with `read(cursor)`, until its cursor is ""."""
    pages, cursor = [], ""
    while True:
        page = read(cursor)
        pages.append(page.profiles)
        if not (cursor := page.cursor):
            return pages


def test_followers_come_page_by_page_newest_first_with_counts_and_websites(
    network: DevNetwork, open_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, ana, ben, cy = network.people("shop", "ana", "ben", "cy")
    put_profile(ana, "Ana Bakes", "Sourdough in Leeds. bakesbyana.com/menu", "https://ana.example")
    follow(cy, ana)
    follow(ana, shop)
    follow(ben, shop)
    follow(cy, shop)
    network.settle()
    monkeypatch.setattr(people, "LIST_LIMIT", 2)
    client = open_client(shop)

    pages = all_pages(client.followers)

    assert len(pages) >= 2 and all(len(page) <= 2 for page in pages)
    assert [p.stable_id for page in pages for p in page] == [cy.did, ben.did, ana.did]
    found = {p.stable_id: p for page in pages for p in page}
    assert found[ana.did] == Profile(
        network="bluesky",
        stable_id=ana.did,
        handle=ana.handle,
        display_name="Ana Bakes",
        bio="Sourdough in Leeds. bakesbyana.com/menu",
        website="https://ana.example",
        links=(("https://bakesbyana.com/menu", ""), ("https://ana.example", "")),
        followers_count=1,
        profile_url=f"https://bsky.app/profile/{ana.handle}",
    )
    assert (found[ben.did].followers_count, found[ben.did].website, found[ben.did].links) == (
        0,
        "",
        (),
    )
    assert client.usage.extra["accounts_listed"] == 3
    assert client.usage.extra["profiles_read"] == 3


def test_a_renamed_follower_keeps_their_did(network: DevNetwork, open_client: Any) -> None:
    shop, fan = network.people("shop", "fan")
    follow(fan, shop)
    network.settle()
    client = open_client(shop)
    [before] = client.followers().profiles

    renamed = f"renamed-{fan.handle}"
    fan.sdk.com.atproto.identity.update_handle(
        models.ComAtprotoIdentityUpdateHandle.Data(handle=renamed)
    )
    network.settle()
    [after] = client.followers().profiles

    assert (before.stable_id, before.handle) == (fan.did, fan.handle)
    assert (after.stable_id, after.handle) == (fan.did, renamed)
    assert after.profile_url == f"https://bsky.app/profile/{renamed}"


def test_follows_of_an_account_lists_whom_it_follows(
    network: DevNetwork, open_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, fan, peer, other = network.people("shop", "fan", "peer", "other")
    put_profile(peer, "Peer Roasters", "Coffee, roasted weekly", "https://peer.example")
    follow(fan, peer, other, shop)
    follow(shop, peer)
    network.settle()
    monkeypatch.setattr(people, "LIST_LIMIT", 2)
    client = open_client(shop)

    pages = all_pages(lambda cursor: client.follows_of(fan.did, cursor))

    assert [[p.stable_id for p in page] for page in pages][:2] == [
        [shop.did, other.did],
        [peer.did],
    ]
    found = {p.stable_id: p for page in pages for p in page}
    assert (found[peer.did].display_name, found[peer.did].website) == (
        "Peer Roasters",
        "https://peer.example",
    )
    assert found[peer.did].followers_count == 2
    assert client.follows_of(shop.did).profiles[0].stable_id == peer.did


def test_follows_of_an_unknown_account_is_a_permanent_error(
    network: DevNetwork, open_client: Any
) -> None:
    [shop] = network.people("shop")
    client = open_client(shop)

    with pytest.raises(NetworkError) as error:
        client.follows_of(UNKNOWN_DID)

    assert error.value.permanent and not error.value.reconnect


def test_profiles_are_read_in_chunks_and_unknown_ones_left_out(
    network: DevNetwork, open_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, ana, ben, cy = network.people("shop", "ana", "ben", "cy")
    put_profile(cy, "Cy", "Bread & words https://cy.example/blog", "https://cy.example")
    follow(ana, cy)
    follow(ben, cy)
    network.settle()
    monkeypatch.setattr(people, "PROFILES_LIMIT", 2)
    client = open_client(shop)
    before = client.usage.extra.get("requests", 0)

    found = client.profiles([cy.did, UNKNOWN_DID, ana.did, cy.did])

    assert [p.stable_id for p in found] == [cy.did, ana.did]
    assert client.usage.extra["requests"] - before == 2
    assert client.usage.extra["profiles_read"] == 2  # cy asked for once
    assert (found[0].display_name, found[0].bio, found[0].followers_count) == (
        "Cy",
        "Bread & words https://cy.example/blog",
        2,
    )
    assert found[0].links == (("https://cy.example/blog", ""), ("https://cy.example", ""))
    assert client.profiles([]) == []


def test_suggested_follows_ask_bluesky_and_are_empty_on_the_dev_network(
    network: DevNetwork, open_client: Any
) -> None:
    shop, fan = network.people("shop", "fan")
    follow(fan, shop)
    network.settle()
    client = open_client(shop)

    assert client.suggested_follows() == []
    assert client.usage.extra["requests"] == 1


def test_a_handle_that_does_not_verify_links_to_the_did() -> None:
    view = models.AppBskyActorDefs.ProfileView(
        did=UNKNOWN_DID, handle="handle.invalid", description="see ftp://x.example or me.co.uk"
    )

    profile = people.to_profile(view)

    assert profile.profile_url == f"https://bsky.app/profile/{UNKNOWN_DID}"
    assert not profile.handle_checked  # people keep the handle they knew
    assert (profile.handle, profile.followers_count, profile.links) == (
        "handle.invalid",
        None,
        (("https://me.co.uk", ""),),
    )
