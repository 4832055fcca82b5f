"""Porch's follower sync (porch.people.follows) against mastodon-mock: every follower over
two pages becomes a person keyed by their account URI, with the profile the server shows;
an unfollow is seen at the next whole pass; whom a follower follows is kept for peers."""

from collections.abc import Iterator

import pytest
from mastodon_mock.config import SeedAccount, SeedConfig, SeedFollow
from mastodon_mock.testing import MockServer

from porch.people.follows import sync_followers, sync_their_follows
from porch.people.models import Follow, Identity, TheirFollow
from porch.workspaces.models import ConnectedAccount, Workspace

from .conftest import DOMAIN, Mock

FANS = 45  # more than the mock's largest page (40)
SEED = SeedConfig(
    accounts=[
        SeedAccount(username="cornerbakery", display_name="Corner Bakery", access_token="bakery"),
        *(SeedAccount(username=f"fan{n}", access_token=f"fan{n}") for n in range(FANS)),
        SeedAccount(username="peer", display_name="Rye & Co", access_token="peer"),
    ],
    follows=[
        *(SeedFollow(follower=f"fan{n}", following="cornerbakery") for n in range(FANS)),
        SeedFollow(follower="fan1", following="peer"),
    ],
)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(seed=SEED) as running:
        yield running


@pytest.fixture
def mock(server: MockServer) -> Mock:
    running = Mock(server)
    running.reset()
    return running


@pytest.fixture
def account(mock: Mock, workspace: Workspace) -> ConnectedAccount:
    shop = ConnectedAccount(
        workspace=workspace,
        network="mastodon",
        handle=f"cornerbakery@{DOMAIN}",
        server_url=mock.base_url,
    )
    shop.set_credentials({"access_token": "bakery"})
    shop.save()
    return shop


def following(account: ConnectedAccount) -> set[str]:
    rows = Follow.objects.filter(account=account, gone_at__isnull=True)
    return set(rows.values_list("identity__handle", flat=True))


def test_every_follower_becomes_a_person_keyed_by_their_account_uri(
    mock: Mock, account: ConnectedAccount
) -> None:
    mock.as_user("fan3").account_update_credentials(
        display_name="Ana Bakes", note="Bread nerd. https://ana.example"
    )

    report = sync_followers(account)

    assert report.complete and report.pages == 2 and report.new == FANS
    assert following(account) == {f"fan{n}@{DOMAIN}" for n in range(FANS)}
    ana = Identity.objects.get(handle=f"fan3@{DOMAIN}")
    assert ana.stable_id == f"https://{DOMAIN}/@fan3" and ana.local_id.isdigit()
    assert (ana.display_name, ana.bio) == ("Ana Bakes", "Bread nerd. https://ana.example")
    assert {"url": "https://ana.example", "verified_at": ""} in ana.links
    assert ana.person.display_name == "Ana Bakes"


def test_an_unfollow_is_seen_at_the_next_whole_pass(mock: Mock, account: ConnectedAccount) -> None:
    sync_followers(account)
    fan = mock.as_user("fan7")
    fan.account_unfollow(fan.account_lookup("cornerbakery").id)

    again = sync_followers(account)

    assert again.complete and again.gone == 1 and again.new == 0
    assert f"fan7@{DOMAIN}" not in following(account)
    assert len(following(account)) == FANS - 1


def test_whom_a_follower_follows_is_kept_for_peer_discovery(
    mock: Mock, account: ConnectedAccount
) -> None:
    sync_followers(account)

    kept = sync_their_follows(Identity.objects.get(handle=f"fan1@{DOMAIN}"))

    assert kept == 2
    handles = set(TheirFollow.objects.values_list("handle", flat=True))
    assert handles == {f"peer@{DOMAIN}", f"cornerbakery@{DOMAIN}"}
