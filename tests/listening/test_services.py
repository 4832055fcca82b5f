"""Listening's services check the member's role and workspace themselves: owners and
managers make, change, pause and remove searches; anyone in the workspace reads them and
takes a hit to the inbox. The poller's rows follow the searches."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.errors import Conflict, InputError, NotAllowed
from porch.inbox.models import Conversation, Message
from porch.listening import services
from porch.listening.ingest import LISTENING
from porch.listening.models import Hit, Search, SearchHit
from porch.networks.models import SyncState
from porch.networks.query import SearchSyntaxError
from porch.workspaces import services as workspaces
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member

AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def member_of(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


@pytest.fixture
def owner_member(workspace: Workspace, owner: User) -> Membership:
    return member_of(workspace, owner)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")


def rows(search: Search) -> list[str]:
    found = SyncState.objects.filter(source=LISTENING, key=str(search.pk))
    return sorted(found.values_list("account__handle", flat=True))


def test_owners_and_managers_change_searches_helpers_only_read(
    workspace: Workspace, owner_member: Membership
) -> None:
    manager = member_of(workspace, add_member(workspace, "m@bakery.example", Role.MANAGER))
    helper = member_of(workspace, add_member(workspace, "h@bakery.example", Role.HELPER))
    search = services.create_search(manager, "Rye", "rye bread", "product", ["fake"])
    assert (search.created_by, search.networks) == (manager.user, ["fake"])

    with pytest.raises(NotAllowed):
        services.create_search(helper, "Spelt", "spelt", "product", ["fake"])
    with pytest.raises(NotAllowed):
        services.edit_search(helper, search, "Rye", "rye", "product", ["fake"])
    with pytest.raises(NotAllowed):
        services.pause_search(helper, search)
    with pytest.raises(NotAllowed):
        services.delete_search(helper, search)
    assert list(services.searches_of(helper)) == [search]

    services.edit_search(owner_member, search, "Rye loaves", "rye loaf", "product", ["fake"], 50)
    search.refresh_from_db()
    assert (search.name, search.query, search.monthly_read_budget) == ("Rye loaves", "rye loaf", 50)
    services.delete_search(manager, search)
    assert not Search.objects.exists()


def test_another_workspace_cannot_touch_the_search(owner_member: Membership) -> None:
    search = services.create_search(owner_member, "Rye", "rye", "product", ["fake"])
    stranger = workspaces.create_user("other@example.com", "correct horse battery staple")
    elsewhere = workspaces.create_workspace(stranger, "Other Shop", "Europe/London")
    with pytest.raises(NotAllowed):
        services.pause_search(member_of(elsewhere, stranger), search)
    with pytest.raises(NotAllowed):
        services.hits_of(member_of(elsewhere, stranger), search)


def test_a_bad_query_or_network_is_refused_in_words(owner_member: Membership) -> None:
    with pytest.raises(SearchSyntaxError, match="A quote is not closed"):
        services.create_search(owner_member, "Rye", '"rye bread', "product", ["fake"])
    with pytest.raises(InputError, match=r"^Facebook Pages cannot be searched"):
        services.create_search(owner_member, "Rye", "rye", "product", ["facebook", "fake"])
    with pytest.raises(InputError, match="Choose at least one network"):
        services.create_search(owner_member, "Rye", "rye", "product", [])
    with pytest.raises(InputError, match="myspace is not a network"):
        services.create_search(owner_member, "Rye", "rye", "product", ["myspace"])
    services.create_search(owner_member, "Rye", "rye", "product", ["fake"])
    with pytest.raises(Conflict):
        services.create_search(owner_member, "Rye again", "rye", "product", ["fake"])
    with pytest.raises(Conflict):  # the same words in other capitals and spacing
        services.create_search(owner_member, "Rye again", "  RYE ", "product", ["fake"])


def test_the_pollers_rows_follow_the_searches(
    workspace: Workspace, owner_member: Membership, account: ConnectedAccount
) -> None:
    search = services.create_search(owner_member, "Rye", "rye", "product", ["fake"])
    assert rows(search) == ["shop"]
    SyncState.objects.filter(key=str(search.pk)).update(cursor="41")

    services.pause_search(owner_member, search)
    assert SyncState.objects.get(key=str(search.pk)).cursor == "41"  # kept for the resume
    services.pause_search(owner_member, search, active=True)
    services.edit_search(owner_member, search, "Rye", "rye", "product", ["fake"], 10)
    assert SyncState.objects.get(key=str(search.pk)).cursor == "41"  # same query, same run

    services.edit_search(owner_member, search, "Rye", "rye loaf", "product", ["fake"])
    assert SyncState.objects.get(key=str(search.pk)).cursor == ""  # a new query starts afresh
    services.delete_search(owner_member, search)
    assert not SyncState.objects.filter(source=LISTENING).exists()


def test_an_account_connected_later_starts_running_the_search(
    workspace: Workspace, owner_member: Membership
) -> None:
    search = services.create_search(owner_member, "Rye", "rye", "product", ["fake"])
    assert rows(search) == []
    ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="later")
    assert services.follow_all() == 1
    assert rows(search) == ["later"]


def a_hit(workspace: Workspace) -> Hit:
    return Hit.objects.create(
        workspace=workspace,
        network="fake",
        external_id="fake-7",
        author_handle="maya",
        author_name="Maya",
        text="Anyone know where to get good rye in Leeds?",
        sent_at=AT,
        intent="question",
        is_question=True,
    )


def test_a_hit_taken_to_the_inbox_is_a_conversation_it_shows(
    signed_in: Client, workspace: Workspace, account: ConnectedAccount
) -> None:
    helper = member_of(workspace, add_member(workspace, "h@bakery.example", Role.HELPER))
    hit = a_hit(workspace)

    conversation = services.take_to_inbox(helper, hit)
    assert services.take_to_inbox(helper, hit) == conversation  # once
    assert (conversation.account, conversation.contact_handle) == (account, "maya")
    assert conversation.intent == "question"
    (message,) = Message.objects.filter(conversation=conversation)
    assert (message.external_id, message.text) == ("fake-7", hit.text)
    page = signed_in.get(reverse("inbox", args=[workspace.slug])).content.decode()
    assert "maya" in page and "good rye in Leeds" in page
    assert Conversation.objects.count() == 1


def test_taking_a_hit_needs_an_account_of_its_network(
    workspace: Workspace, owner_member: Membership
) -> None:
    with pytest.raises(Conflict, match="Connect a Fake"):
        services.take_to_inbox(owner_member, a_hit(workspace))


def test_changing_a_search_into_another_one_is_refused_in_words(
    client: Client, owner: User, workspace: Workspace, account: ConnectedAccount
) -> None:
    member = member_of(workspace, owner)
    rye = services.create_search(member, "Rye", "rye", "product", ["fake"])
    spelt = services.create_search(member, "Spelt", "spelt", "product", ["fake"])
    with pytest.raises(Conflict, match="there already"):
        services.edit_search(member, spelt, "Spelt", "rye", "product", ["fake"])
    client.force_login(owner)
    form = {"name": "Spelt", "query": "rye", "kind": "product", "networks": ["fake"]}
    answer = client.post(reverse("listening_edit", args=[workspace.slug, spelt.pk]), form)
    assert answer.status_code == 200 and "there already" in answer.content.decode()
    assert sorted(Search.objects.values_list("query", flat=True)) == ["rye", "spelt"]
    assert services.edit_search(member, rye, "Rye", "rye", "question", ["fake"]).kind == "question"


def test_deleting_a_search_keeps_hits_another_found_and_those_someone_marked(
    owner_member: Membership, workspace: Workspace
) -> None:
    rye = services.create_search(owner_member, "Rye", "rye", "product", ["fake"])
    leeds = services.create_search(owner_member, "Leeds", "leeds", "niche", ["fake"])
    shared = a_hit(workspace)
    alone, marked = (
        Hit.objects.create(
            workspace=workspace, network="fake", external_id=f"fake-{n}", sent_at=AT, text="rye"
        )
        for n in (8, 9)
    )
    for search, hit in ((rye, shared), (leeds, shared), (rye, alone), (rye, marked)):
        SearchHit.objects.create(search=search, hit=hit, sent_at=AT)
    services.mark_not_relevant(owner_member, marked)

    services.delete_search(owner_member, rye)
    left = sorted(Hit.objects.values_list("external_id", flat=True))
    assert left == ["fake-7", "fake-9"]  # the marked one is still a lesson
    assert list(leeds.hits.all()) == [shared]
