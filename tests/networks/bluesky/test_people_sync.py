"""Porch's follower sync (porch.people.follows) against the real AT Protocol stack: the
shop's followers become people with their profiles, a renamed follower stays the same
person, an unfollow is seen at the next whole pass, and whom a follower follows is read
for peer discovery."""

import pytest
from atproto_client import models  # type: ignore[import-untyped, unused-ignore]

from porch.people.follows import sync_followers, sync_their_follows
from porch.people.models import Follow, Identity, Person, TheirFollow
from porch.workspaces.models import ConnectedAccount, Workspace

from .conftest import DevNetwork
from .conftest import Person as Someone
from .test_people import follow, put_profile

pytestmark = [pytest.mark.peers, pytest.mark.django_db(transaction=True)]


def connected(network: DevNetwork, workspace: Workspace, shop: Someone) -> ConnectedAccount:
    ref, credentials = network.connect(shop)
    account = ConnectedAccount(
        workspace=workspace,
        network="bluesky",
        handle=ref.handle,
        external_id=ref.external_id,
        server_url=ref.server_url,
    )
    account.set_credentials(credentials)
    account.save()
    return account


def following(account: ConnectedAccount) -> dict[str, str]:
    """DID -> handle of everyone Porch knows follows the account now."""
    rows = Follow.objects.filter(account=account, gone_at__isnull=True)
    return dict(rows.values_list("identity__stable_id", "identity__handle"))


def test_followers_become_people_and_a_rename_keeps_the_person(
    network: DevNetwork, workspace: Workspace
) -> None:
    shop, ana, ben = network.people("shop", "ana", "ben")
    put_profile(ana, "Ana Bakes", "Sourdough in Leeds", "https://ana.example")
    follow(ana, shop)
    follow(ben, shop)
    network.settle()
    account = connected(network, workspace, shop)

    report = sync_followers(account)

    assert report.complete and report.new == 2
    assert following(account) == {ana.did: ana.handle, ben.did: ben.handle}
    identity = Identity.objects.get(stable_id=ana.did)
    assert (identity.display_name, identity.bio) == ("Ana Bakes", "Sourdough in Leeds")
    assert identity.website == "https://ana.example"
    person = identity.person

    renamed = f"renamed-{ana.handle}"
    ana.sdk.com.atproto.identity.update_handle(
        models.ComAtprotoIdentityUpdateHandle.Data(handle=renamed)
    )
    ben.sdk.delete_follow(ben_follow_uri(ben, shop))
    network.settle()
    again = sync_followers(account)

    assert again.complete and again.gone == 1
    assert following(account) == {ana.did: renamed}
    assert Identity.objects.get(stable_id=ana.did).person == person
    assert Person.objects.filter(workspace=workspace).count() == 2  # ben is still known


def ben_follow_uri(who: Someone, subject: Someone) -> str:
    """The AT URI of `who`'s follow record of `subject`, as their own app finds it."""
    profile = who.sdk.get_profile(subject.did)
    assert profile.viewer and profile.viewer.following
    return str(profile.viewer.following)


def test_whom_a_follower_follows_is_kept_for_peer_discovery(
    network: DevNetwork, workspace: Workspace
) -> None:
    shop, fan, peer = network.people("shop", "fan", "peer")
    follow(fan, peer, shop)
    network.settle()
    account = connected(network, workspace, shop)
    sync_followers(account)

    kept = sync_their_follows(Identity.objects.get(stable_id=fan.did))

    assert kept == 2
    their = set(TheirFollow.objects.values_list("stable_id", "handle"))
    assert their == {(peer.did, peer.handle), (shop.did, shop.handle)}
