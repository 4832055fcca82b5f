"""What people keeps about suggested peers: a ranking stored idempotently that never undoes
the owner's choices; saving as a peer (a person, status peer, a venture idea); the venture's
stage; dismissing; following once on the fake network. Only an owner or manager acts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User

from porch.errors import Conflict, InputError, NotAllowed
from porch.networks.base import ErrorCode, NetworkError
from porch.networks.fake import store
from porch.networks.fake.client import FakeClient
from porch.people import peers
from porch.people.models import (
    Identity,
    PeerState,
    PeerSuggestion,
    Person,
    Status,
    Venture,
)
from porch.people.peers import Ranked
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ranked(handle: str, score: float = 1.0, stable_id: str = "") -> Ranked:
    why = {"lines": [f"Posted about bread ({handle})."], "topics": ["Bread"]}
    return Ranked("fake", stable_id or f"fake:{handle}", handle, handle.title(), score, why)


@pytest.fixture
def member(workspace: Workspace, owner: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=owner)


@pytest.fixture
def helper(workspace: Workspace) -> Membership:
    return Membership.objects.get(user=add_member(workspace, "h@bakery.example", Role.HELPER))


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")


def suggestion(workspace: Workspace, handle: str) -> PeerSuggestion:
    return PeerSuggestion.objects.get(workspace=workspace, handle=handle)


def test_a_ranking_stored_twice_leaves_the_same_rows(workspace: Workspace) -> None:
    ranking = [ranked("maya", 3.0), ranked("tom", 2.0)]
    assert peers.store_ranking(workspace, ranking, NOW) == 2
    first = list(PeerSuggestion.objects.values_list("pk", "handle", "score", "why"))
    peers.store_ranking(workspace, ranking, NOW + timedelta(hours=1))
    assert list(PeerSuggestion.objects.values_list("pk", "handle", "score", "why")) == first
    assert suggestion(workspace, "maya").ranked_at == NOW + timedelta(hours=1)


def test_a_rerank_drops_plain_suggestions_and_keeps_the_owners_choices(
    workspace: Workspace, member: Membership, account: ConnectedAccount
) -> None:
    peers.store_ranking(workspace, [ranked(h) for h in ("ana", "ben", "cat", "dan")], NOW)
    person = peers.save_as_peer(member, suggestion(workspace, "ana"))
    peers.set_venture(member, person, Venture.TALKING)
    peers.dismiss(member, suggestion(workspace, "ben"))
    peers.follow(member, suggestion(workspace, "cat"), NOW)

    peers.store_ranking(workspace, [ranked("ana", 5.0), ranked("ben", 4.0), ranked("eve")], NOW)

    rows = {s.handle: s for s in PeerSuggestion.objects.filter(workspace=workspace)}
    assert set(rows) == {"ana", "ben", "cat", "eve"}  # dan was a plain suggestion: gone
    assert rows["ana"].state == PeerState.SAVED and rows["ana"].person == person
    assert rows["ana"].score == 5.0
    assert Person.objects.get(pk=person.pk).venture == Venture.TALKING
    assert rows["ben"].state == PeerState.DISMISSED
    assert rows["cat"].followed_at == NOW and rows["cat"].state == PeerState.SUGGESTED
    assert rows["eve"].state == PeerState.SUGGESTED


def test_saving_a_peer_makes_one_person_with_a_venture_idea(
    workspace: Workspace, member: Membership
) -> None:
    peers.store_ranking(workspace, [ranked("maya", stable_id="did:plc:maya")], NOW)
    found = suggestion(workspace, "maya")
    person = peers.save_as_peer(member, found)
    again = peers.save_as_peer(member, found)

    assert again == person
    person.refresh_from_db()
    assert (person.status, person.venture) == (Status.PEER, Venture.IDEA)
    identity = Identity.objects.get(person=person)
    assert (identity.network, identity.stable_id, identity.handle) == (
        "fake",
        "did:plc:maya",
        "maya",
    )
    found.refresh_from_db()
    assert found.state == PeerState.SAVED and found.person == person


def test_saving_keeps_a_venture_further_along_and_knows_the_person(
    workspace: Workspace, member: Membership
) -> None:
    known = Identity.objects.create(
        workspace=workspace,
        person=Person.objects.create(workspace=workspace, venture=Venture.RUNNING),
        network="fake",
        stable_id="fake:maya",
        handle="maya",
    )
    peers.store_ranking(workspace, [ranked("maya")], NOW)
    person = peers.save_as_peer(member, suggestion(workspace, "maya"))
    assert person.pk == known.person_id
    assert (person.status, person.venture) == (Status.PEER, Venture.RUNNING)


def test_the_venture_takes_only_its_stages(workspace: Workspace, member: Membership) -> None:
    person = Person.objects.create(workspace=workspace)
    for stage in [*Venture.values, ""]:
        assert peers.set_venture(member, person, stage).venture == stage
        person.refresh_from_db()
        assert person.venture == stage
    with pytest.raises(InputError):
        peers.set_venture(member, person, "married")


def test_a_helper_cannot_act_and_nobody_acts_on_another_workspace(
    workspace: Workspace, member: Membership, helper: Membership, account: ConnectedAccount
) -> None:
    peers.store_ranking(workspace, [ranked("maya")], NOW)
    found = suggestion(workspace, "maya")
    person = Person.objects.create(workspace=workspace)
    for act in (
        lambda: peers.save_as_peer(helper, found),
        lambda: peers.dismiss(helper, found),
        lambda: peers.follow(helper, found, NOW),
        lambda: peers.set_venture(helper, person, Venture.IDEA),
    ):
        with pytest.raises(NotAllowed):
            act()
    stranger = workspaces.create_user("x@elsewhere.example", "correct horse battery staple")
    other = workspaces.create_workspace(stranger, "Elsewhere", "UTC")
    theirs = Membership.objects.get(workspace=other)
    with pytest.raises(NotAllowed):
        peers.dismiss(theirs, found)
    with pytest.raises(NotAllowed):
        peers.set_venture(theirs, person, Venture.IDEA)
    found.refresh_from_db()
    assert found.state == PeerState.SUGGESTED and found.followed_at is None
    assert store.engagements("shop") == []


@pytest.fixture
def follows(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the fake network's client was asked to follow, call by call."""
    asked: list[str] = []
    real = FakeClient.follow

    def counted(self: FakeClient, author: str) -> None:
        asked.append(author)
        real(self, author)

    monkeypatch.setattr(FakeClient, "follow", counted)
    return asked


def test_follow_calls_the_network_once_and_records_it(
    workspace: Workspace, member: Membership, account: ConnectedAccount, follows: list[str]
) -> None:
    peers.store_ranking(workspace, [ranked("maya")], NOW)
    found = suggestion(workspace, "maya")
    for _ in range(3):
        peers.follow(member, found, NOW)
    assert follows == ["fake:maya"]
    assert store.engagements("shop") == [("follow", "maya")]
    found.refresh_from_db()
    assert found.followed_at == NOW


def test_a_failed_follow_can_be_tried_again(
    workspace: Workspace,
    member: Membership,
    account: ConnectedAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    peers.store_ranking(workspace, [ranked("maya")], NOW)
    found = suggestion(workspace, "maya")
    real = FakeClient.follow

    def down(self: FakeClient, author: str) -> None:
        raise NetworkError("down", permanent=False, code=ErrorCode.SERVER_ERROR)

    monkeypatch.setattr(FakeClient, "follow", down)
    with pytest.raises(NetworkError):
        peers.follow(member, found, NOW)
    found.refresh_from_db()
    assert found.followed_at is None
    monkeypatch.setattr(FakeClient, "follow", real)
    peers.follow(member, found, NOW)
    assert store.engagements("shop") == [("follow", "maya")]


def test_follow_asks_the_shops_server_id_or_the_handle_for_an_address_id(
    workspace: Workspace, member: Membership, account: ConnectedAccount, follows: list[str]
) -> None:
    uri = "https://town.example/users/bea"
    peers.store_ranking(
        workspace, [ranked("bea", stable_id=uri), ranked("cy", stable_id="fake:cy-id")], NOW
    )
    Identity.objects.create(
        workspace=workspace,
        person=Person.objects.create(workspace=workspace),
        network="fake",
        stable_id="fake:cy-id",
        handle="cy",
        local_id="fake:cy",
    )
    peers.follow(member, suggestion(workspace, "bea"), NOW)
    peers.follow(member, suggestion(workspace, "cy"), NOW)
    assert follows == ["bea", "fake:cy"]


def test_follow_needs_an_account_on_the_network(workspace: Workspace, member: Membership) -> None:
    peers.store_ranking(workspace, [ranked("maya")], NOW)
    with pytest.raises(Conflict, match="Connect a"):
        peers.follow(member, suggestion(workspace, "maya"), NOW)
    assert suggestion(workspace, "maya").followed_at is None
