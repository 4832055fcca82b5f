"""Sign-up, sign-in, roles, invitations and the workspace check on every page."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.workspaces import services
from porch.workspaces.models import (
    ConnectedAccount,
    Invitation,
    Membership,
    Role,
    Workspace,
)
from porch.workspaces.secrets import SecretError
from tests.conftest import PASSWORD, add_member


def test_sign_up_creates_the_business_workspace_with_its_owner(client: Client, db: None) -> None:
    response = client.post(
        reverse("signup"),
        {"business": "Bloom Florist", "email": "Ana@Bloom.example", "password": PASSWORD},
    )
    workspace = Workspace.objects.get(name="Bloom Florist")
    assert response.status_code == 302 and response["Location"] == f"/w/{workspace.slug}/"
    member = Membership.objects.get(workspace=workspace)
    assert member.user.email == "ana@bloom.example" and member.role == Role.OWNER
    assert member.user.password.startswith("pbkdf2_")  # hashed, never stored plain


def test_sign_up_with_a_weak_password_says_why(client: Client, db: None) -> None:
    response = client.post(
        reverse("signup"), {"business": "Bloom", "email": "a@b.example", "password": "12345678"}
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not Workspace.objects.exists()


def test_wrong_password_gets_a_clear_message(client: Client, owner: User) -> None:
    response = client.post(reverse("login"), {"email": owner.email, "password": "nope"})
    assert "Wrong email or password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_is_throttled_after_repeated_failures(
    client: Client, owner: User, settings
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        client.post(reverse("login"), {"email": owner.email, "password": "guess"})
    response = client.post(reverse("login"), {"email": owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_goes_to_the_workspace(client: Client, owner: User, workspace: Workspace) -> None:
    response = client.post(
        reverse("login"), {"email": owner.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/w/{workspace.slug}/"


def test_pages_of_another_workspace_are_not_found(signed_in: Client, db: None) -> None:
    stranger = services.create_user("other@shop.example", PASSWORD)
    theirs = services.create_workspace(stranger, "Other Shop")
    assert signed_in.get(reverse("dashboard", args=[theirs.slug])).status_code == 404
    assert signed_in.get(reverse("accounts", args=[theirs.slug])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, workspace: Workspace) -> None:
    response = client.get(reverse("dashboard", args=[workspace.slug]))
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_a_helper_cannot_manage_members(client: Client, workspace: Workspace) -> None:
    helper = add_member(workspace, "helper@bakery.example", Role.HELPER)
    client.force_login(helper)
    assert client.get(reverse("dashboard", args=[workspace.slug])).status_code == 200
    assert client.get(reverse("members", args=[workspace.slug])).status_code == 403


def test_invitation_makes_a_new_member_with_the_role(
    signed_in: Client, workspace: Workspace
) -> None:
    signed_in.post(
        reverse("members", args=[workspace.slug]),
        {"email": "sam@bakery.example", "role": "manager"},
    )
    invite = Invitation.objects.get(email="sam@bakery.example")
    guest = Client()
    guest.post(
        reverse("invitation", args=[invite.token]),
        {"email": "sam@bakery.example", "password": PASSWORD},
    )
    sam = Membership.objects.get(user__email="sam@bakery.example")
    assert sam.workspace == workspace and sam.role == Role.MANAGER
    second = Client().get(reverse("invitation", args=[invite.token]))
    assert "cannot be used" in second.content.decode()


def test_a_manager_cannot_invite_an_owner(client: Client, workspace: Workspace) -> None:
    manager = add_member(workspace, "m@bakery.example", Role.MANAGER)
    client.force_login(manager)
    response = client.post(
        reverse("members", args=[workspace.slug]), {"email": "x@bakery.example", "role": "owner"}
    )
    assert "Only an owner can invite another owner" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_agency_user_switches_between_workspaces(signed_in: Client, owner: User) -> None:
    second = services.create_workspace(owner, "Second Client Café")
    page = signed_in.get(reverse("dashboard", args=[second.slug])).content.decode()
    assert "Second Client Café" in page and "Corner Bakery" in page  # the switcher lists both
    assert signed_in.get(reverse("home"))["Location"] == f"/w/{second.slug}/"


def test_user_text_is_escaped(signed_in: Client, owner: User) -> None:
    evil = services.create_workspace(owner, "<script>alert(1)</script> Bakes")
    page = signed_in.get(reverse("dashboard", args=[evil.slug])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bakes" in page


def test_credentials_are_encrypted_at_rest(workspace: Workspace) -> None:
    account = ConnectedAccount(workspace=workspace, network="bluesky", handle="bakery.test")
    account.set_credentials({"app_password": "abcd-efgh-ijkl-mnop"})
    account.save()
    stored = ConnectedAccount.objects.values_list("credentials_encrypted", flat=True).get()
    assert "abcd-efgh" not in stored
    assert ConnectedAccount.objects.get().credentials() == {"app_password": "abcd-efgh-ijkl-mnop"}
    assert "abcd" not in repr(account)


def test_credentials_under_another_key_say_how_to_recover(workspace: Workspace, settings) -> None:
    account = ConnectedAccount(workspace=workspace, network="x", handle="bakery")
    account.set_credentials({"token": "t"})
    settings.SECRET_KEY = "another-key-entirely-" + "x" * 40
    with pytest.raises(SecretError, match="reconnect the account"):
        account.credentials()


def test_csrf_is_enforced(owner: User, workspace: Workspace) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = strict.post(
        reverse("members", args=[workspace.slug]), {"email": "a@b.example", "role": "helper"}
    )
    assert response.status_code == 403
