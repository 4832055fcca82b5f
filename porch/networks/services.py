"""What the accounts pages change, with the role each change needs: an account's
settings and disconnecting it (an owner or manager). Imports no feature."""

from decimal import Decimal

from porch.errors import NotAllowed
from porch.workspaces.models import AccountStatus, ConnectedAccount, Membership, Role


def _require_manager(member: Membership, account: ConnectedAccount, doing: str) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed(f"Only an owner or manager can {doing}.")
    if account.workspace_id != member.workspace_id:
        raise NotAllowed("This account belongs to another workspace.")


def save_account_settings(
    member: Membership, account: ConnectedAccount, timezone: str, monthly_cost_cap: Decimal | None
) -> None:
    """Store the account's time zone and cost cap; a paused account (at its cap) resumes."""
    _require_manager(member, account, "change an account's settings")
    account.timezone = timezone
    account.monthly_cost_cap = monthly_cost_cap
    if account.status == AccountStatus.PAUSED:
        account.status, account.status_detail = AccountStatus.OK, ""
    account.save()


def disconnect(member: Membership, account: ConnectedAccount) -> None:
    """Forget the account, its credentials with it."""
    _require_manager(member, account, "disconnect an account")
    account.delete()
