"""MastodonClient's people: followers, whom an account follows, profiles, suggestions,
the account URI as every author's id, and following by URI; against mastodon-mock, and
a recorded real account reply for what the mock does not write (HTML field values and
their verified_at)."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mastodon import Mastodon
from mastodon_mock.config import SeedAccount, SeedConfig, SeedFollow
from mastodon_mock.db.models import Account
from mastodon_mock.testing import MockServer
from sqlalchemy import select

from porch.networks.base import AccountRef, ErrorCode, NetworkError
from porch.networks.mastodon.client import MastodonClient
from porch.networks.mastodon.people import REMOTE_FOLLOWS, account_guess, field_links
from porch.networks.registry import descriptor

from .conftest import DOMAIN, Mock
from .replay import Reply, recorded, replaying

FANS = 45  # more than the mock's largest page (40), so the list takes two pages
PEOPLE = SeedConfig(
    accounts=[
        SeedAccount(username="cornerbakery", display_name="Corner Bakery", access_token="bakery"),
        *(SeedAccount(username=f"fan{n}", access_token=f"fan{n}") for n in range(FANS)),
        SeedAccount(username="peer", display_name="Rye & Co", access_token="peer"),
        SeedAccount(username="far", domain="other.example", display_name="Far Away"),
    ],
    follows=[
        *(SeedFollow(follower=f"fan{n}", following="cornerbakery") for n in range(FANS)),
        SeedFollow(follower="far", following="cornerbakery"),
        SeedFollow(follower="fan1", following="peer"),
        SeedFollow(follower="far", following="peer"),
    ],
)


@pytest.fixture(scope="module")
def people_server() -> Iterator[MockServer]:
    with MockServer(seed=PEOPLE) as server:
        yield server


@pytest.fixture
def people_mock(people_server: MockServer) -> Mock:
    running = Mock(people_server)
    running.reset()
    return running


@pytest.fixture
def shop(people_mock: Mock) -> MastodonClient:
    account = AccountRef("mastodon", f"cornerbakery@{DOMAIN}", server_url=people_mock.base_url)
    return MastodonClient(account, {"access_token": "bakery"})


def _stored_fields(server: MockServer, username: str, fields: list[dict[str, Any]]) -> None:
    """Writes an account's profile fields into the mock's database as a real server
    stores them (the mock's own update always writes verified_at None)."""
    sessions = server._server.config.app.state.session_factory
    with sessions() as session:
        row = session.scalar(select(Account).where(Account.username == username))
        row.fields = fields
        session.commit()


def test_mastodon_says_it_gives_the_whole_follower_list() -> None:
    assert descriptor("mastodon").can.followers == "all"


def test_followers_page_through_the_whole_list_newest_first(shop: MastodonClient) -> None:
    first = shop.followers()
    assert len(first.profiles) == 40  # the mock's largest page
    assert first.cursor
    second = shop.followers(first.cursor)
    assert second.cursor == ""
    handles = [p.handle for p in first.profiles + second.profiles]
    assert len(handles) == len(set(handles)) == FANS + 1
    assert handles[0] == "far@other.example"  # the newest follow comes first
    assert handles[-1] == f"fan0@{DOMAIN}"
    fan = second.profiles[-1]
    assert (fan.network, fan.stable_id) == ("mastodon", f"https://{DOMAIN}/@fan0")
    assert fan.local_id.isdigit() and fan.local_id != fan.stable_id
    assert (first.partial, second.partial) == ("", "")


def test_follows_of_a_local_account_by_uri_and_by_local_id(shop: MastodonClient) -> None:
    by_uri = shop.follows_of(f"https://{DOMAIN}/@fan1")
    assert [p.handle for p in by_uri.profiles] == [f"peer@{DOMAIN}", f"cornerbakery@{DOMAIN}"]
    assert (by_uri.cursor, by_uri.partial) == ("", "")
    local_id = by_uri.profiles[0].local_id
    assert [p.handle for p in shop.follows_of(local_id).profiles] == []


def test_a_remote_accounts_follows_are_marked_partial(shop: MastodonClient) -> None:
    page = shop.follows_of(f"https://{DOMAIN}/@far@other.example")
    assert {p.handle for p in page.profiles} == {f"peer@{DOMAIN}", f"cornerbakery@{DOMAIN}"}
    assert page.partial == REMOTE_FOLLOWS


def test_follows_of_an_unknown_account_is_not_found(shop: MastodonClient) -> None:
    with pytest.raises(NetworkError) as caught:
        shop.follows_of("https://nowhere.example/users/ghost")
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert caught.value.permanent


def test_profiles_by_uri_handle_and_local_id_with_field_links(
    people_server: MockServer, people_mock: Mock, shop: MastodonClient
) -> None:
    peer = people_mock.as_user("peer")
    peer.account_update_credentials(
        note="Rye bakers. Menu at https://rye.example/menu, say hi!",
        fields=[("Pronouns", "they/them"), ("Shop", "https://rye.example")],
    )
    fan2_id = str(people_mock.as_user("fan2").me().id)
    found = shop.profiles(
        [f"https://{DOMAIN}/@peer", fan2_id, "https://gone.example/users/x", "@fan3"]
    )
    assert [p.handle for p in found] == [f"peer@{DOMAIN}", f"fan2@{DOMAIN}", f"fan3@{DOMAIN}"]
    rye = found[0]
    assert rye.display_name == "Rye & Co"
    assert rye.bio == "Rye bakers. Menu at https://rye.example/menu, say hi!"
    # The mock stores field values as typed: the text is the link; it verifies nothing.
    assert rye.links == (("https://rye.example", ""), ("https://rye.example/menu", ""))
    assert rye.website == "https://rye.example"
    assert rye.followers_count == 2
    assert found[1].local_id == fan2_id


def test_a_verified_field_is_the_website(people_server: MockServer, shop: MastodonClient) -> None:
    _stored_fields(
        people_server,
        "peer",
        [
            {"name": "Blog", "value": "https://blog.example", "verified_at": None},
            {
                "name": "Home",
                "value": "https://rye.example",
                "verified_at": "2026-11-02T10:00:00.000+00:00",
            },
        ],
    )
    (rye,) = shop.profiles([f"https://{DOMAIN}/@peer"])
    assert rye.website == "https://rye.example"
    assert rye.links[0] == ("https://blog.example", "")
    assert rye.links[1][0] == "https://rye.example"
    assert rye.links[1][1].startswith("2026-11-02T10:00:00")


def test_a_real_servers_profile_html_and_verified_link() -> None:
    routes = {"GET /api/v1/accounts/lookup": Reply(body=recorded("account_lookup_verified.json"))}
    with replaying(routes) as replay:
        account = AccountRef("mastodon", "cornerbakery@mastodon.social", server_url=replay.base_url)
        client = MastodonClient(account, {"access_token": "recorded-token"})
        (pat,) = client.profiles(["https://fosstodon.org/users/pat"])
        (lookup,) = replay.requests
    assert lookup.query == {"acct": ["pat@fosstodon.org"]}
    assert pat.stable_id == "https://fosstodon.org/users/pat"
    assert (pat.handle, pat.local_id) == ("pat@fosstodon.org", "109302115647395827")
    assert pat.profile_url == "https://fosstodon.org/@pat"
    assert pat.bio == (
        "Home baker, sourdough nerd. Also on https://bsky.app/profile/patbakes.example #sourdough"
    )
    assert pat.links == (
        ("https://shop.example/pat", ""),
        ("https://patbakes.example", "2026-10-02T08:14:31.412+00:00"),  # as the server says
        ("https://bsky.app/profile/patbakes.example", ""),
    )
    assert pat.website == "https://patbakes.example"  # verified, though listed second
    assert pat.followers_count == 312


def test_field_links_keep_only_links() -> None:
    fields = [
        {"name": "Pronouns", "value": "she/her", "verified_at": None},
        {"name": "Where", "value": "<p>Lisbon and https://a.example too</p>", "verified_at": None},
        {
            "name": "Site",
            "value": '<a href="https://b.example/">b.example</a>',
            "verified_at": None,
        },
    ]
    assert field_links(fields) == [("https://b.example/", "")]


def test_account_guess_reads_mastodons_uri_forms() -> None:
    assert (
        account_guess("https://fosstodon.org/users/pat", "mastodon.social") == "pat@fosstodon.org"
    )
    assert account_guess("https://mock.local/@pat", "mock.local") == "pat"
    assert (
        account_guess("https://mock.local/@far@other.example", "mock.local") == "far@other.example"
    )
    assert account_guess("https://example.com/", "mock.local") == ""


def test_suggested_follows_are_the_servers(shop: MastodonClient) -> None:
    suggested = shop.suggested_follows()
    handles = {p.handle for p in suggested}
    assert f"peer@{DOMAIN}" in handles
    assert f"cornerbakery@{DOMAIN}" not in handles
    assert all(p.stable_id.startswith(f"https://{DOMAIN}/@") for p in suggested)


def test_mentions_carry_the_authors_uri(bakery: MastodonClient, pat: Mastodon) -> None:
    pat.status_post("@cornerbakery open on Sunday?")
    (item,) = bakery.fetch_incoming("").items
    assert item.author_id == f"https://{DOMAIN}/@pat"
    assert item.author_handle == f"pat@{DOMAIN}"


def test_follow_by_uri_handle_and_old_local_id(shop: MastodonClient, people_mock: Mock) -> None:
    fan5_id = str(people_mock.as_user("fan5").me().id)
    shop.follow(f"https://{DOMAIN}/@peer")
    shop.follow(f"https://{DOMAIN}/@far@other.example")
    shop.follow(f"fan4@{DOMAIN}")
    shop.follow(fan5_id)
    shop.follow(f"https://{DOMAIN}/@peer")  # again: nothing changes
    following = shop.api.account_following(shop.api.me().id)
    assert sorted(a.acct for a in following) == ["fan4", "fan5", "far@other.example", "peer"]


def test_follow_by_an_unknown_uri_is_not_found(shop: MastodonClient) -> None:
    with pytest.raises(NetworkError) as caught:
        shop.follow("https://nowhere.example/users/ghost")
    assert caught.value.code == ErrorCode.NOT_FOUND


def test_profiles_by_local_id_on_a_server_without_the_batch(
    people_mock: Mock, shop: MastodonClient
) -> None:
    ids = [str(people_mock.as_user(name).me().id) for name in ("fan6", "fan7")]
    people_mock.fault("/api/v1/accounts", {"type": "status", "status": 404}, methods=["GET"])
    found = shop.profiles([*ids, "999999999999"])
    assert [p.handle for p in found] == [f"fan6@{DOMAIN}", f"fan7@{DOMAIN}"]
    faults = httpx.get(f"{people_mock.base_url}/api/v1/_mock/faults").json()
    assert [rule["remaining"] for rule in faults] in ([], [0])  # the batch was refused
