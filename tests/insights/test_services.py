"""The insights changes are services that check the member's role, whatever page calls them."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from porch.errors import NotAllowed
from porch.insights.forms import RevenueForm
from porch.insights.models import HistoryImport, Revenue
from porch.insights.services import add_revenue, start_import
from porch.workspaces import services
from porch.workspaces.models import ConnectedAccount, Membership, Role, Workspace
from tests.conftest import add_member


def member(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("archive.zip", b"PK not really a zip")


def test_a_helper_cannot_start_an_import(workspace: Workspace, x_account: ConnectedAccount) -> None:
    helper = member(workspace, add_member(workspace, "helper@bakery.example", Role.HELPER))
    with pytest.raises(NotAllowed):
        start_import(helper, x_account, upload())
    assert not HistoryImport.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OWNER])
def test_a_manager_or_owner_starts_an_import(
    workspace: Workspace, x_account: ConnectedAccount, role: Role
) -> None:
    someone = member(workspace, add_member(workspace, f"a-{role}@bakery.example", role))
    job = start_import(someone, x_account, upload())
    assert job.account == x_account and job.file_name == "archive.zip"
    assert Path(job.stored_path).read_bytes() == b"PK not really a zip"


def test_no_import_into_another_workspaces_account(
    owner: User, workspace: Workspace, x_account: ConnectedAccount
) -> None:
    other = services.create_workspace(owner, "Other Bakery", "Europe/London")
    with pytest.raises(NotAllowed):
        start_import(member(other, owner), x_account, upload())


@pytest.mark.parametrize("role", [Role.HELPER, Role.MANAGER, Role.OWNER])
def test_any_member_adds_revenue_as_the_money_page_lets_them(
    workspace: Workspace, role: Role
) -> None:
    someone = member(workspace, add_member(workspace, f"a-{role}@bakery.example", role))
    add_revenue(someone, date(2026, 11, 20), Decimal("12.50"), "x", "Offers", "cakes")
    (revenue,) = Revenue.objects.filter(workspace=workspace)
    assert (revenue.amount, revenue.network, revenue.pillar) == (Decimal("12.50"), "x", "Offers")


def test_revenue_is_filed_only_under_a_network_the_money_page_lists(db: None) -> None:
    offered = [value for value, _ in RevenueForm().fields["network"].choices]  # type: ignore[attr-defined]
    assert "fake" not in offered and "" in offered and "x" in offered
    data = {"day": "2026-11-20", "amount": "10", "network": "fake"}
    assert "network" in RevenueForm(data).errors
