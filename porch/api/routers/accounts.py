"""The workspace's connected accounts: their status, this month's use of each network's API
and, where a network bills for reads, the estimated cost against the account's cap. Never
credentials."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params.functions import Path

from porch.api.auth import needs
from porch.api.errors import ApiError
from porch.api.schemas import ERRORS
from porch.core.params import ID_MAX
from porch.networks import registry
from porch.networks.models import UsageMonth, month_start
from porch.networks.sync import month_cost
from porch.workspaces.models import ConnectedAccount

router = Router(tags=["accounts"])


class UsageOut(Schema):
    month: date  # the first day of the calendar month
    reads: int  # posts read through the network's API
    writes: int  # posts created
    users_read: int  # accounts read (followers, profiles)
    dms_sent: int  # direct messages the shop sent


class AccountOut(Schema):
    id: int
    network: str
    handle: str
    display_name: str
    server_url: str  # the instance or PDS for federated networks; "" otherwise
    timezone: str
    status: str  # ok, needs_reconnect, rate_limited, ...
    status_text: str  # the sentence the accounts page shows
    rate_limited_until: datetime | None
    usage: UsageOut
    paid_reads: bool  # the network bills reads: the estimate and the cap apply
    estimated_cost: str | None  # this month, in dollars ("12.34"); null where reads are free
    monthly_cost_cap: str | None  # syncing pauses when the estimate reaches it; null: no cap


def _paid() -> set[str]:
    return {network.name for network in registry.descriptors() if network.can.paid_reads}


def _out(account: ConnectedAccount, paid: set[str]) -> AccountOut:
    month = month_start()
    row = UsageMonth.objects.filter(account=account, month=month).first()
    row = row or UsageMonth(account=account, month=month)
    is_paid = account.network in paid
    cap = account.monthly_cost_cap
    return AccountOut(
        id=account.pk,
        network=account.network,
        handle=account.handle,
        display_name=account.display_name,
        server_url=account.server_url,
        timezone=account.timezone,
        status=account.status,
        status_text=account.status_text(),
        rate_limited_until=account.rate_limited_until,
        usage=UsageOut(
            month=month,
            reads=row.reads,
            writes=row.writes,
            users_read=row.users_read,
            dms_sent=row.dms_sent,
        ),
        paid_reads=is_paid,
        estimated_cost=str(month_cost(account)) if is_paid else None,
        monthly_cost_cap=str(cap) if cap is not None else None,
    )


@router.get("/accounts", response={200: list[AccountOut], **ERRORS}, operation_id="list_accounts")
def list_accounts(request: HttpRequest) -> list[AccountOut]:
    """Every connected account of the workspace, by network and handle: its status, this
    month's use of the network's API and, where the network bills reads, the estimated cost
    and the cap."""
    caller = needs(request, "read")
    paid = _paid()
    found = caller.workspace.accounts.order_by("network", "handle", "pk")
    return [_out(account, paid) for account in found]


@router.get(
    "/accounts/{account_id}", response={200: AccountOut, **ERRORS}, operation_id="get_account"
)
def get_account(request: HttpRequest, account_id: int = Path(..., ge=1, le=ID_MAX)) -> AccountOut:
    """One connected account: its status, this month's use and estimated cost."""
    caller = needs(request, "read")
    account = caller.workspace.accounts.filter(pk=account_id).first()
    if account is None:
        raise ApiError(404, "not_found", "No such account in this workspace.")
    return _out(account, _paid())
