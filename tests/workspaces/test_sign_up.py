"""Who may make an account: the first person always (and runs Porch), then PORCH_SIGNUP."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from porch.workspaces import services
from porch.workspaces.models import Role, Workspace
from tests.conftest import PASSWORD


def sign_up(client: Client, email: str) -> int:
    data = {"business": "Bloom Florist", "email": email, "password": PASSWORD}
    return client.post(reverse("signup"), data).status_code


@pytest.mark.parametrize("mode", ["closed", "invite", "open"])
def test_the_first_person_on_a_new_install_signs_up_and_runs_it(
    client: Client, db: None, settings, mode: str
) -> None:
    settings.SIGNUP = mode
    assert "first person here" in client.get(reverse("signup")).content.decode()
    assert sign_up(client, "ana@bloom.example") == 302
    ana = User.objects.get()
    assert ana.is_staff and ana.is_superuser


@pytest.mark.parametrize(
    ("mode", "words"), [("invite", "by invitation"), ("closed", "does not take new accounts")]
)
def test_after_the_first_sign_up_follows_the_setting(
    client: Client, owner: User, settings, mode: str, words: str
) -> None:
    settings.SIGNUP = mode
    page = client.get(reverse("signup")).content.decode()
    assert words in page and 'name="password"' not in page
    assert sign_up(client, "eve@elsewhere.example") == 403
    assert not User.objects.filter(username="eve@elsewhere.example").exists()
    assert not Workspace.objects.filter(name="Bloom Florist").exists()


def test_an_install_with_only_the_demo_is_still_new(client: Client, db: None) -> None:
    demo = User.objects.create_user("demo@porch.example", password=PASSWORD)
    services.create_workspace(demo, "Demo Bakery", demo=True)
    assert sign_up(client, "ana@bloom.example") == 302
    assert User.objects.get(username="ana@bloom.example").is_superuser
    assert not User.objects.get(username="demo@porch.example").is_staff


@pytest.mark.parametrize(("mode", "code"), [("invite", 403), ("open", 302)])
def test_an_owner_who_is_also_in_the_demo_still_runs_this_porch(
    client: Client, db: None, settings, mode: str, code: int
) -> None:
    """The demo's password is public: its owner inviting the real owner in changes nothing."""
    demo = User.objects.create_user("demo@porch.example", password=PASSWORD)
    bakery = services.create_workspace(demo, "Demo Bakery", demo=True)
    ana = services.new_account("ana@bloom.example", PASSWORD)
    services.create_workspace(ana, "Bloom Florist")
    invitation = services.invite(demo.memberships.get(), ana.email, Role.HELPER)
    services.accept_invitation(invitation, ana)
    assert set(ana.memberships.values_list("workspace__is_demo", flat=True)) == {True, False}

    settings.SIGNUP = mode
    assert services.signup_mode() == mode
    assert "first person here" not in client.get(reverse("signup")).content.decode()
    assert sign_up(client, "eve@elsewhere.example") == code
    assert not User.objects.filter(is_superuser=True).exclude(pk=ana.pk).exists()
    assert bakery.members.count() == 2


def test_invitation_is_the_default(client: Client, owner: User) -> None:
    assert sign_up(client, "eve@elsewhere.example") == 403


def test_open_sign_up_makes_an_owner_who_is_not_admin(
    client: Client, owner: User, settings
) -> None:
    settings.SIGNUP = "open"
    assert sign_up(client, "ana@bloom.example") == 302
    ana = User.objects.get(username="ana@bloom.example")
    assert not ana.is_staff and ana.memberships.get().role == "owner"


def test_sign_in_page_offers_sign_up_only_where_it_is_open(
    client: Client, owner: User, settings
) -> None:
    assert "Create an account" not in client.get(reverse("login")).content.decode()
    settings.SIGNUP = "open"
    assert "Create an account" in client.get(reverse("login")).content.decode()
