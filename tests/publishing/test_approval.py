"""Approval holds whatever a helper changes: roles are checked in the services, and a
helper's change to an approved post sends it back for approval before any of it goes out
(issue 17: a helper could edit an approved post and the new text went out)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from porch.errors import NotAllowed
from porch.publishing import services
from porch.publishing.compose import ComposeError, Draft, Version, create_post
from porch.publishing.engine import publish_due
from porch.publishing.models import Pillar, Post, PostingSlot, PostStatus, PostTarget, TargetState
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member
from tests.networks.mastodon.conftest import Mock

from .test_engine import texts

pytestmark = pytest.mark.clock  # what it checks depends on the time (make test-clock)

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
AT = NOW + timedelta(hours=2)


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def helper(workspace: Workspace) -> User:
    return add_member(workspace, "helper@bakery.example", Role.HELPER)


def member(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.select_related("workspace").get(workspace=workspace, user=user)


def approved(workspace: Workspace, helper: User, owner: User, account: ConnectedAccount) -> Post:
    """A helper's post for AT, approved by the owner."""
    draft = Draft("Rhubarb pie", [Version(account, "Rhubarb pie of the week")], "at", AT)
    post = create_post(member(workspace, helper), helper, draft)
    assert post.status == PostStatus.AWAITING_APPROVAL
    services.approve(member(workspace, owner), post)
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert post.targets.get().state == TargetState.SCHEDULED
    return post


def act(client: Client, target: PostTarget, **fields: str) -> str:
    url = reverse("target_action", args=[target.post.workspace.slug, target.pk])
    answer = client.post(url, fields, follow=True)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_helpers_edit_of_an_approved_post_goes_out_only_once_approved_again(
    client: Client,
    workspace: Workspace,
    owner: User,
    helper: User,
    mastodon_account: ConnectedAccount,
    mock: Mock,
    clock: TimeMachineFixture,
) -> None:
    post = approved(workspace, helper, owner, mastodon_account)
    target = post.targets.get()
    client.force_login(helper)
    page = act(client, target, action="edit", text="Rhubarb pie, half price for everyone!")
    assert "Saved: it waits for an owner or manager to approve it." in page
    post.refresh_from_db()
    target.refresh_from_db()
    assert post.status == PostStatus.AWAITING_APPROVAL
    assert target.state == TargetState.DRAFT and target.text.endswith("half price for everyone!")

    clock.move_to(AT + timedelta(minutes=5), tick=False)
    assert publish_due() == 0 and texts(mock) == []  # its time came: nothing went out

    client.force_login(owner)
    client.post(reverse("post_action", args=[workspace.slug, post.pk]), {"action": "approve"})
    assert publish_due() == 1
    assert [t for t in texts(mock) if "half price for everyone" in t]
    assert Post.objects.get(pk=post.pk).status == PostStatus.PUBLISHED


def test_a_helper_moving_an_approved_post_sends_it_back_and_holds_the_other_networks(
    client: Client,
    workspace: Workspace,
    owner: User,
    helper: User,
    clock: TimeMachineFixture,
) -> None:
    sky = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="b.test")
    other = ConnectedAccount.objects.create(workspace=workspace, network="x", handle="bakery")
    draft = Draft("Pie", [Version(sky, "Pie at noon"), Version(other, "Pie at noon!")], "at", AT)
    post = create_post(member(workspace, owner), owner, draft)
    assert post.status == PostStatus.SCHEDULED
    client.force_login(helper)
    page = act(client, post.targets.get(account=sky), action="reschedule", at="2026-05-04T20:00")
    assert "Moved: it waits for an owner or manager to approve it." in page
    post.refresh_from_db()
    assert post.status == PostStatus.AWAITING_APPROVAL
    assert set(post.targets.values_list("state", flat=True)) == {TargetState.DRAFT}


def test_a_helpers_save_and_retry_of_a_failed_post_waits_for_approval(
    client: Client,
    workspace: Workspace,
    owner: User,
    helper: User,
    clock: TimeMachineFixture,
) -> None:
    sky = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="b.test")
    post = approved(workspace, helper, owner, sky)
    target = post.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.FAILED, error="Refused")
    Post.objects.filter(pk=post.pk).update(status=PostStatus.FAILED)
    target.refresh_from_db()
    client.force_login(helper)
    page = act(client, target, action="edit_retry", text="Rhubarb pie, free for all")
    assert "waits for an owner or manager" in page and "Trying again now." not in page
    target.refresh_from_db()
    assert target.state == TargetState.DRAFT and target.error == ""
    assert Post.objects.get(pk=post.pk).status == PostStatus.AWAITING_APPROVAL
    page = act(client, target, action="retry")
    assert "This post waits for approval" in page
    assert PostTarget.objects.get(pk=target.pk).state == TargetState.DRAFT


def test_a_managers_edit_needs_no_approval(
    client: Client,
    workspace: Workspace,
    owner: User,
    helper: User,
    clock: TimeMachineFixture,
) -> None:
    sky = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="b.test")
    manager = add_member(workspace, "manager@bakery.example", Role.MANAGER)
    post = approved(workspace, helper, owner, sky)
    client.force_login(manager)
    page = act(client, post.targets.get(), action="edit", text="Rhubarb and custard pie")
    assert "Saved." in page
    assert Post.objects.get(pk=post.pk).status == PostStatus.SCHEDULED
    assert post.targets.get().state == TargetState.SCHEDULED


def test_roles_are_checked_in_the_services_not_only_in_the_pages(
    workspace: Workspace, owner: User, helper: User, clock: TimeMachineFixture
) -> None:
    sky = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="b.test")
    draft = Draft("Pie", [Version(sky, "Pie at noon")], "at", AT)
    post = create_post(member(workspace, helper), helper, draft)
    them = member(workspace, helper)
    with pytest.raises(NotAllowed):
        services.approve(them, post)
    with pytest.raises(NotAllowed):
        services.send_back(them, post, "Looks fine")
    with pytest.raises(NotAllowed):
        services.add_slots(them, sky, time(9, 0), [0, 1])
    with pytest.raises(NotAllowed):
        services.add_pillar(them, "Specials")
    assert Post.objects.get(pk=post.pk).status == PostStatus.AWAITING_APPROVAL
    assert not PostingSlot.objects.exists() and not Pillar.objects.exists()
    with pytest.raises(ComposeError, match="not waiting for approval"):
        services.approve(member(workspace, owner), Post.objects.create(workspace=workspace))


def test_the_services_refuse_another_workspaces_posts(
    workspace: Workspace, owner: User, clock: TimeMachineFixture
) -> None:
    from porch.workspaces import services as workspaces

    sky = ConnectedAccount.objects.create(workspace=workspace, network="bluesky", handle="b.test")
    post = create_post(
        member(workspace, owner), owner, Draft("Pie", [Version(sky, "Pie")], "at", AT)
    )
    stranger = workspaces.create_user("other@shop.example", "another long passphrase")
    theirs = workspaces.create_workspace(stranger, "Other Shop", "UTC")
    outsider = member(theirs, stranger)
    with pytest.raises(NotAllowed):
        services.edit(outsider, post.targets.get(), "Not your pie", thread=False)
    with pytest.raises(NotAllowed):
        services.stop_repeating(outsider, post)
    assert post.targets.get().text == "Pie"
