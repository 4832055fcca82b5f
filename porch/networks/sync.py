"""An account's client and what goes with it: credentials (decrypted, refreshed ones saved
back), the text rules, "needs reconnecting", and the month's usage. The poller
(porch/networks/poller.py) fetches with these; publishing and replies send with them.
"""

from collections.abc import Iterable
from contextlib import suppress
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F

from porch.networks.base import (
    AccountRef,
    ErrorCode,
    NetworkClient,
    NetworkError,
    TextRules,
    Usage,
)
from porch.networks.models import UsageMonth, month_start
from porch.networks.registry import client_class
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice
from porch.workspaces.secrets import SecretError

# What client_for raises when it cannot build a client (demo, missing or unreadable settings)
_NO_CLIENT = (ErrorCode.DEMO_ACCOUNT, ErrorCode.INCOMPLETE, ErrorCode.CREDENTIALS_UNREADABLE)


def rules_for(account: ConnectedAccount) -> TextRules:
    """The account's text rules (length counting, limits); a server with its own is asked.

    The demo's accounts, and accounts whose connection is incomplete (marked as needing
    reconnecting), get the network's stock rules: pages still count and check text."""
    try:
        with client_for(account) as client:
            return client.rules()
    except NetworkError as exc:
        if exc.code not in _NO_CLIENT:
            raise
        mark_reconnect(account, exc)
        return client_class(account.network).stock_rules


def client_for(account: ConnectedAccount) -> NetworkClient:
    """The network client for an account, saving refreshed credentials back (encrypted).

    The demo's made-up accounts get a client of settings.DEMO_NETWORK (the fake network)
    following the stock rules of the network they show: they never reach a real network.
    Raises NetworkError with `reconnect` for an account whose stored settings are
    incomplete or unreadable."""

    def save(credentials: dict[str, Any]) -> None:
        account.set_credentials(credentials)
        ConnectedAccount.objects.filter(pk=account.pk).update(
            credentials_encrypted=account.credentials_encrypted
        )

    ref = AccountRef(account.network, account.handle, account.external_id, account.server_url)
    if account.is_demo:
        return client_class(settings.DEMO_NETWORK)(ref, {"imitate": account.network}, save)
    try:
        return client_class(account.network)(ref, credentials_of(account), save)
    except (KeyError, ValueError) as exc:  # no server URL, Page id or token was stored
        text = f"{account} needs reconnecting: its stored connection is incomplete."
        code = ErrorCode.INCOMPLETE
        raise NetworkError(text, permanent=True, reconnect=True, code=code) from exc


def credentials_of(account: ConnectedAccount) -> dict[str, Any]:
    """The account's decrypted credentials; ones that cannot be read (saved under another
    PORCH_SECRET_KEY) mark the account "needs reconnecting", tell its owners and raise
    NetworkError with `reconnect`, so every page and job handles it as a revoked token."""
    try:
        return account.credentials()
    except SecretError as exc:
        text = f"{account} needs reconnecting: {exc}."
        code = ErrorCode.CREDENTIALS_UNREADABLE
        error = NetworkError(text, permanent=True, reconnect=True, code=code)
        if account.status != AccountStatus.NEEDS_RECONNECT:
            mark_reconnect(account, error)
        raise error from None


def mark_unreadable(accounts: Iterable[ConnectedAccount]) -> None:
    """Mark the accounts whose credentials cannot be read (see credentials_of)."""
    for account in accounts:
        if account.credentials_encrypted and account.status != AccountStatus.NEEDS_RECONNECT:
            with suppress(NetworkError):
                credentials_of(account)


def record_usage(account: ConnectedAccount, usage: Usage) -> None:
    """Add a client's calls to this month's figures (what a paid network bills for)."""
    reads, writes = usage.reads, usage.writes
    users, dms = usage.extra.get("users_read", 0), usage.extra.get("dm_sent", 0)
    if not reads and not writes and not users and not dms:
        return
    row, _ = UsageMonth.objects.get_or_create(account=account, month=month_start())
    UsageMonth.objects.filter(pk=row.pk).update(
        reads=F("reads") + reads,
        writes=F("writes") + writes,
        users_read=F("users_read") + users,
        dms_sent=F("dms_sent") + dms,
    )


def month_cost(account: ConnectedAccount) -> Decimal:
    row = UsageMonth.objects.filter(account=account, month=month_start()).first()
    return row.estimated_cost() if row else Decimal("0.00")


def mark_reconnect(account: ConnectedAccount, exc: NetworkError) -> None:
    """An expired or revoked token marks the account and tells the owner, once."""
    if exc.reconnect:
        account.status, account.status_detail = AccountStatus.NEEDS_RECONNECT, exc.message[:500]
        account.save(update_fields=["status", "status_detail"])
        Notice.tell(account, "reconnect", exc.message)
