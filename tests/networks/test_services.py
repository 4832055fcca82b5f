"""Changing an account's settings and disconnecting it need an owner or manager, whatever
page or command asks (porch/networks/services.py)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from porch.errors import NotAllowed
from porch.networks import services
from porch.workspaces import services as workspaces
from porch.workspaces.models import AccountStatus, ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member


@pytest.fixture
def account(workspace: Workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="cornerbakery", status=AccountStatus.PAUSED
    )


def member(workspace: Workspace, role: Role) -> Membership:
    user = add_member(workspace, f"a-{role}@bakery.example", role)
    return Membership.objects.get(workspace=workspace, user=user)


def test_a_helper_may_not_change_settings_or_disconnect(
    workspace: Workspace, account: ConnectedAccount
) -> None:
    helper = member(workspace, Role.HELPER)
    with pytest.raises(NotAllowed):
        services.save_account_settings(helper, account, "Europe/Paris", Decimal("5"))
    with pytest.raises(NotAllowed):
        services.disconnect(helper, account)
    account.refresh_from_db()
    assert account.timezone != "Europe/Paris" and account.monthly_cost_cap is None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OWNER])
def test_a_manager_or_owner_changes_settings_and_disconnects(
    workspace: Workspace, account: ConnectedAccount, role: Role
) -> None:
    someone = member(workspace, role)
    services.save_account_settings(someone, account, "Europe/Paris", Decimal("5"))
    account.refresh_from_db()
    assert (account.timezone, account.monthly_cost_cap) == ("Europe/Paris", Decimal("5"))
    assert account.status == AccountStatus.OK  # a paused account resumes
    services.disconnect(someone, account)
    assert not ConnectedAccount.objects.filter(pk=account.pk).exists()


def test_not_another_workspaces_account(
    owner: User, workspace: Workspace, account: ConnectedAccount
) -> None:
    other = workspaces.create_workspace(owner, "Other Bakery", "Europe/London")
    stranger = Membership.objects.get(workspace=other, user=owner)
    with pytest.raises(NotAllowed):
        services.disconnect(stranger, account)
    assert ConnectedAccount.objects.filter(pk=account.pk).exists()
