"""From a listening hit the owner likes, reposts, follows and replies, on the fake network:
each like, repost and follow reaches the network once however often it is clicked; a
helper may not engage; a reply goes out once, through the inbox's outbox."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.errors import Conflict, InputError, NotAllowed
from porch.inbox.models import ReplyStatus
from porch.inbox.replies import send_due
from porch.listening import services
from porch.listening.models import Hit
from porch.networks.base import AccountRef, ErrorCode, NetworkClient, NetworkError
from porch.networks.fake import store
from porch.networks.fake.client import FakeClient
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member


@pytest.fixture
def owner_member(workspace: Workspace, owner: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=owner)


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, network="fake", handle="shop")


@pytest.fixture
def hit(workspace: Workspace) -> Hit:
    external = store.customer_post("maya", "Anyone know where to get good rye in Leeds?")
    post = store.get_post(external)
    assert post is not None
    return Hit.objects.create(
        workspace=workspace,
        network="fake",
        external_id=external,
        author_handle="maya",
        author_id="fake:maya",
        author_name="Maya",
        text=post.text,
        sent_at=post.created_at,
        intent="question",
    )


def test_like_repost_and_follow_reach_the_network_once(
    owner_member: Membership, account: ConnectedAccount, hit: Hit
) -> None:
    for _ in range(2):
        for action in ("like", "repost", "follow"):
            services.engage(owner_member, hit, action)

    assert store.engagements("shop") == [
        ("like", hit.external_id),
        ("repost", hit.external_id),
        ("follow", "maya"),
    ]


def test_a_helper_may_not_engage_a_manager_may(
    workspace: Workspace, account: ConnectedAccount, hit: Hit
) -> None:
    helper = add_member(workspace, "h@bakery.example", Role.HELPER)
    manager = add_member(workspace, "m@bakery.example", Role.MANAGER)

    with pytest.raises(NotAllowed):
        services.engage(Membership.objects.get(user=helper), hit, "like")
    assert store.engagements("shop") == []

    services.engage(Membership.objects.get(user=manager), hit, "like")
    assert store.engagements("shop") == [("like", hit.external_id)]


def test_engaging_needs_an_account_and_a_known_action(owner_member: Membership, hit: Hit) -> None:
    with pytest.raises(Conflict, match="Connect a"):
        services.engage(owner_member, hit, "like")
    ConnectedAccount.objects.create(workspace=owner_member.workspace, network="fake", handle="s")
    with pytest.raises(InputError):
        services.engage(owner_member, hit, "delete")


def test_a_reply_goes_out_once_through_the_outbox(
    owner_member: Membership, account: ConnectedAccount, hit: Hit
) -> None:
    reply = services.reply(owner_member, hit, "Try us on Kirkgate: rye every morning.")

    assert reply.status == ReplyStatus.SENT
    send_due()  # the worker finds nothing more to send
    sent = store.posts_by("shop")
    assert [(post.reply_to, post.text) for post in sent] == [
        (hit.external_id, "Try us on Kirkgate: rye every morning.")
    ]
    assert reply.conversation == services.take_to_inbox(owner_member, hit)


def test_a_network_without_engaging_says_so() -> None:
    class Plain(FakeClient):  # as a network that does not override NetworkClient's like
        like = NetworkClient.like

    with pytest.raises(NetworkError) as raised:
        Plain(AccountRef("fake", "shop"), {}).like("fake-1")
    assert raised.value.code == ErrorCode.NOT_SUPPORTED


def test_the_hit_buttons_like_and_reply_helpers_get_403(
    client: Client, owner: User, workspace: Workspace, account: ConnectedAccount, hit: Hit
) -> None:
    client.force_login(owner)
    slug = workspace.slug
    page = client.get(reverse("listening_stream_all", args=[slug]))
    assert reverse("hit_engage", args=[slug, hit.pk]) in page.content.decode()

    client.post(reverse("hit_engage", args=[slug, hit.pk]), {"action": "like"})
    client.post(reverse("hit_reply", args=[slug, hit.pk]), {"text": "Rye daily on Kirkgate."})
    assert store.engagements("shop") == [("like", hit.external_id)]
    assert [post.text for post in store.posts_by("shop")] == ["Rye daily on Kirkgate."]

    client.force_login(add_member(workspace, "h@bakery.example", Role.HELPER))
    refused = client.post(reverse("hit_engage", args=[slug, hit.pk]), {"action": "repost"})
    assert refused.status_code == 403
    assert store.engagements("shop") == [("like", hit.external_id)]


def test_a_hit_on_a_network_that_cannot_engage_shows_no_like_buttons(
    client: Client, owner: User, workspace: Workspace, hit: Hit
) -> None:
    hit.network = "facebook"  # Pages cannot like, repost or follow others' posts
    hit.save(update_fields=["network"])
    client.force_login(owner)
    page = client.get(reverse("listening_stream_all", args=[workspace.slug])).content.decode()
    assert hit.text in page
    assert reverse("hit_engage", args=[workspace.slug, hit.pk]) not in page
