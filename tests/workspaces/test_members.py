"""Invitations bound to their address, expiring and withdrawable; roles; the last owner."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.inbox.models import InboxSettings
from porch.workspaces import services
from porch.workspaces.models import Invitation, Membership, Role, Workspace
from tests.conftest import PASSWORD, add_member

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def owner_of(workspace: Workspace) -> Membership:
    return workspace.members.get(role=Role.OWNER)


def invite(workspace: Workspace, email: str = "newhire@bakery.example") -> Invitation:
    return services.invite(owner_of(workspace), email, Role.HELPER)


def test_another_business_owner_cannot_accept_someone_elses_invitation(
    workspace: Workspace,
) -> None:
    invitation = invite(workspace)
    rival = services.create_user("owner@rival.example", PASSWORD)
    services.create_workspace(rival, "Rival Bakes")
    client = Client()
    client.force_login(rival)
    page = client.get(reverse("invitation", args=[invitation.token])).content.decode()
    assert "You are signed in as owner@rival.example" in page
    response = client.post(reverse("invitation", args=[invitation.token]))
    assert "sign in with that email" in response.content.decode()
    assert not workspace.members.filter(user=rival).exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_invited_address_joins_with_the_role(workspace: Workspace) -> None:
    invitation = invite(workspace)
    newhire = services.create_user("NewHire@bakery.example", PASSWORD)
    client = Client()
    client.force_login(newhire)
    response = client.post(reverse("invitation", args=[invitation.token]))
    assert response.status_code == 302
    assert workspace.members.get(user=newhire).role == Role.HELPER


def test_a_new_account_from_an_invitation_gets_the_invitations_email(
    workspace: Workspace,
) -> None:
    invitation = invite(workspace)
    client = Client()
    client.post(
        reverse("invitation", args=[invitation.token]),
        {"email": "intruder@elsewhere.example", "password": PASSWORD},
    )
    assert not User.objects.filter(username="intruder@elsewhere.example").exists()
    assert workspace.members.get(user__email="newhire@bakery.example").role == Role.HELPER


def test_no_new_account_from_an_invitation_where_sign_up_is_closed(
    workspace: Workspace, settings
) -> None:
    settings.SIGNUP = "closed"
    invitation = invite(workspace)
    client = Client()
    page = client.get(reverse("invitation", args=[invitation.token])).content.decode()
    assert "does not take new accounts" in page
    client.post(reverse("invitation", args=[invitation.token]), {"password": PASSWORD})
    assert not User.objects.filter(username="newhire@bakery.example").exists()


def test_an_invitation_expires(workspace: Workspace, settings) -> None:
    settings.INVITATION_DAYS = 7
    with time_machine.travel(NOW, tick=False):
        invitation = invite(workspace)
    newhire = services.create_user("newhire@bakery.example", PASSWORD)
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        client = Client()
        client.force_login(newhire)
        response = client.post(reverse("invitation", args=[invitation.token]))
        assert "It has expired." in response.content.decode()
        assert not services.pending_invitations(workspace).exists()
    assert not workspace.members.filter(user=newhire).exists()


def test_a_withdrawn_invitation_cannot_be_used(signed_in: Client, workspace: Workspace) -> None:
    invitation = invite(workspace)
    members = signed_in.get(reverse("members", args=[workspace.slug])).content.decode()
    assert "newhire@bakery.example" in members and "Withdraw" in members
    signed_in.post(reverse("invitation_revoke", args=[workspace.slug, invitation.pk]))
    page = Client().get(reverse("invitation", args=[invitation.token])).content.decode()
    assert "It was withdrawn." in page
    assert not services.pending_invitations(workspace).exists()


def test_a_manager_cannot_withdraw_an_owners_invitation(workspace: Workspace) -> None:
    invitation = services.invite(owner_of(workspace), "partner@bakery.example", Role.OWNER)
    manager = add_member(workspace, "m@bakery.example", Role.MANAGER)
    with pytest.raises(services.MemberError, match="Only an owner"):
        services.revoke_invitation(manager.memberships.get(), invitation.pk)


def test_an_invitation_of_another_workspace_is_not_found(
    signed_in: Client, workspace: Workspace
) -> None:
    stranger = services.create_user("other@shop.example", PASSWORD)
    theirs = invite(services.create_workspace(stranger, "Other Shop"))
    response = signed_in.post(reverse("invitation_revoke", args=[workspace.slug, theirs.pk]))
    assert response.status_code == 404 and Invitation.objects.get(pk=theirs.pk).revoked_at is None


def test_an_owner_changes_roles_and_removes_members(
    signed_in: Client, workspace: Workspace
) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    seat = helper.memberships.get()
    signed_in.post(reverse("member_role", args=[workspace.slug, seat.pk]), {"role": "manager"})
    assert Membership.objects.get(pk=seat.pk).role == Role.MANAGER
    signed_in.post(reverse("member_remove", args=[workspace.slug, seat.pk]))
    assert not workspace.members.filter(user=helper).exists()
    client = Client()
    client.force_login(helper)
    assert client.get(reverse("dashboard", args=[workspace.slug])).status_code == 404


def test_a_manager_cannot_change_roles(client: Client, workspace: Workspace) -> None:
    manager = add_member(workspace, "m@bakery.example", Role.MANAGER)
    client.force_login(manager)
    seat = manager.memberships.get()
    response = client.post(
        reverse("member_role", args=[workspace.slug, seat.pk]), {"role": "owner"}, follow=True
    )
    assert "Only an owner can change" in response.content.decode()
    assert Membership.objects.get(pk=seat.pk).role == Role.MANAGER


def test_the_last_owner_is_never_removed_or_demoted(
    signed_in: Client, workspace: Workspace
) -> None:
    seat = owner_of(workspace)
    demote = reverse("member_role", args=[workspace.slug, seat.pk])
    response = signed_in.post(demote, {"role": "helper"}, follow=True)
    assert "A workspace needs an owner" in response.content.decode()
    signed_in.post(reverse("member_remove", args=[workspace.slug, seat.pk]))
    assert Membership.objects.get(pk=seat.pk).role == Role.OWNER

    partner = add_member(workspace, "partner@bakery.example", Role.OWNER)
    signed_in.post(demote, {"role": "manager"})
    assert Membership.objects.get(pk=seat.pk).role == Role.MANAGER
    with pytest.raises(services.MemberError, match="needs an owner"):
        services.remove_member(partner.memberships.get(), partner.memberships.get().pk)


def test_a_bad_role_is_one_line(signed_in: Client, workspace: Workspace) -> None:
    seat = owner_of(workspace)
    response = signed_in.post(
        reverse("member_role", args=[workspace.slug, seat.pk]), {"role": "king"}, follow=True
    )
    assert "Choose owner, manager or helper." in response.content.decode()


def test_the_members_page_says_whether_helpers_replies_wait_for_approval(
    signed_in: Client, workspace: Workspace
) -> None:
    url = reverse("members", args=[workspace.slug])
    assert "a helper's posts and replies wait for approval" in signed_in.get(url).content.decode()
    InboxSettings.objects.filter(workspace=workspace).update(helpers_need_approval=False)
    page = signed_in.get(url).content.decode()
    assert "a helper's posts wait for approval, but their replies are sent at once" in page
    assert "posts and replies wait" not in page
