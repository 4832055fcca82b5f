"""Connected accounts through the API: status, this month's usage and the estimated cost
against the cap where the network bills reads; never credentials; another workspace's
account is a 404."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from porch.networks.models import UsageMonth
from porch.workspaces import services as workspaces
from porch.workspaces.models import AccountStatus, ConnectedAccount, Workspace
from tests.api.helpers import Api, member_of, token_text
from tests.conftest import PASSWORD

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(owner: User, workspace: Workspace) -> Api:
    return Api(token_text(member_of(workspace, owner), ["read"]))


def test_accounts_with_usage_cost_and_cap_and_no_credentials(
    api: Api, workspace: Workspace
) -> None:
    x = ConnectedAccount.objects.create(
        workspace=workspace, network="x", handle="shop", monthly_cost_cap=Decimal("5.00")
    )
    x.set_credentials({"access_token": "very-secret"})
    x.save()
    sky = ConnectedAccount.objects.create(
        workspace=workspace,
        network="bluesky",
        handle="shop.bsky.social",
        status=AccountStatus.NEEDS_RECONNECT,
    )
    UsageMonth.objects.create(account=x, month=date(2026, 12, 1), reads=200, writes=10)
    UsageMonth.objects.create(account=x, month=date(2026, 11, 1), reads=9999)  # last month
    answer = api.get("/accounts")
    assert answer.status_code == 200
    assert "very-secret" not in answer.content.decode()
    assert "credentials" not in answer.content.decode()
    rows = {a["network"]: a for a in answer.json()}
    assert [a["handle"] for a in answer.json()] == ["shop.bsky.social", "shop"]
    assert rows["x"]["usage"] == {
        "month": "2026-12-01",
        "reads": 200,
        "writes": 10,
        "users_read": 0,
        "dms_sent": 0,
    }
    assert (rows["x"]["paid_reads"], rows["x"]["monthly_cost_cap"]) == (True, "5.00")
    assert Decimal(rows["x"]["estimated_cost"]) == Decimal("1.10")  # 200 x 0.005 + 10 x 0.01
    assert (rows["bluesky"]["estimated_cost"], rows["bluesky"]["paid_reads"]) == (None, False)
    assert rows["bluesky"]["status"] == "needs_reconnect"
    assert rows["bluesky"]["status_text"] == sky.status_text()
    one = api.get(f"/accounts/{sky.pk}")
    assert one.status_code == 200 and one.json() == rows["bluesky"]


def test_another_workspaces_account_is_a_404(api: Api) -> None:
    stranger = workspaces.create_user("x@other.example", PASSWORD)
    theirs = workspaces.create_workspace(stranger, "Other")
    account = ConnectedAccount.objects.create(workspace=theirs, network="fake", handle="o")
    answer = api.get(f"/accounts/{account.pk}")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert api.get("/accounts").json() == []


def test_a_token_without_read_is_refused_and_a_bad_id_is_a_422(
    owner: User, workspace: Workspace, api: Api
) -> None:
    writer = Api(token_text(member_of(workspace, owner), ["write"]))
    assert writer.get("/accounts").json()["error"]["code"] == "scope_missing"
    bad = api.get("/accounts/0")
    assert bad.status_code == 422 and bad.json()["error"]["fields"]
