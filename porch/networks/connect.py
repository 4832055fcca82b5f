"""Saving a connected account once the network has accepted its credentials."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from porch.networks.base import AccountRef
from porch.networks.models import INCOMING, SyncState
from porch.workspaces.models import AccountStatus, ConnectedAccount, Notice, Workspace


@transaction.atomic
def save_connection(
    workspace: Workspace, ref: AccountRef, credentials: dict[str, Any], tz: str
) -> ConnectedAccount:
    """Create the account, or renew the credentials of one that needed reconnecting."""
    account, _ = ConnectedAccount.objects.get_or_create(
        workspace=workspace, network=ref.network, handle=ref.handle, defaults={"timezone": tz}
    )
    account.external_id, account.server_url = ref.external_id, ref.server_url
    account.set_credentials(credentials)
    account.status, account.status_detail, account.rate_limited_until = AccountStatus.OK, "", None
    account.save()
    SyncState.objects.get_or_create(account=account, source=INCOMING, key="")
    Notice.objects.filter(account=account, key="reconnect", dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    )
    return account
